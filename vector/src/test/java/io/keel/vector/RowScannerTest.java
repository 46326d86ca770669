package io.keel.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowScannerTest {
    static double ref(Similarity sim, float[] q, float[] rows, int r, int dim) {
        return switch (sim) {
            case DOT_PRODUCT -> VectorSupportContractTest.refDot(q, 0, rows, r * dim, dim);
            case COSINE -> VectorSupportContractTest.refCos(q, 0, rows, r * dim, dim);
            case EUCLIDEAN -> VectorSupportContractTest.refL2(q, 0, rows, r * dim, dim);
        };
    }

    /** The scan's ranking equals a full sort of double-precision scores, up to float rounding. */
    @ParameterizedTest
    @EnumSource(Similarity.class)
    void topKIsThePrefixOfAFullSort(Similarity sim) {
        SplittableRandom rnd = new SplittableRandom(sim.ordinal());
        RowScanner scanner = new RowScanner(1024, 50, 0);
        for (int dim : new int[] {1, 7, 13, 207, 702}) {
            for (int n : new int[] {0, 1, 3, 5, 130}) {
                float[] q = VectorSupportContractTest.random(rnd, dim);
                float[] rows = VectorSupportContractTest.random(rnd, 3 + n * dim);
                float[] body = Arrays.copyOfRange(rows, 3, rows.length);
                int k = Math.min(50, 1 + rnd.nextInt(60));
                double[] s = new double[n];
                for (int r = 0; r < n; r++) {
                    s[r] = ref(sim, q, body, r, dim);
                }
                Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
                Comparator<Integer> best = Comparator.comparingDouble(r -> s[r]);
                Arrays.sort(order, (sim.largerIsBetter() ? best.reversed() : best).thenComparingInt(r -> r));
                TopHits h = scanner.scan(sim, q, 0, rows, 3, n, dim, k);
                assertEquals(Math.min(k, n), h.size());
                for (int i = 0; i < h.size(); i++) {
                    double tol = 1e-5 * (1 + Math.abs(s[order[i]]));
                    assertEquals(s[order[i]], h.score(i), tol, sim + " dim=" + dim + " n=" + n + " rank " + i);
                    assertEquals(s[h.id(i)], h.score(i), tol);
                }
                MemorySegment sq = MemorySegment.ofArray(q);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment sr = arena.allocate(4L * rows.length);
                    MemorySegment.copy(rows, 0, sr, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, rows.length);
                    int[] ids = new int[h.size()];
                    h.copyIds(ids);
                    TopHits g = scanner.scan(sim, sq, 0, sr, 12, n, dim, k);
                    int[] gids = new int[g.size()];
                    g.copyIds(gids);
                    assertArrayEquals(ids, gids, sim + " segment vs array");
                }
            }
        }
    }

    @Test
    void equalScoresRankTheLowerRowFirst() {
        int dim = 19;
        float[] q = new float[dim];
        Arrays.fill(q, 1f);
        float[] rows = new float[11 * dim];
        for (int r = 0; r < 11; r++) {
            Arrays.fill(rows, r * dim, (r + 1) * dim, r == 9 ? 2f : 1f);
        }
        TopHits h = new RowScanner(dim, 4, 0).scan(Similarity.DOT_PRODUCT, q, 0, rows, 0, 11, dim, 4);
        assertEquals(9, h.id(0));
        assertEquals(0, h.id(1));
        assertEquals(1, h.id(2));
        assertEquals(2, h.id(3));
    }

    @Test
    void int8ScanRescoresTheCandidates() {
        SplittableRandom rnd = new SplittableRandom(4);
        int n = 3000;
        int dim = 96;
        float[] rows = new float[n * dim];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) rnd.nextGaussian();
        }
        byte[] codes = new byte[n * dim];
        float[] scales = new float[n];
        for (int r = 0; r < n; r++) {
            VectorMath.normalize(rows, r * dim, dim);
            scales[r] = VectorMath.quantize(rows, r * dim, codes, r * dim, dim);
        }
        RowScanner exact = new RowScanner(dim, 10, 0);
        RowScanner int8 = new RowScanner(dim, 10, n);
        int found = 0;
        int queries = 50;
        for (int t = 0; t < queries; t++) {
            float[] q = new float[dim];
            for (int i = 0; i < dim; i++) {
                q[i] = (float) rnd.nextGaussian();
            }
            TopHits e = exact.scan(Similarity.DOT_PRODUCT, q, 0, rows, 0, n, dim, 10);
            int[] truth = new int[10];
            e.copyIds(truth);
            // With every row a candidate, rescoring gives the exact answer.
            TopHits all = int8.scanInt8(q, 0, codes, scales, rows, n, dim, 10, n);
            for (int i = 0; i < 10; i++) {
                assertEquals(e.score(i), all.score(i), 1e-4);
            }
            TopHits h = int8.scanInt8(q, 0, codes, scales, rows, n, dim, 10, 40);
            for (int i = 0; i < h.size(); i++) {
                for (int id : truth) {
                    found += id == h.id(i) ? 1 : 0;
                }
            }
        }
        double recall = found / (10.0 * queries);
        assertTrue(recall >= 0.95, "recall@10 with 4x oversampling: " + recall);
    }

    @Test
    void badRowsAreRejectedAndThePreviousResultStays() {
        int dim = 16;
        float[] q = new float[dim];
        Arrays.fill(q, 1f);
        float[] rows = new float[10 * dim];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        RowScanner s = new RowScanner(dim, 3, 0);
        TopHits h = s.scan(Similarity.DOT_PRODUCT, q, 0, rows, 0, 10, dim, 3);
        assertEquals(9, h.id(0));
        rows[5 * dim + 3] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.scan(Similarity.EUCLIDEAN, q, 0, rows, 0, 10, dim, 2));
        assertTrue(e.getMessage().contains("row 5"), e.getMessage());
        assertEquals(3, h.size());
        assertEquals(9, h.id(0));
        q[2] = Float.POSITIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> s.scan(Similarity.COSINE, q, 0, rows, 0, 10, dim, 2));
        assertTrue(e.getMessage().contains("query[2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.scan(Similarity.COSINE, q, 0, rows, 0, 11, dim, 2));
        assertThrows(IllegalArgumentException.class, () -> s.scan(Similarity.COSINE, q, 0, rows, 0, 10, dim, 4));
        assertEquals(9, h.id(0));
    }

    @Test
    void scansAllocateNothing() {
        SplittableRandom rnd = new SplittableRandom(8);
        int n = 203;
        int dim = 384;
        float[] rows = VectorSupportContractTest.random(rnd, n * dim);
        float[] q = VectorSupportContractTest.random(rnd, dim);
        byte[] codes = new byte[n * dim];
        float[] scales = new float[n];
        for (int r = 0; r < n; r++) {
            scales[r] = VectorMath.quantize(rows, r * dim, codes, r * dim, dim);
        }
        RowScanner s = new RowScanner(dim, 10, 40);
        AllocationProbe.assertZeroAllocation("scan dot", () -> s.scan(Similarity.DOT_PRODUCT, q, 0, rows, 0, n, dim, 10));
        AllocationProbe.assertZeroAllocation("scan cosine", () -> s.scan(Similarity.COSINE, q, 0, rows, 0, n, dim, 10));
        AllocationProbe.assertZeroAllocation("scan L2", () -> s.scan(Similarity.EUCLIDEAN, q, 0, rows, 0, n, dim, 10));
        AllocationProbe.assertZeroAllocation("int8 scan",
                () -> s.scanInt8(q, 0, codes, scales, rows, n, dim, 10, 40));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sr = arena.allocate(4L * rows.length);
            MemorySegment sq = arena.allocate(4L * dim);
            MemorySegment.copy(rows, 0, sr, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, rows.length);
            MemorySegment.copy(q, 0, sq, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, dim);
            AllocationProbe.assertZeroAllocation("segment scan dot",
                    () -> s.scan(Similarity.DOT_PRODUCT, sq, 0, sr, 0, n, dim, 10));
        }
    }
}
