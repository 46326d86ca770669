package io.keel.bench.jmh;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.keel.core.IndexedHeap;
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
 * A scheduler-like workload: insert n ids, re-key a third of them (priority refresh), drain.
 * keel's {@link IndexedHeap} against {@link PriorityQueue} of boxed entries, where a re-key is
 * remove + add (O(n) removal) and every insert allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class IndexedHeapBenchmark extends KeelBenchmark {
    /** Number of ids: trajectories per instance up to a whole rollout. */
    @Param({"64", "1024"})
    public int n;

    private long[] keys;
    private long[] newKeys;
    private IndexedHeap heap;
    private PriorityQueue<long[]> queue;
    private long[][] entries;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(3);
        keys = new long[n];
        newKeys = new long[n];
        entries = new long[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextLong(1_000_000);
            newKeys[i] = rnd.nextLong(1_000_000);
        }
        heap = new IndexedHeap(n, IndexedHeap.Order.MAX);
        queue = new PriorityQueue<>(n, (a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
    }

    @Benchmark
    public long keelIndexedHeap() {
        for (int i = 0; i < n; i++) {
            heap.insert(i, keys[i]);
        }
        for (int i = 0; i < n; i += 3) {
            heap.update(i, newKeys[i]);
        }
        long sum = 0;
        for (int id = heap.poll(); id >= 0; id = heap.poll()) {
            sum += id;
        }
        return sum;
    }

    @Benchmark
    public long jdkPriorityQueue() {
        for (int i = 0; i < n; i++) {
            entries[i] = new long[] {keys[i], i};
            queue.add(entries[i]);
        }
        for (int i = 0; i < n; i += 3) {
            queue.remove(entries[i]);
            entries[i] = new long[] {newKeys[i], i};
            queue.add(entries[i]);
        }
        long sum = 0;
        for (long[] e = queue.poll(); e != null; e = queue.poll()) {
            sum += e[1];
        }
        return sum;
    }
}
