package io.keel.core;

/**
 * Partial selection: the {@code k} best of a stream of (id, score) offers, best first. "Best" is
 * the largest score ({@link #largest}) or the smallest ({@link #smallest}); equal scores rank
 * the lower id first, so selections are deterministic.
 *
 * <p>A bounded heap with the worst kept entry at its root: O(n log k) for n offers, and an
 * offer that cannot enter costs one comparison. Use {@link #reset(int)} + {@link #offer} +
 * {@link #drain} for fused loops (score and select in one pass), or the {@code select} helpers
 * over whole arrays. Scores are compared as order-preserving {@code long} images
 * ({@link SortableBits}), so int, long, float and double scores share one code path.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates for
 * {@code maxK}; every other call allocates nothing.
 */
public final class TopK {
    private final int maxK;
    private final long[] keys;
    private final int[] ids;
    private final boolean largest;
    private int k;
    private int size;

    private TopK(int maxK, boolean largest) {
        this.maxK = Checks.nonNegative("maxK", maxK);
        this.largest = largest;
        keys = new long[maxK];
        ids = new int[maxK];
    }

    /** A selector of the {@code k <= maxK} largest scores. */
    public static TopK largest(int maxK) {
        return new TopK(maxK, true);
    }

    /** A selector of the {@code k <= maxK} smallest scores (distances). */
    public static TopK smallest(int maxK) {
        return new TopK(maxK, false);
    }

    /** The largest {@code k} accepted. */
    public int maxK() {
        return maxK;
    }

    /** Starts a new selection of {@code k} entries, dropping what was offered before. */
    public void reset(int k) {
        this.k = Checks.inRange("k", k, 0, maxK);
        size = 0;
    }

    /** Entries currently held: {@code min(k, offers since reset)}. */
    public int size() {
        return size;
    }

    /** True once {@code k} entries are held; {@link #worstScore()} is then the bar to beat. */
    public boolean isFull() {
        return size == k;
    }

    /** The worst held score (the root), for early pruning; undefined when empty. */
    public double worstScore() {
        return SortableBits.toDouble(largest ? keys[0] : ~keys[0]);
    }

    /** Offers a double score; returns whether it entered the selection. NaN never enters. */
    public boolean offer(int id, double score) {
        if (score != score) {
            return false;
        }
        return offerKey(id, largest ? SortableBits.ofDouble(score) : ~SortableBits.ofDouble(score));
    }

    /** Offers a long score exactly (no rounding through double); returns whether it entered. */
    public boolean offerLong(int id, long score) {
        return offerKey(id, largest ? score : ~score);
    }

    private boolean offerKey(int id, long key) {
        if (size < k) {
            int i = size++;
            keys[i] = key;
            ids[i] = id;
            siftUp(i);
            return true;
        }
        if (k == 0 || !better(key, id, keys[0], ids[0])) {
            return false;
        }
        keys[0] = key;
        ids[0] = id;
        siftDown(0);
        return true;
    }

    /**
     * Moves the selection into {@code outIds[0, size)}, best first, and empties the selector.
     * When {@code outScores} is not null it receives the matching scores as doubles
     * (exact for float, int and double offers). Returns the number written.
     */
    public int drain(int[] outIds, double[] outScores) {
        final int n = size;
        Checks.length("outIds", Checks.notNull("outIds", outIds).length, n);
        if (outScores != null) {
            Checks.length("outScores", outScores.length, n);
        }
        for (int at = n - 1; at >= 0; at--) {
            outIds[at] = ids[0];
            long score = popRootScore();
            if (outScores != null) {
                outScores[at] = SortableBits.toDouble(score);
            }
        }
        return n;
    }

    /** As {@link #drain(int[], double[])}, the scores given as the longs that were offered. */
    public int drainLong(int[] outIds, long[] outScores) {
        final int n = size;
        Checks.length("outIds", Checks.notNull("outIds", outIds).length, n);
        Checks.length("outScores", Checks.notNull("outScores", outScores).length, n);
        for (int at = n - 1; at >= 0; at--) {
            outIds[at] = ids[0];
            outScores[at] = popRootScore();
        }
        return n;
    }

    /** Removes the worst held entry; returns its score image (undoing the smallest-mode flip). */
    private long popRootScore() {
        long key = keys[0];
        size--;
        keys[0] = keys[size];
        ids[0] = ids[size];
        siftDown(0);
        return largest ? key : ~key;
    }

    /** Selects over {@code scores[0, n)} into {@code out}, best first; returns {@code min(k, n)}. */
    public int select(double[] scores, int n, int k, int[] out) {
        Checks.nonNegative("n", n);
        Checks.length("scores", Checks.notNull("scores", scores).length, n);
        Checks.inRange("k", k, 0, maxK);
        Checks.length("out", Checks.notNull("out", out).length, Math.min(k, n));
        Checks.finite("scores", scores, 0, n);
        reset(k);
        for (int i = 0; i < n; i++) {
            offer(i, scores[i]);
        }
        return drain(out, null);
    }

    /** Selects over {@code scores[0, n)} into {@code out}, best first; returns {@code min(k, n)}. */
    public int select(float[] scores, int n, int k, int[] out) {
        Checks.nonNegative("n", n);
        Checks.length("scores", Checks.notNull("scores", scores).length, n);
        Checks.inRange("k", k, 0, maxK);
        Checks.length("out", Checks.notNull("out", out).length, Math.min(k, n));
        Checks.finite("scores", scores, 0, n);
        reset(k);
        for (int i = 0; i < n; i++) {
            offer(i, scores[i]);
        }
        return drain(out, null);
    }

    /** Selects over {@code scores[0, n)} into {@code out}, best first; returns {@code min(k, n)}. */
    public int select(long[] scores, int n, int k, int[] out) {
        Checks.length("scores", Checks.notNull("scores", scores).length, n);
        Checks.notNull("out", out);
        reset(k);
        for (int i = 0; i < n; i++) {
            offerLong(i, scores[i]);
        }
        return drain(out, null);
    }

    /** Selects over {@code scores[0, n)} into {@code out}, best first; returns {@code min(k, n)}. */
    public int select(int[] scores, int n, int k, int[] out) {
        Checks.length("scores", Checks.notNull("scores", scores).length, n);
        Checks.notNull("out", out);
        reset(k);
        for (int i = 0; i < n; i++) {
            offerLong(i, scores[i]);
        }
        return drain(out, null);
    }

    /** a ranks before b: larger key, then lower id. */
    private static boolean better(long keyA, int idA, long keyB, int idB) {
        return keyA > keyB || (keyA == keyB && idA < idB);
    }

    private void siftUp(int i) {
        final long key = keys[i];
        final int id = ids[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!better(keys[parent], ids[parent], key, id)) {
                break;
            }
            keys[i] = keys[parent];
            ids[i] = ids[parent];
            i = parent;
        }
        keys[i] = key;
        ids[i] = id;
    }

    private void siftDown(int i) {
        final int n = size;
        if (n == 0) {
            return;
        }
        final long key = keys[i];
        final int id = ids[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            int right = child + 1;
            if (right < n && better(keys[child], ids[child], keys[right], ids[right])) {
                child = right;
            }
            if (!better(key, id, keys[child], ids[child])) {
                break;
            }
            keys[i] = keys[child];
            ids[i] = ids[child];
            i = child;
        }
        keys[i] = key;
        ids[i] = id;
    }
}
