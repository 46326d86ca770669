package io.keel.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A row's scan score is the pairwise kernel's score of the query and that row, bit for bit, at
 * awkward sizes, from arrays (with offsets), native segments and heap segments.
 */
class ScanMatchesPairwiseTest {
    static final int[] DIMS = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 207, 384, 702, 768, 1000, 1024};

    static float pairwise(Similarity sim, float[] q, int qOff, float[] rows, int off, int dim) {
        return switch (sim) {
            case DOT_PRODUCT -> VectorMath.dot(q, qOff, rows, off, dim);
            case COSINE -> VectorMath.cosine(q, qOff, rows, off, dim);
            case EUCLIDEAN -> VectorMath.squaredL2(q, qOff, rows, off, dim);
        };
    }

    @ParameterizedTest
    @EnumSource(Similarity.class)
    void scanScoreEqualsThePairwiseScore(Similarity sim) {
        SplittableRandom r = new SplittableRandom(9 + sim.ordinal());
        final int n = 11;
        RowScanner scanner = new RowScanner(1024, n, 0);
        try (Arena arena = Arena.ofConfined()) {
            for (int dim : DIMS) {
                int qOff = r.nextInt(3);
                int rowsOff = r.nextInt(3);
                float[] q = VectorSupportContractTest.random(r, qOff + dim);
                float[] rows = VectorSupportContractTest.random(r, rowsOff + n * dim);
                MemorySegment nq = arena.allocate(4L * dim);
                MemorySegment nr = arena.allocate(4L * n * dim);
                MemorySegment.copy(q, qOff, nq, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, dim);
                MemorySegment.copy(rows, rowsOff, nr, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n * dim);
                float[] expected = new float[n];
                for (int row = 0; row < n; row++) {
                    expected[row] = pairwise(sim, q, qOff, rows, rowsOff + row * dim, dim);
                }
                check(sim, dim, "array", expected, scanner.scan(sim, q, qOff, rows, rowsOff, n, dim, n));
                check(sim, dim, "native segment", expected, scanner.scan(sim, nq, 0, nr, 0, n, dim, n));
                check(sim, dim, "heap segment", expected, scanner.scan(sim, MemorySegment.ofArray(q), 4L * qOff,
                        MemorySegment.ofArray(rows), 4L * rowsOff, n, dim, n));
            }
        }
    }

    private static void check(Similarity sim, int dim, String what, float[] expected, TopHits h) {
        assertEquals(expected.length, h.size());
        for (int i = 0; i < h.size(); i++) {
            assertEquals(Float.floatToRawIntBits(expected[h.id(i)]), Float.floatToRawIntBits(h.score(i)),
                    () -> sim + " " + what + " dim " + dim + ": scan score differs from the pairwise score");
        }
    }
}
