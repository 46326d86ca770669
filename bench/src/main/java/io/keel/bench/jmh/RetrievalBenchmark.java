package io.keel.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.keel.bench.sim.retrieve.ExperienceCorpus;
import io.keel.vector.retrieve.ExperienceIndex;
import io.keel.vector.retrieve.ExperienceQuery;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hybrid experience retrieval latency: 100,000 step entries (1,000 workflows x 100 steps),
 * d = 384, 12 terms per entry, top 10, dense retriever in float32 or over the int8 copy; flat
 * over all steps and hierarchical (top 5 workflows, then their steps). Sampled latency
 * (p50/p99 from JMH's SampleTime histogram).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
// The inherited fork settings, with a bigger heap.
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms2g", "-Xmx2g",
        "-XX:+AlwaysPreTouch"})
public class RetrievalBenchmark extends KeelBenchmark {
    static final int DIM = 384;
    static final int WORKFLOWS = 1000;
    static final int STEPS = 100;

    ExperienceCorpus corpus;
    ExperienceIndex index;
    ExperienceQuery[] float32 = new ExperienceQuery[64];
    ExperienceQuery[] int8 = new ExperienceQuery[64];
    int next;

    @Setup
    public void setup() {
        corpus = new ExperienceCorpus(DIM, WORKFLOWS, 20_000, 11);
        index = corpus.build(10, true, STEPS);
        for (int i = 0; i < float32.length; i++) {
            float[] v = new float[DIM];
            int[] terms = new int[ExperienceCorpus.TERMS];
            int[] counts = new int[ExperienceCorpus.TERMS];
            corpus.entry((i * 37) % WORKFLOWS, 1.0, v, terms, counts);
            float32[i] = new ExperienceQuery().embedding(v, 0).lexical(terms, counts, terms.length);
            int8[i] = new ExperienceQuery().embedding(v, 0).lexical(terms, counts, terms.length).int8(true);
        }
    }

    /**
     * The next of the 64 queries, in turn. Advanced inside the timed call (about a nanosecond
     * against microseconds a search), not in a per-invocation setup, which adds harness work
     * around every call.
     */
    private int advance() {
        return next = (next + 1) & 63;
    }

    @Benchmark
    public int flatFloat32() {
        return index.searchSteps(float32[advance()], 10).id(0);
    }

    @Benchmark
    public int flatInt8() {
        return index.searchSteps(int8[advance()], 10).id(0);
    }

    @Benchmark
    public int hierarchicalFloat32() {
        return index.searchHierarchical(float32[advance()], 5, 10).id(0);
    }

    @Benchmark
    public int hierarchicalInt8() {
        return index.searchHierarchical(int8[advance()], 5, 10).id(0);
    }
}
