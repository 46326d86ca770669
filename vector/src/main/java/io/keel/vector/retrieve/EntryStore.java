package io.keel.vector.retrieve;

import java.util.Arrays;
import java.util.Objects;

import org.eclipse.collections.api.map.primitive.MutableIntIntMap;
import org.eclipse.collections.impl.map.mutable.primitive.IntIntHashMap;

import io.keel.core.Checks;
import io.keel.vector.VectorMath;

/**
 * One level of an {@link ExperienceIndex} (workflows or steps): unit-normalised embeddings,
 * optional int8 codes, sparse term counts with postings and document frequencies. Grows on
 * {@link #add}; the TF-IDF statistics (idf, document norms) are refreshed lazily by the first
 * search after an add, without allocating.
 *
 * <p>Lexical score (documented so a reference can mirror it bit for bit): N entries,
 * {@code idf(t) = ln((1 + N) / (1 + df(t))) + 1}; {@code w(t, x) = count(t, x) * idf(t)};
 * {@code lex = sum_t w(t, q) * w(t, d) / (|w(q)| |w(d)|)} in double, summed over the query's
 * terms in ascending order, 0 when a norm is 0.
 *
 * <p>Term ids are any non-negative ints: a primitive hash map gives each distinct id a dense slot,
 * and the per-term tables (df, idf, postings) are indexed by slot, so a huge id costs what a small
 * one does. {@link #add} runs only after {@link #check} has accepted every input and cannot fail
 * half-way (short of running out of memory).
 */
final class EntryStore {
    final int dim;
    final boolean int8;
    int size;
    float[] unit = new float[0];
    byte[] codes = new byte[0];
    float[] scales = new float[0];
    int[] parent = new int[0];
    int[] termStart = new int[1];
    /** Per entry, from {@code termStart[d]}: the slots of its terms (see {@link #slots}). */
    int[] termIds = new int[0];
    int[] termCounts = new int[0];
    /** Term id to slot; absent ids were never added at this level. */
    final MutableIntIntMap slots = new IntIntHashMap();
    int[] df = new int[0];
    int[][] postDocs = new int[0][];
    int[][] postCounts = new int[0][];
    double[] idf = new double[0];
    double[] docNorm = new double[0];
    boolean statsStale = true;

    // Query scratch, grown with the store.
    double[] lexAcc = new double[0];
    int[] stamp = new int[0];
    int[] touched = new int[0];
    /** Per-entry marks for union de-duplication and workflow filters, compared to a search stamp. */
    int[] mark = new int[0];

    EntryStore(int dim, boolean int8) {
        this.dim = dim;
        this.int8 = int8;
    }

    /** Validates an entry's inputs without mutating anything. */
    void check(float[] embedding, int off, int[] terms, int[] counts, int n) {
        Objects.requireNonNull(embedding, "embedding");
        if (off < 0 || off > embedding.length - dim) {
            throw new IllegalArgumentException("embedding: range [" + off + ", " + ((long) off + dim)
                    + ") does not fit its length " + embedding.length);
        }
        Checks.finite("embedding", embedding, off, dim);
        boolean zero = true;
        for (int i = 0; i < dim && zero; i++) {
            zero = embedding[off + i] == 0f;
        }
        if (zero) {
            throw new IllegalArgumentException("embedding is a zero vector: it has no direction");
        }
        checkTerms(terms, counts, n);
    }

    static void checkTerms(int[] terms, int[] counts, int n) {
        Checks.nonNegative("termCount", n);
        if (n == 0) {
            return;
        }
        Checks.length("terms", Objects.requireNonNull(terms, "terms").length, n);
        Checks.length("counts", Objects.requireNonNull(counts, "counts").length, n);
        for (int i = 0; i < n; i++) {
            if (terms[i] < 0 || (i > 0 && terms[i] <= terms[i - 1])) {
                throw Checks.element("terms", i, "must be >= 0 and above the previous term", terms[i]);
            }
            if (counts[i] <= 0) {
                throw Checks.element("counts", i, "must be > 0", counts[i]);
            }
        }
    }

