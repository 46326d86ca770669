package io.keel.planners.rollout;

import io.keel.core.Checks;

/**
 * Log-bucketed histogram of non-negative values (lengths, durations) that answers the mean
 * residual life {@code E[V - x | V > x]}: "given it has lasted x, how much longer". Eight
 * buckets per octave (exact for integers below 16, about 9% wide above), each keeping a count
 * and a sum so the answer uses the bucket means, not bucket edges.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates four arrays of
 * {@value #BUCKETS}; {@link #record}, {@link #meanResidual} and the rest allocate nothing.
 * Suffix sums are rebuilt lazily on the first query after a change (O(buckets)).
 */
public final class LogHistogram {
    private static final int SUB_BITS = 3;
    /** Buckets: one below 1, then eight per octave up to 2^63. */
    public static final int BUCKETS = 1 + (63 << SUB_BITS);

    private final long[] counts = new long[BUCKETS];
    private final double[] sums = new double[BUCKETS];
    private final long[] suffixCounts = new long[BUCKETS + 1];
    private final double[] suffixSums = new double[BUCKETS + 1];
    private long count;
    private double sum;
    private boolean dirty;

    /** An empty histogram. */
    public LogHistogram() {
    }

    /** Adds one value. @throws IllegalArgumentException if negative, NaN or infinite */
    public void record(double value) {
        Checks.nonNegativeFinite("value", value);
        int b = bucket(value);
        counts[b]++;
        sums[b] += value;
        count++;
        sum += value;
        dirty = true;
    }

    /** Values recorded. */
    public long count() {
        return count;
    }

    /** Mean of all values, NaN when empty. */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /** Values recorded that exceed {@code x} (bucket resolution). */
    public long survivors(double x) {
        checkX(x);
        rebuild();
        int b = bucket(x);
        long c = suffixCounts[b + 1];
        if (counts[b] > 0 && sums[b] / counts[b] > x) {
            c += counts[b];
        }
        return c;
    }

    /**
     * {@code E[V - x | V > x]} at bucket resolution: values in buckets above {@code x}'s, plus
     * {@code x}'s own bucket when its mean exceeds {@code x}; NaN when nothing survives.
     */
    public double meanResidual(double x) {
        checkX(x);
        rebuild();
        int b = bucket(x);
        long c = suffixCounts[b + 1];
        double s = suffixSums[b + 1];
        if (counts[b] > 0 && sums[b] / counts[b] > x) {
            c += counts[b];
            s += sums[b];
        }
        return c == 0 ? Double.NaN : Math.max(0.0, s / c - x);
    }

    /** Forgets everything. */
    public void clear() {
        java.util.Arrays.fill(counts, 0);
        java.util.Arrays.fill(sums, 0);
        count = 0;
        sum = 0;
        dirty = true;
    }

    /** The bucket of a value: 0 below 1, then {@code 1 + 8 * exponent + top three mantissa bits}. */
    static int bucket(double v) {
        if (v < 1.0) {
            return 0;
        }
        long bits = Double.doubleToRawLongBits(v);
        int exp = (int) ((bits >>> 52) & 0x7ff) - 1023;
        if (exp >= 63) {
            return BUCKETS - 1;
        }
        int sub = (int) ((bits >>> (52 - SUB_BITS)) & ((1 << SUB_BITS) - 1));
        return 1 + (exp << SUB_BITS) + sub;
    }

    private static void checkX(double x) {
        Checks.nonNegativeFinite("x", x);
    }

    private void rebuild() {
        if (!dirty) {
            return;
        }
        long c = 0;
        double s = 0;
        suffixCounts[BUCKETS] = 0;
        suffixSums[BUCKETS] = 0;
        for (int b = BUCKETS - 1; b >= 0; b--) {
            c += counts[b];
            s += sums[b];
            suffixCounts[b] = c;
            suffixSums[b] = s;
        }
        dirty = false;
    }
}
