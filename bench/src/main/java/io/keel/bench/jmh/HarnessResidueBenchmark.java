package io.keel.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A control for {@code -prof gc}: burns CPU for a fixed amount of work and allocates nothing, so
 * whatever {@code gc.alloc.rate.norm} it reports is the harness's own allocation spread over the
 * op. keel's kernels report the same small, time-proportional residue; this benchmark shows it
 * is not theirs. One method per timing mode, since the harness's own work differs between them:
 * average time for the average-time benchmarks, sampled time (a timer read and a recorded sample
 * per call) for the sample-mode ones.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class HarnessResidueBenchmark extends KeelBenchmark {
    /** Work units per op (Blackhole.consumeCPU tokens): from ~1 us to ~1 ms. */
    @Param({"500", "50000", "500000"})
    public long tokens;

    @Benchmark
    public void allocationFreeWork() {
        Blackhole.consumeCPU(tokens);
    }

    /** {@link #allocationFreeWork} in sample mode: the residue of sample-mode benchmarks. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public void allocationFreeWorkSampled() {
        Blackhole.consumeCPU(tokens);
    }
}
