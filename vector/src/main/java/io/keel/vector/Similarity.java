package io.keel.vector;

/** How {@link RowScanner} scores a row against the query, and which end of the scale is best. */
public enum Similarity {
    /** Dot product, larger is better (cosine on unit vectors). */
    DOT_PRODUCT(true),
    /** Cosine similarity in [-1, 1], larger is better; zero rows score 0. */
    COSINE(true),
    /** Squared Euclidean distance, smaller is better. */
    EUCLIDEAN(false);

    private final boolean largerIsBetter;

    Similarity(boolean largerIsBetter) {
        this.largerIsBetter = largerIsBetter;
    }

    /** Whether larger scores rank first. */
    public boolean largerIsBetter() {
        return largerIsBetter;
    }
}
