package io.keel.bench.cli;

import java.util.Map;
import java.util.SplittableRandom;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.core.ArgSort;
import io.keel.core.IndexedHeap;
import io.keel.core.TopK;
import io.keel.core.UnionFind;
import org.HdrHistogram.Histogram;

/** The core primitives on synthetic data: arg-sort, top-k, indexed heap, union-find. */
final class CoreDemo implements DemoSection {
    private static final int N = 4096;
    private static final int CALLS = 2000;

    @Override
    public String name() {
        return "core";
    }

    @Override
    public Map<String, Object> run(Progress progress) {
        SplittableRandom rnd = new SplittableRandom(42);
        int[] keys = new int[N];
        for (int i = 0; i < N; i++) {
            keys[i] = rnd.nextInt(1 << 20);
        }
        int[] index = new int[N];
        Map<String, Object> r = Report.object();

        progress.step("arg-sort of " + N + " int keys x " + CALLS);
        ArgSort sort = new ArgSort(N);
        Map<String, Object> argSort = time(N + " int keys", () -> sort.sort(keys, N, index, false));
        boolean sorted = true;
        for (int i = 1; i < N; i++) {
            sorted &= keys[index[i - 1]] <= keys[index[i]];
        }
        argSort.put("sorted", sorted);
        r.put("argSort", argSort);

        progress.step("top-16 of " + N);
        TopK top = TopK.largest(16);
        int[] best = new int[16];
        r.put("topK", time("k=16 of " + N, () -> top.select(keys, N, 16, best)));

        progress.step("indexed heap: " + N + " inserts, updates and polls");
        IndexedHeap heap = new IndexedHeap(N, IndexedHeap.Order.MAX);
        r.put("indexedHeap", time(N + " insert+update+poll", () -> {
            for (int i = 0; i < N; i++) {
                heap.insert(i, keys[i]);
            }
            for (int i = 0; i < N; i += 2) {
                heap.update(i, keys[i] / 2);
            }
            while (heap.poll() >= 0) {
                // drain
            }
        }));

        progress.step("union-find over " + N + " elements");
        UnionFind uf = new UnionFind(N);
        int[] ids = new int[N];
        int[] classes = new int[1];
        Map<String, Object> unionFind = time(N + " unions + classIds", () -> {
            uf.reset(N);
            for (int i = 0; i < N; i++) {
                uf.union(i, keys[i] % N);
            }
            classes[0] = uf.classIds(ids);
        });
        unionFind.put("classes", classes[0]);
        r.put("unionFind", unionFind);
        return r;
    }

    private static Map<String, Object> time(String what, Runnable call) {
        for (int i = 0; i < 3 * CALLS; i++) { // warm-up: long calls reach C2 only after a few thousand
            call.run();
        }
        Histogram h = Measure.nanosHistogram();
        for (int i = 0; i < CALLS; i++) {
            long t0 = System.nanoTime();
            call.run();
            h.recordValue(System.nanoTime() - t0);
        }
        // Allocation over a loop of its own, so the timing code's first-use costs are not counted.
        long bytes0 = Measure.allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            call.run();
        }
        long bytes = Measure.allocatedBytes() - bytes0;
        Map<String, Object> m = Report.object();
        m.put("what", what);
        m.put("micros", Measure.micros(h));
        m.put("allocatedBytesPerCall", (double) bytes / CALLS);
        return m;
    }
}
