package io.keel.vector;

import java.util.Objects;

/**
 * The result of a scan: up to k (row id, score) pairs, best first, equal scores by lower id.
 * A view over arrays the owning {@link RowScanner} preallocated; valid until its next scan.
 *
 * <p>Threading: belongs to the scanner's thread. Allocation: none after construction.
 */
public final class TopHits {
    final int[] ids;
    final double[] scores;
    int size;

    TopHits(int maxK) {
        ids = new int[maxK];
        scores = new double[maxK];
    }

    /** Number of hits: {@code min(k, rows)}. */
    public int size() {
        return size;
    }

    /** The row id of hit {@code i}, best first. */
    public int id(int i) {
        return ids[io.keel.core.Checks.index("i", i, size)];
    }

    /** The score of hit {@code i} (a similarity, or a squared distance for {@link Similarity#EUCLIDEAN}). */
    public float score(int i) {
        return (float) scores[io.keel.core.Checks.index("i", i, size)];
    }

    /** Copies the ids into {@code out[0, size)}; returns size. */
    public int copyIds(int[] out) {
        io.keel.core.Checks.length("out", Objects.requireNonNull(out, "out").length, size);
        System.arraycopy(ids, 0, out, 0, size);
        return size;
    }
}
