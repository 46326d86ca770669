package io.keel.vector.retrieve;

import io.keel.core.Checks;

/**
 * A reusable query for {@link ExperienceIndex}: a dense embedding, an optional sparse lexical
 * vector (ascending distinct term ids with positive counts), the hybrid weights
 * (0.5 / 0.5 by default, as Agent KB), an optional MMR trade-off and whether the dense retriever
 * scans the int8 copy. The arrays are referenced, not copied: keep them unchanged until the
 * search returns.
 *
 * <p>Threading: one thread per instance. Allocation: none.
 */
public final class ExperienceQuery {
    float[] embedding;
    int embeddingOff;
    int[] terms;
    int[] counts;
    int termCount;
    double lexicalWeight = 0.5;
    double semanticWeight = 0.5;
    double mmrLambda = Double.NaN;
    boolean int8;

    /** An empty query: set at least {@link #embedding}. */
    public ExperienceQuery() {
    }

    /** The dense query embedding {@code v[off, off + dim)}; any non-zero finite vector. */
    public ExperienceQuery embedding(float[] v, int off) {
        this.embedding = Checks.notNull("embedding", v);
        this.embeddingOff = off;
        return this;
    }

    /** The lexical query: {@code terms[0, n)} ascending and distinct, {@code counts[0, n)} positive. */
    public ExperienceQuery lexical(int[] terms, int[] counts, int n) {
        this.terms = Checks.notNull("terms", terms);
        this.counts = Checks.notNull("counts", counts);
        this.termCount = n;
        return this;
    }

    /** No lexical part: every lexical score is 0. */
    public ExperienceQuery noLexical() {
        this.termCount = 0;
        return this;
    }

    /** Hybrid weights, each finite and >= 0: {@code score = lexical * lex + semantic * sem}. */
    public ExperienceQuery weights(double lexical, double semantic) {
        Checks.nonNegativeFinite("lexical", lexical);
        Checks.nonNegativeFinite("semantic", semantic);
        this.lexicalWeight = lexical;
        this.semanticWeight = semantic;
        return this;
    }

    /** MMR diversity with trade-off {@code lambda} in [0, 1] (1 = relevance only); NaN turns it off. */
    public ExperienceQuery mmr(double lambda) {
        if (lambda == lambda) {
            Checks.inRange("lambda", lambda, 0.0, 1.0);
        }
        this.mmrLambda = lambda;
        return this;
    }

    /** Whether the dense retriever scans the int8 copy (then rescoring in float32). */
    public ExperienceQuery int8(boolean int8) {
        this.int8 = int8;
        return this;
    }
}
