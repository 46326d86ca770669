package io.keel.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Prints the bits of keel's scores on fixed inputs, after {@code args[0]} warm-up repetitions, so
 * that {@link JitTierDeterminismTest} can compare an interpreted, a C1-compiled and a C2-compiled
 * JVM. One line per score: pairwise dot, cosine, squared L2 (arrays and native segments) and the
 * scan's scores, at awkward sizes.
 */
public final class TierScores {
    static final int[] DIMS = {1, 7, 8, 17, 31, 64, 100, 207, 384, 768, 1000, 1024};

    private TierScores() {
    }

    public static void main(String[] args) {
        int reps = Integer.parseInt(args[0]);
        StringBuilder out = new StringBuilder();
        for (int rep = 0; rep < reps; rep++) {
            out.setLength(0);
            scores(out);
        }
        System.out.print(out);
    }

    static void scores(StringBuilder out) {
        SplittableRandom r = new SplittableRandom(2024);
        RowScanner scanner = new RowScanner(1024, 8, 0);
        try (Arena arena = Arena.ofConfined()) {
            for (int dim : DIMS) {
                float[] q = new float[dim];
                float[] rows = new float[8 * dim];
                fill(r, q);
                fill(r, rows);
                MemorySegment sq = arena.allocate(4L * dim);
                MemorySegment sr = arena.allocate(4L * 8 * dim);
                MemorySegment.copy(q, 0, sq, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, dim);
                MemorySegment.copy(rows, 0, sr, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 8 * dim);
                for (int row = 0; row < 8; row++) {
                    long at = 4L * row * dim;
                    line(out, dim, "dot", VectorMath.dot(q, 0, rows, row * dim, dim));
                    line(out, dim, "cosine", VectorMath.cosine(q, 0, rows, row * dim, dim));
                    line(out, dim, "l2", VectorMath.squaredL2(q, 0, rows, row * dim, dim));
                    line(out, dim, "segDot", VectorMath.dot(sq, 0, sr, at, dim));
                    line(out, dim, "segCosine", VectorMath.cosine(sq, 0, sr, at, dim));
                    line(out, dim, "segL2", VectorMath.squaredL2(sq, 0, sr, at, dim));
                }
                for (Similarity sim : Similarity.values()) {
                    TopHits h = scanner.scan(sim, q, 0, rows, 0, 8, dim, 8);
                    for (int i = 0; i < h.size(); i++) {
                        line(out, dim, "scan" + sim + "#" + h.id(i), h.score(i));
                    }
                }
            }
        }
    }

    private static void fill(SplittableRandom r, float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
    }

    private static void line(StringBuilder out, int dim, String what, float score) {
        out.append(dim).append(' ').append(what).append(' ')
                .append(Integer.toHexString(Float.floatToRawIntBits(score))).append('\n');
    }
}