    /** Adds an entry (inputs already checked); returns its id. */
    int add(int parentId, float[] embedding, int off, int[] terms, int[] counts, int n) {
        int id = size;
        ensureEntries(id + 1);
        System.arraycopy(embedding, off, unit, id * dim, dim);
        VectorMath.normalize(unit, id * dim, dim);
        if (int8) {
            scales[id] = VectorMath.quantize(unit, id * dim, codes, id * dim, dim);
        }
        parent[id] = parentId;
        int at = termStart[id];
        if (termIds.length < at + n) {
            int cap = Math.max(at + n, termIds.length * 2);
            termIds = Arrays.copyOf(termIds, cap);
            termCounts = Arrays.copyOf(termCounts, cap);
        }
        for (int i = 0; i < n; i++) {
            int t = slotOf(terms[i]);
            termIds[at + i] = t;
            termCounts[at + i] = counts[i];
            df[t]++;
            int len = df[t];
            if (postDocs[t] == null || postDocs[t].length < len) {
                int cap = Math.max(4, len * 2);
                postDocs[t] = postDocs[t] == null ? new int[cap] : Arrays.copyOf(postDocs[t], cap);
                postCounts[t] = postCounts[t] == null ? new int[cap] : Arrays.copyOf(postCounts[t], cap);
            }
            postDocs[t][len - 1] = id;
            postCounts[t][len - 1] = counts[i];
        }
        termStart[id + 1] = at + n;
        size = id + 1;
        statsStale = true;
        return id;
    }

    private void ensureEntries(int n) {
        if (parent.length >= n) {
            return;
        }
        int cap = Math.max(16, Math.max(n, parent.length * 2));
        unit = Arrays.copyOf(unit, cap * dim);
        if (int8) {
            codes = Arrays.copyOf(codes, cap * dim);
            scales = Arrays.copyOf(scales, cap);
        }
        parent = Arrays.copyOf(parent, cap);
        termStart = Arrays.copyOf(termStart, cap + 1);
        docNorm = Arrays.copyOf(docNorm, cap);
        lexAcc = Arrays.copyOf(lexAcc, cap);
        stamp = Arrays.copyOf(stamp, cap);
        touched = Arrays.copyOf(touched, cap);
        mark = Arrays.copyOf(mark, cap);
    }

    /** The slot of term id {@code term}, given a new one (and table room) on first sight. */
    private int slotOf(int term) {
        int t = slots.getIfAbsent(term, -1);
        if (t >= 0) {
            return t;
        }
        t = slots.size();
        slots.put(term, t);
        if (t < df.length) {
            return t;
        }
        int cap = Math.max(16, df.length * 2);
        df = Arrays.copyOf(df, cap);
        idf = Arrays.copyOf(idf, cap);
        postDocs = Arrays.copyOf(postDocs, cap);
        postCounts = Arrays.copyOf(postCounts, cap);
        return t;
    }

    /** The idf of a term slot at this level; -1 (a term never seen) has df 0. */
    double idfOf(int t) {
        return t >= 0 ? idf[t] : Math.log((1.0 + size) / 1.0) + 1.0;
    }

    /** Recomputes idf and document norms after adds. */
    void refreshStats() {
        if (!statsStale) {
            return;
        }
        final double n1 = 1.0 + size;
        for (int t = 0, n = slots.size(); t < n; t++) {
            idf[t] = Math.log(n1 / (1.0 + df[t])) + 1.0;
        }
        for (int d = 0; d < size; d++) {
            double sq = 0;
            for (int j = termStart[d]; j < termStart[d + 1]; j++) {
                double w = termCounts[j] * idf[termIds[j]];
                sq += w * w;
            }
            docNorm[d] = Math.sqrt(sq);
        }
        statsStale = false;
    }

    /**
     * Accumulates {@code sum_t w(t, q) w(t, d)} into {@link #lexAcc} for every entry sharing a
     * term with the query, recording them in {@link #touched}; returns the query's norm.
     * {@link #clearLexical} must follow.
     */
    double accumulateLexical(int[] terms, int[] counts, int n, int[] touchedCount, int queryStamp) {
        double qsq = 0;
        int m = 0;
        for (int i = 0; i < n; i++) {
            int t = slots.getIfAbsent(terms[i], -1);
            double idfT = idfOf(t);
            double wq = counts[i] * idfT;
            qsq += wq * wq;
            if (t < 0) {
                continue;
            }
            int[] docs = postDocs[t];
            int[] cs = postCounts[t];
            for (int j = 0, len = df[t]; j < len; j++) {
                int d = docs[j];
                if (stamp[d] != queryStamp) {
                    stamp[d] = queryStamp;
                    touched[m++] = d;
                }
                lexAcc[d] += wq * (cs[j] * idfT);
            }
        }
        touchedCount[0] = m;
        return Math.sqrt(qsq);
    }

    /** The TF-IDF cosine of entry d given the accumulated dot and the query norm. */
    double lexical(int d, double queryNorm) {
        double den = queryNorm * docNorm[d];
        return den == 0 ? 0.0 : lexAcc[d] / den;
    }

    void clearLexical(int m) {
        for (int i = 0; i < m; i++) {
            lexAcc[touched[i]] = 0;
        }
    }
}
