package io.keel.bench.python;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.keel.core.Checks;
import io.keel.vector.RowScanner;
import io.keel.vector.Similarity;
import io.keel.vector.TopHits;

/**
 * A {@link RowScanner} whose {@link #scan} reads the query and the rows in place (float32
 * segments over the caller's arrays) and writes the hits into the caller's tables:
 * {@code ids} int32[maxK] and {@code scores} float32[maxK], best first.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates the scanner;
 * {@link #scan} allocates nothing. Bad input throws {@link IllegalArgumentException} (the
 * scanner's message) before the tables change.
 */
public final class RowScanTables {
    private static final Similarity[] SIMILARITIES = Similarity.values();

    private final RowScanner scanner;
    private final int maxK;
    private MemorySegment ids;
    private MemorySegment scores;

    /** A scanner for queries of up to {@code maxDim} floats and {@code k <= maxK}. */
    public RowScanTables(int maxDim, int maxK) {
        this.scanner = new RowScanner(maxDim, maxK, 0);
        this.maxK = maxK;
    }

    /** Sets the hit tables: {@code ids} int32[maxK], {@code scores} float32[maxK]. */
    public void bind(MemorySegment ids, MemorySegment scores) {
        this.ids = CallerMemory.require("ids", ids, 4L * maxK);
        this.scores = CallerMemory.require("scores", scores, 4L * maxK);
    }

    /**
     * Top {@code k} of the {@code n} rows of {@code rows} (row-major, {@code dim} floats each)
     * against {@code query} by the similarity of ordinal {@code similarity}
     * ({@link Similarity#values()}); returns the hits written.
     */
    public int scan(int similarity, MemorySegment query, MemorySegment rows, int n, int dim, int k) {
        if (ids == null) {
            throw new IllegalStateException("bind the tables before the first scan");
        }
        Similarity sim = SIMILARITIES[Checks.index("similarity", similarity, SIMILARITIES.length)];
        TopHits hits = scanner.scan(sim, query, 0, rows, 0, n, dim, k);
        int size = hits.size();
        for (int i = 0; i < size; i++) {
            ids.setAtIndex(ValueLayout.JAVA_INT, i, hits.id(i));
            scores.setAtIndex(ValueLayout.JAVA_FLOAT, i, hits.score(i));
        }
        return size;
    }
}
