package io.keel.planners.ep.internal;

/**
 * Shares one expert's tokens, per source rank, over its instances' needs by largest remainder:
 * instance by instance, each but the last gets {@code floor(left[s] * need / N)} from every source
 * ({@code N} = tokens still left), plus one more from each of the {@code k = need - sum of floors}
 * sources with the largest remainders {@code left[s] * need mod N}, ties to the lower source; the
 * last instance takes what is left. Exact integer results on both margins.
 *
 * <p>How, per instance (one column of the result), in a few passes over the sources that C2 can
 * vectorize (no branches, no cross-index stores):
 * <ol>
 *   <li>Floors and remainders from a fixed-point reciprocal of {@code N}, off by at most one and
 *       fixed with the exact remainder. While every {@code left[s] < 2^15} and
 *       {@code left[s] * need + N} fits in an int, all of it is int arithmetic; otherwise
 *       {@code long}.</li>
 *   <li>The cut: a remainder value {@code t} with exactly {@code k} remainders at or above it,
 *       found by counting passes at interpolated guesses (the first, at {@code N / 2}, rides on
 *       the floors pass). Once a guess is at most {@code PICK} remainders off (usually the
 *       first), or the remainders between the bracketing guesses are all equal, the missing
 *       winners (or the extra losers) are picked one per pass by the largest (smallest) key
 *       {@code (remainder, reversed source)} and moved across the cut.</li>
 *   <li>Each source's count is its floor plus one when its remainder is at or above the cut.</li>
 * </ol>
 *
 * <p>Internal; one thread per instance; allocation only in the constructor.
 */
public final class LargestRemainderSplit {
    /** Largest miss of a guess settled by picking sources one per pass instead of guessing on. */
    private static final int PICK = 3;
    /** Interpolated guesses before the search falls back to bisection. */
    private static final int INTERPOLATED = 4;

    private final int sources;
    private final int indexBits;
    private final int[] reversedIndex;
    private final int[] floor;
    private final int[] remainder;

    /** A splitter for {@code sources} source ranks. */
    public LargestRemainderSplit(int sources) {
        this.sources = sources;
        indexBits = 32 - Integer.numberOfLeadingZeros(Math.max(1, sources - 1));
        reversedIndex = new int[sources];
        for (int s = 0; s < sources; s++) {
            reversedIndex[s] = sources - 1 - s;
        }
        floor = new int[sources];
        remainder = new int[sources];
    }

    /**
     * Splits {@code left[0, sources)} over {@code count >= 1} instances with needs
     * {@code need[0, count)}, which must sum to {@code total}, the sum of {@code left}. Writes
     * {@code out[base + j * sources + s]}, the tokens of source {@code s} for instance {@code j};
     * {@code left} is used up (its contents afterwards are unspecified).
     */
    public void split(int[] left, int total, int[] need, int count, int[] out, int base) {
        final int n = sources;
        final int last = count - 1;
        int maxLeft = 0;
        for (int s = 0; s < n; s++) {
            maxLeft = Math.max(maxLeft, left[s]);
        }
        int maxNeed = 0;
        for (int j = 0; j < last; j++) {
            maxNeed = Math.max(maxNeed, need[j]);
        }
        final boolean small = maxLeft < 1 << 15 && (long) maxLeft * maxNeed + total <= Integer.MAX_VALUE;
        int remaining = total;
        for (int j = 0, o = base; j < last; j++, o += n) {
            int take = need[j];
            if (take == 0) {
                java.util.Arrays.fill(out, o, o + n, 0);
                continue;
            }
            int mid = remaining >>> 1;
            long floors = floors(left, take, remaining, mid, small);
            int k = (int) (floors >>> 32);
            int cut = k == 0 ? remaining : cut(k, remaining, mid, (int) floors);
            final int[] fl = floor;
            final int[] rem = remainder;
            for (int s = 0; s < n; s++) {
                int x = fl[s] + ((cut - 1 - rem[s]) >>> 31);
                fl[s] = x;
                left[s] -= x;
            }
            System.arraycopy(fl, 0, out, o, n);
            remaining -= take;
        }
        System.arraycopy(left, 0, out, base + last * n, n);
    }

