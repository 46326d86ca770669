package io.keel.core;

/**
 * Prefix sums and the inverse lookup (which segment holds position p). Stateless, allocates
 * nothing. Sums are checked: an {@code int} prefix that would overflow fails with
 * {@link IllegalArgumentException} before anything is written past the last valid entry.
 */
public final class PrefixSums {
    private PrefixSums() {
    }

    /**
     * Exclusive prefix: {@code out[0] = 0}, {@code out[i + 1] = values[0] + ... + values[i]}, for
     * {@code n} values ({@code out} needs {@code n + 1} entries). Returns the total.
     *
     * @throws IllegalArgumentException on a negative value or an overflowing total
     */
    public static int exclusive(int[] values, int n, int[] out) {
        Checks.nonNegative("n", n);
        Checks.length("values", Checks.notNull("values", values).length, n);
        Checks.length("out", Checks.notNull("out", out).length, n + 1);
        long sum = 0;
        for (int i = 0; i < n; i++) {
            long v = values[i];
            if (v < 0) {
                throw Checks.element("values", i, "must be >= 0", v);
            }
            sum += v;
            if (sum > Integer.MAX_VALUE) {
                throw Checks.element("values", i, "overflows the int prefix sum at total", sum);
            }
        }
        int acc = 0;
        out[0] = 0;
        for (int i = 0; i < n; i++) {
            acc += values[i];
            out[i + 1] = acc;
        }
        return acc;
    }

    /** As {@link #exclusive(int[], int, int[])} into a {@code long} prefix; returns the total. */
    public static long exclusive(long[] values, int n, long[] out) {
        Checks.nonNegative("n", n);
        Checks.length("values", Checks.notNull("values", values).length, n);
        Checks.length("out", Checks.notNull("out", out).length, n + 1);
        long acc = 0;
        for (int i = 0; i < n; i++) {
            long v = values[i];
            if (v < 0) {
                throw Checks.element("values", i, "must be >= 0", v);
            }
            if (acc > Long.MAX_VALUE - v) {
                throw Checks.element("values", i, "overflows the long prefix sum; value", v);
            }
            acc += v;
        }
        acc = 0;
        out[0] = 0;
        for (int i = 0; i < n; i++) {
            acc += values[i];
            out[i + 1] = acc;
        }
        return acc;
    }

    /**
     * Given an exclusive prefix {@code prefix[0, segments]} (non-decreasing) and a position in
     * {@code [0, prefix[segments])}, returns the segment {@code s} with
     * {@code prefix[s] <= position < prefix[s + 1]}; empty segments are never returned. O(log n).
     */
    public static int segmentOf(int[] prefix, int segments, int position) {
        Checks.inRange("segments", segments, 1, Checks.notNull("prefix", prefix).length - 1);
        Checks.index("position", position, prefix[segments]);
        int lo = 0;
        int hi = segments - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (prefix[mid] <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** As {@link #segmentOf(int[], int, int)} over a {@code long} prefix. */
    public static int segmentOf(long[] prefix, int segments, long position) {
        Checks.inRange("segments", segments, 1, Checks.notNull("prefix", prefix).length - 1);
        if (position < 0 || position >= prefix[segments]) {
            throw new IllegalArgumentException(
                    "position must be in [0, " + prefix[segments] + "), was " + position);
        }
        int lo = 0;
        int hi = segments - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (prefix[mid] <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
