package io.keel.vector.retrieve;

import io.keel.core.Checks;

/**
 * The result of an {@link ExperienceIndex} search: entry ids (workflow or step ids) with their
 * hybrid scores and both parts, best first (or in MMR selection order). A view over arrays the
 * index preallocated, valid until its next search.
 *
 * <p>Threading: the index's thread. Allocation: none after construction.
 */
public final class ExperienceHits {
    final int[] ids;
    final double[] scores;
    final double[] lexical;
    final float[] semantic;
    int size;

    ExperienceHits(int maxK) {
        ids = new int[maxK];
        scores = new double[maxK];
        lexical = new double[maxK];
        semantic = new float[maxK];
    }

    /** Number of hits. */
    public int size() {
        return size;
    }

    /** Entry id of hit {@code i}. */
    public int id(int i) {
        return ids[Checks.index("i", i, size)];
    }

    /** Hybrid score of hit {@code i}. */
    public double score(int i) {
        return scores[Checks.index("i", i, size)];
    }

    /** TF-IDF cosine of hit {@code i}. */
    public double lexical(int i) {
        return lexical[Checks.index("i", i, size)];
    }

    /** Dense cosine of hit {@code i}. */
    public float semantic(int i) {
        return semantic[Checks.index("i", i, size)];
    }
}
