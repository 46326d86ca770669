package io.keel.vector;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import io.keel.core.Checks;
import io.keel.core.TopK;
import io.keel.vector.internal.VectorSupport;
import io.keel.vector.internal.VectorSupportProvider;

/**
 * One-vs-many scoring over flat row-major storage ({@code n} rows of {@code dim} floats, row r
 * at {@code rowsOff + r * dim}), fused with top-k selection: rows are scored four at a time
 * (dot and Euclidean: one query load feeds four rows) and offered to a bounded heap as they
 * are scored, so no score array is written. Ties rank the lower row id first. A row's score
 * is bit for bit the pairwise kernel's ({@link VectorMath#dot}, {@link VectorMath#cosine},
 * {@link VectorMath#squaredL2} of the query and the row): the four-row kernels keep its order.
 *
 * <p>{@link #scanInt8} scans int8 codes (see {@link VectorMath#quantize}) for an oversampled
 * candidate set by approximate dot product, then rescores the candidates with float32 rows.
 *
 * <p>A null argument throws {@link NullPointerException} naming it. Bad input (non-finite query value, a row whose score is not finite, ranges that do not fit,
 * {@code k} or {@code dim} over capacity) throws {@link IllegalArgumentException} and leaves the
 * previous {@link TopHits} untouched.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates for
 * {@code maxDim}, {@code maxK} and {@code maxCandidates}; scans allocate nothing.
 */
public final class RowScanner {
    private static final VectorSupport IMPL = VectorSupportProvider.get();

    private final int maxDim;
    private final int maxK;
    private final int maxCandidates;
    private final TopK largest;
    private final TopK smallest;
    private final TopK candidates;
    private final int[] candidateIds;
    private final byte[] queryCodes;
    private final float[] four = new float[VectorSupport.SCRATCH];
    private final TopHits hits;

    /**
     * A scanner for queries of up to {@code maxDim} floats, {@code k <= maxK}, and int8 scans
     * keeping up to {@code maxCandidates} candidates for rescoring.
     */
    public RowScanner(int maxDim, int maxK, int maxCandidates) {
        this.maxDim = Checks.nonNegative("maxDim", maxDim);
        this.maxK = Checks.nonNegative("maxK", maxK);
        this.maxCandidates = Checks.nonNegative("maxCandidates", maxCandidates);
        largest = TopK.largest(maxK);
        smallest = TopK.smallest(maxK);
        candidates = TopK.largest(maxCandidates);
        candidateIds = new int[maxCandidates];
        queryCodes = new byte[maxDim];
        hits = new TopHits(maxK);
    }

    /** The result of the last successful scan. */
    public TopHits hits() {
        return hits;
    }

    /** Top {@code k} of {@code n} rows of {@code rows} (from element {@code rowsOff}) against the query. */
    public TopHits scan(Similarity sim, float[] query, int qOff, float[] rows, int rowsOff, int n, int dim, int k) {
        Objects.requireNonNull(sim, "sim");
        checkShape(n, dim, k);
        VectorMath.range("query", query, qOff, dim);
        checkRows(Objects.requireNonNull(rows, "rows").length, rowsOff, n, dim);
        Checks.finite("query", query, qOff, dim);
        TopK top = sim.largerIsBetter() ? largest : smallest;
        top.reset(k);
        int r = 0;
        if (sim != Similarity.COSINE) {
            final float[] f = four;
            final boolean dot = sim == Similarity.DOT_PRODUCT;
            for (; r + 4 <= n; r += 4) {
                if (dot) {
                    IMPL.dot4(query, qOff, rows, rowsOff + r * dim, dim, dim, f);
                } else {
                    IMPL.squaredL2x4(query, qOff, rows, rowsOff + r * dim, dim, dim, f);
                }
                offer(top, r, f[0]);
                offer(top, r + 1, f[1]);
                offer(top, r + 2, f[2]);
                offer(top, r + 3, f[3]);
            }
        }
        for (; r < n; r++) {
            int off = rowsOff + r * dim;
            float s = switch (sim) {
                case DOT_PRODUCT -> IMPL.dot(query, qOff, rows, off, dim);
                case COSINE -> cosine(query, qOff, rows, off, dim);
                case EUCLIDEAN -> IMPL.squaredL2(query, qOff, rows, off, dim);
            };
            offer(top, r, s);
        }
        return publish(top);
    }

