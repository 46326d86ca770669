package io.keel.bench.jmh;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.keel.core.ArgSort;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Stable arg-sort of int keys: keel's radix {@link ArgSort} against the usual JDK idiom, packing
 * (key, index) into a long and calling {@link Arrays#sort(long[])} (also allocation-free when
 * the scratch array is preallocated, but O(n log n)).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArgSortBenchmark extends KeelBenchmark {
    /** Number of keys: one MoE layer's experts up to a rollout batch. */
    @Param({"256", "4096", "65536"})
    public int n;

    private int[] keys;
    private int[] index;
    private long[] packed;
    private ArgSort sort;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(17);
        keys = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextInt(1 << 24);
        }
        index = new int[n];
        packed = new long[n];
        sort = new ArgSort(n);
    }

    @Benchmark
    public int[] keelArgSort() {
        sort.sort(keys, n, index, false);
        return index;
    }

    @Benchmark
    public int[] jdkPackedSort() {
        for (int i = 0; i < n; i++) {
            packed[i] = ((long) keys[i] << 32) | i; // keys are non-negative here
        }
        Arrays.sort(packed, 0, n);
        for (int i = 0; i < n; i++) {
            index[i] = (int) packed[i];
        }
        return index;
    }
}