    /**
     * Floors and remainders of {@code left[s] * take / remaining}. With {@code small}, in int
     * arithmetic: {@code m = floor(2^16 take / remaining)} and {@code (v * m) >>> 16} is the floor
     * or one less (the error is below {@code v / 2^16 < 1/2}); otherwise the same in long with
     * {@code 2^32}. Returns the deficit {@code k} in the high half and the count of remainders at
     * or above {@code mid} in the low half. (C2 unswitches the loop on {@code small}, and
     * vectorizes the int copy.)
     */
    private long floors(int[] left, int take, int remaining, int mid, boolean small) {
        final int n = sources;
        final int[] fl = floor;
        final int[] rem = remainder;
        final int m16 = small ? (int) (((long) take << 16) / remaining) : 0;
        final long m32 = small ? 0 : ((long) take << 32) / remaining;
        int floors = 0;
        int atMid = 0;
        for (int s = 0; s < n; s++) {
            int v = left[s];
            int x;
            int r;
            if (small) {
                x = (v * m16) >>> 16;
                r = v * take - x * remaining;
            } else {
                long q = (v * m32) >>> 32;
                long wide = (long) v * take - q * remaining;
                // Settle here: one less than the floor leaves a remainder that may not fit an int.
                long over = (remaining - 1 - wide) >> 63;
                x = (int) (q - over);
                r = (int) (wide - (remaining & over));
            }
            int over = (remaining - 1 - r) >> 31;
            x -= over;
            r -= remaining & over;
            fl[s] = x;
            rem[s] = r;
            floors += x;
            atMid += (mid - 1 - r) >>> 31;
        }
        return (long) (take - floors) << 32 | atMid;
    }

    /**
     * Returns a cut {@code t} such that exactly {@code k} remainders are at or above it, those of
     * the best {@code k} sources: remainders of winners or losers picked among equal or close ones
     * are moved across {@code t}. Starts from {@code c} remainders at or above {@code t}.
     */
    private int cut(int k, int remaining, int t, int c) {
        // Invariant: cl remainders >= lo (cl > k), ch remainders >= hi (ch < k).
        int lo = 0;
        int cl = sources;
        int hi = remaining;
        int ch = 0;
        for (int guess = 0; c != k; guess++) {
            if (c > k) {
                lo = t;
                cl = c;
            } else {
                hi = t;
                ch = c;
            }
            if (Math.min(k - ch, cl - k) <= PICK || hi - lo <= 1) {
                return pick(k, lo, cl, hi, ch);
            }
            if (guess < INTERPOLATED) {
                // Spread the cl - ch remainders evenly over [lo, hi); aim between the k-th and the next.
                t = hi - (int) ((2L * (k - ch) + 1) * (hi - lo) / (2L * (cl - ch)));
                t = Math.min(hi - 1, Math.max(lo + 1, t));
            } else {
                t = (lo + hi) >>> 1;
            }
            c = atLeast(t);
        }
        return t;
    }

    private int atLeast(int t) {
        final int n = sources;
        final int[] rem = remainder;
        int c = 0;
        for (int s = 0; s < n; s++) {
            c += (t - 1 - rem[s]) >>> 31;
        }
        return c;
    }

    /**
     * Settles the cut among the {@code cl - ch} remainders in {@code [lo, hi)}: either the best
     * {@code k - ch} of them are raised to {@code hi}, or the worst {@code cl - k} are dropped below
     * {@code lo}, whichever is fewer.
     */
    private int pick(int k, int lo, int cl, int hi, int ch) {
        final int[] rem = remainder;
        final boolean promote = k - ch <= cl - k;
        for (int d = promote ? k - ch : cl - k; d > 0; d--) {
            int s = ((long) hi << indexBits) <= Integer.MAX_VALUE ? packedBest(lo, hi, promote) : best(lo, hi, promote);
            rem[s] = promote ? hi : lo - 1;
        }
        return promote ? hi : lo;
    }

    /**
     * The best (largest remainder, then lowest source) or worst source with a remainder in
     * {@code [lo, hi)}, keys packed in an int as {@code remainder << indexBits | reversed source}
     * (the caller checks that they fit); out-of-range keys are masked to -1 (or MAX).
     */
    private int packedBest(int lo, int hi, boolean largest) {
        final int n = sources;
        final int bits = indexBits;
        final int[] rem = remainder;
        final int[] rev = reversedIndex;
        int acc;
        if (largest) {
            acc = -1;
            for (int s = 0; s < n; s++) {
                int r = rem[s];
                int outside = ((r - lo) | (hi - 1 - r)) >> 31;
                acc = Math.max(acc, r << bits | rev[s] | outside);
            }
        } else {
            acc = Integer.MAX_VALUE;
            for (int s = 0; s < n; s++) {
                int r = rem[s];
                int outside = ((r - lo) | (hi - 1 - r)) >> 31;
                acc = Math.min(acc, (r << bits | rev[s] | outside >>> 1) & Integer.MAX_VALUE);
            }
        }
        return n - 1 - (acc & ((1 << bits) - 1));
    }

    /** As {@link #packedBest} with the key in a long, for remainders too large to pack in an int. */
    private int best(int lo, int hi, boolean largest) {
        final int n = sources;
        final int[] rem = remainder;
        int at = -1;
        long key = largest ? -1 : Long.MAX_VALUE;
        for (int s = 0; s < n; s++) {
            int r = rem[s];
            long k = (long) r << 32 | reversedIndex[s];
            if (r >= lo && r < hi && (largest ? k > key : k < key)) {
                at = s;
                key = k;
            }
        }
        return at;
    }
}