    /**
     * As {@link #scan(Similarity, float[], int, float[], int, int, int, int)} over segments:
     * floats in native byte order, offsets in bytes, row r at {@code rowsOff + 4 * r * dim}.
     */
    public TopHits scan(Similarity sim, MemorySegment query, long qOff, MemorySegment rows, long rowsOff, int n,
            int dim, int k) {
        Objects.requireNonNull(sim, "sim");
        checkShape(n, dim, k);
        VectorMath.range("query", query, qOff, 4L * dim, dim);
        VectorMath.range("rows", rows, rowsOff, 4L * n * dim, dim);
        for (int i = 0; i < dim; i++) {
            float x = query.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, qOff + 4L * i);
            if (!Float.isFinite(x)) {
                throw Checks.element("query", i, "must be finite", x);
            }
        }
        TopK top = sim.largerIsBetter() ? largest : smallest;
        top.reset(k);
        final long stride = 4L * dim;
        int r = 0;
        if (sim != Similarity.COSINE) {
            final float[] f = four;
            final boolean dot = sim == Similarity.DOT_PRODUCT;
            for (; r + 4 <= n; r += 4) {
                if (dot) {
                    IMPL.dot4(query, qOff, rows, rowsOff + r * stride, stride, dim, f);
                } else {
                    IMPL.squaredL2x4(query, qOff, rows, rowsOff + r * stride, stride, dim, f);
                }
                offer(top, r, f[0]);
                offer(top, r + 1, f[1]);
                offer(top, r + 2, f[2]);
                offer(top, r + 3, f[3]);
            }
        }
        for (; r < n; r++) {
            long off = rowsOff + r * stride;
            float s = switch (sim) {
                case DOT_PRODUCT -> IMPL.dot(query, qOff, rows, off, dim);
                case COSINE -> cosine(query, qOff, rows, off, dim);
                case EUCLIDEAN -> IMPL.squaredL2(query, qOff, rows, off, dim);
            };
            offer(top, r, s);
        }
        return publish(top);
    }

    /**
     * Top {@code k} by dot product in two stages: the query is quantized, the int8 codes of all
     * {@code n} rows are scanned for the best {@code candidates} by
     * {@code scaleQ * scales[r] * dotInt8}, and those are rescored exactly against the float32
     * {@code rows}. For cosine, store unit rows and pass a unit query. Scores are exact float dots.
     *
     * @param codes  {@code n * dim} int8 codes, row-major, from {@link VectorMath#quantize}
     * @param scales the per-row scales {@link VectorMath#quantize} returned
     * @param rows   the float32 rows the codes were made from, row-major
     */
    public TopHits scanInt8(float[] query, int qOff, byte[] codes, float[] scales, float[] rows, int n, int dim,
            int k, int candidates) {
        checkShape(n, dim, k);
        Checks.inRange("dim", dim, 0, VectorMath.MAX_INT8_DIM);
        Checks.inRange("candidates", candidates, k, maxCandidates);
        VectorMath.range("query", query, qOff, dim);
        checkRows(Objects.requireNonNull(codes, "codes").length, 0, n, dim);
        checkRows(Objects.requireNonNull(rows, "rows").length, 0, n, dim);
        Checks.length("scales", Objects.requireNonNull(scales, "scales").length, n);
        Checks.finite("query", query, qOff, dim);
        float qScale = VectorMath.quantize(query, qOff, queryCodes, 0, dim);
        TopK cand = this.candidates;
        cand.reset(candidates);
        final byte[] qc = queryCodes;
        for (int r = 0; r < n; r++) {
            // Checked here, not in a pass of its own: the hits are published only after the loop.
            float scale = scales[r];
            if (!(scale >= 0) || scale == Float.POSITIVE_INFINITY) {
                throw Checks.element("scales", r, "must be finite and >= 0", scale);
            }
            float s = qScale * scale * IMPL.dotInt8(qc, 0, codes, r * dim, dim);
            offer(cand, r, s);
        }
        int m = cand.drain(candidateIds, null);
        TopK top = largest;
        top.reset(k);
        for (int i = 0; i < m; i++) {
            int r = candidateIds[i];
            offer(top, r, IMPL.dot(query, qOff, rows, r * dim, dim));
        }
        return publish(top);
    }

    /** The pairwise cosine, resolved in double where the float sums under- or overflowed. */
    private static float cosine(float[] q, int qOff, float[] rows, int off, int dim) {
        float s = IMPL.cosine(q, qOff, rows, off, dim);
        return s == s ? s : VectorMath.cosineInDouble(q, qOff, rows, off, dim);
    }

    private static float cosine(MemorySegment q, long qOff, MemorySegment rows, long off, int dim) {
        float s = IMPL.cosine(q, qOff, rows, off, dim);
        return s == s ? s : VectorMath.cosineInDouble(q, qOff, rows, off, dim);
    }

    private void checkShape(int n, int dim, int k) {
        Checks.nonNegative("n", n);
        Checks.inRange("dim", dim, 0, maxDim);
        Checks.inRange("k", k, 0, maxK);
    }

    private static void checkRows(int length, int rowsOff, int n, int dim) {
        long need = (long) n * dim;
        if (rowsOff < 0 || need > Integer.MAX_VALUE || rowsOff > length - need) {
            throw new IllegalArgumentException("rows: " + n + " rows of " + dim + " from offset " + rowsOff
                    + " do not fit its length " + length);
        }
    }

    private static void offer(TopK top, int row, float score) {
        if (!Float.isFinite(score)) {
            throw new IllegalArgumentException("rows: row " + row + " scores " + score
                    + " (a NaN or infinite value in the row, or an overflow)");
        }
        top.offer(row, score);
    }

    private TopHits publish(TopK top) {
        TopHits h = hits;
        h.size = top.drain(h.ids, h.scores);
        return h;
    }
}
