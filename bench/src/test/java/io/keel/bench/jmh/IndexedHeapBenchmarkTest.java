package io.keel.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** The heap benchmark's three methods do the same work: the same ids drained in the same order. */
class IndexedHeapBenchmarkTest {
    /** The drain order's checksum, from a sort by final key (larger first), then id. */
    private static long expected(IndexedHeapBenchmark b) {
        long[] finalKeys = b.keys.clone();
        for (int i = 0; i < b.n; i += 3) {
            finalKeys[i] = b.newKeys[i];
        }
        Integer[] ids = IntStream.range(0, b.n).boxed().toArray(Integer[]::new);
        Arrays.sort(ids, Comparator.<Integer>comparingLong(i -> -finalKeys[i]).thenComparingInt(i -> i));
        long order = 0;
        for (int id : ids) {
            order = order * 31 + id;
        }
        return order;
    }

    private static void assertSameDrain(IndexedHeapBenchmark b) {
        long want = expected(b);
        // Twice each: an invocation must leave its heap or queue empty for the next.
        for (int rep = 0; rep < 2; rep++) {
            assertEquals(want, b.keelIndexedHeap(), "keel, n " + b.n);
            assertEquals(want, b.jdkPriorityQueueRemove(), "remove peer, n " + b.n);
            assertEquals(want, b.jdkPriorityQueueLazy(), "lazy peer, n " + b.n);
        }
    }

    private static IndexedHeapBenchmark benchmark(int n) {
        IndexedHeapBenchmark b = new IndexedHeapBenchmark();
        b.n = n;
        b.setup();
        return b;
    }

    @Test
    void benchmarkInputsDrainInTheSameOrder() {
        for (int n : new int[] {1, 2, 3, 64, 1000, 1024}) {
            assertSameDrain(benchmark(n));
        }
    }

    @Test
    void tiesAndUnchangedKeysDrainInTheSameOrder() {
        for (int n : new int[] {64, 1024}) {
            IndexedHeapBenchmark b = benchmark(n);
            for (int i = 0; i < n; i++) {
                b.keys[i] = i % 7;
                // Every other re-key keeps the id's key: lazy deletion must still drain it once.
                b.newKeys[i] = i % 2 == 0 ? b.keys[i] : i % 5;
            }
            assertSameDrain(b);
        }
    }
}
