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
 * keel's {@link IndexedHeap} against two {@link PriorityQueue} peers of boxed {@code {key, id}}
 * entries (same order: larger key first, lower id on ties), every insert allocating one:
 * {@link #jdkPriorityQueueRemove} re-keys with {@code remove(entry)} + {@code add} ({@code remove}
 * is an O(n) scan), {@link #jdkPriorityQueueLazy} with the usual O(log n) idiom, lazy deletion.
 * All three do the same operations and drain the same ids in the same order; each returns an
 * order-sensitive checksum of that order ({@code IndexedHeapBenchmarkTest} checks they agree).
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

    /** Insert keys, by id (package-private for the test, as is {@link #newKeys}). */
    long[] keys;
    /** Re-key keys, by id; used for every third id. */
    long[] newKeys;
    private IndexedHeap heap;
    private PriorityQueue<long[]> queue;
    /** Each id's current entry in {@link #queue}: the one with its latest key. */
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
        long order = 0;
        for (int id = heap.poll(); id >= 0; id = heap.poll()) {
            order = order * 31 + id;
        }
        return order;
    }

    /** The JDK peer that re-keys by {@code remove(entry)} (an O(n) scan) and a new entry. */
    @Benchmark
    public long jdkPriorityQueueRemove() {
        for (int i = 0; i < n; i++) {
            entries[i] = new long[] {keys[i], i};
            queue.add(entries[i]);
        }
        for (int i = 0; i < n; i += 3) {
            queue.remove(entries[i]);
            entries[i] = new long[] {newKeys[i], i};
            queue.add(entries[i]);
        }
        long order = 0;
        for (long[] e = queue.poll(); e != null; e = queue.poll()) {
            order = order * 31 + e[1];
        }
        return order;
    }

    /**
     * The JDK peer with lazy deletion, the O(log n) way to re-key a {@code PriorityQueue}: a
     * re-key adds a new entry and makes it the id's current one ({@link #entries}, a per-id
     * version); the drain skips entries that are no longer current. The queue holds n + n/3
     * entries at its largest and is empty again after the drain.
     */
    @Benchmark
    public long jdkPriorityQueueLazy() {
        for (int i = 0; i < n; i++) {
            entries[i] = new long[] {keys[i], i};
            queue.add(entries[i]);
        }
        for (int i = 0; i < n; i += 3) {
            entries[i] = new long[] {newKeys[i], i};
            queue.add(entries[i]);
        }
        long order = 0;
        for (long[] e = queue.poll(); e != null; e = queue.poll()) {
            if (e == entries[(int) e[1]]) {
                order = order * 31 + e[1];
            }
        }
        return order;
    }
}
