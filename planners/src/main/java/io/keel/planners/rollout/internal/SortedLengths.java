package io.keel.planners.rollout.internal;

import io.keel.core.ArgSort;
import io.keel.core.Checks;

/**
 * Predicted lengths sorted longest first, with prefix sums of the lengths and of their squares,
 * so that any contiguous group's {@link SegmentCost} is O(1); and the exact threshold search the
 * presorted planners share.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates an {@link
 * ArgSort} and four arrays of the capacity; {@link #load} and {@link #minimize} allocate nothing.
 */
public final class SortedLengths {
    /** A feasibility probe at a threshold (see {@link #minimize}). */
    public interface Probe {
        /**
         * The largest group cost ({@code <= t}) when threshold {@code t} is feasible, otherwise
         * the smallest cost above {@code t} that blocked it.
         */
        double probe(double t);
    }

    private final ArgSort sort;
    /** Trajectory ids by rank (rank 0 = longest). */
    public final int[] order;
    /** Lengths by rank, non-increasing. */
    public final double[] sorted;
    /** {@code prefix[r]}: sum of the lengths of ranks {@code [0, r)}. */
    public final double[] prefix;
    /** {@code squares[r]}: sum of the squared lengths of ranks {@code [0, r)}. */
    public final double[] squares;

    /** Room for {@code capacity} lengths. */
    public SortedLengths(int capacity) {
        sort = new ArgSort(capacity);
        order = new int[capacity];
        sorted = new double[capacity];
        prefix = new double[capacity + 1];
        squares = new double[capacity + 1];
    }

    /** Requires {@code lengths[0, n)} finite and non-negative. */
    public static void check(double[] lengths, int n) {
        Checks.length("predictedTokens", Checks.notNull("predictedTokens", lengths).length, n);
        for (int i = 0; i < n; i++) {
            double v = lengths[i];
            Checks.nonNegativeFinite("predictedTokens", i, v);
            if (v > MAX_TOKENS) {
                throw Checks.element("predictedTokens", i, "must be at most 2^53", v);
            }
        }
    }

    /**
     * The largest length accepted: 2^53 tokens, where doubles stop counting every integer. Sums
     * and sums of squares of up to 2^31 such lengths stay far inside the double range, so the
     * planners' segment costs (and their exact minimum) stay exact in ordering.
     */
    public static final double MAX_TOKENS = 0x1p53;

    /** Sorts checked {@code lengths[0, n)} longest first (ties by index) and fills the prefix sums. */
    public void load(double[] lengths, int n) {
        sort.sort(lengths, n, order, true);
        prefix[0] = 0;
        squares[0] = 0;
        for (int r = 0; r < n; r++) {
            double v = lengths[order[r]];
            sorted[r] = v;
            prefix[r + 1] = prefix[r] + v;
            squares[r + 1] = squares[r] + v * v;
        }
    }

    /**
     * The smallest feasible threshold, given {@code lo <= optimum <= hi}: bisects the bit
     * patterns of the non-negative doubles between the bounds, a feasible probe lowering {@code
     * hi} to its largest group cost and an infeasible one raising {@code lo} to its blocking cost.
     * Ends, after at most 64 probes, with the bounds equal at a group cost: the exact optimum.
     */
    public static double minimize(double lo, double hi, Probe probe) {
        while (lo < hi) {
            double mid = Double.longBitsToDouble((Double.doubleToRawLongBits(lo) + Double.doubleToRawLongBits(hi)) >>> 1);
            double bound = probe.probe(mid);
            if (bound <= mid) {
                hi = bound;
            } else {
                lo = Math.max(lo, bound);
            }
        }
        return hi;
    }
}
