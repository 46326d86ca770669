package io.keel.core;

/**
 * Order-preserving maps from {@code int}, {@code long} and {@code double} keys to {@code long}
 * keys whose signed order equals the original numeric order. Lets one sorter or heap serve every
 * key type, bit-exactly and reversibly. Stateless; allocates nothing.
 */
public final class SortableBits {
    private SortableBits() {
    }

    /**
     * Maps a double to a long with the same order: negative numbers below positive ones,
     * {@code -0.0} just below {@code 0.0}. NaN has no place in the order; callers reject it.
     */
    public static long ofDouble(double value) {
        long bits = Double.doubleToRawLongBits(value);
        return bits ^ ((bits >> 63) & 0x7fffffffffffffffL);
    }

    /** Inverse of {@link #ofDouble(double)}. */
    public static double toDouble(long sortable) {
        return Double.longBitsToDouble(sortable ^ ((sortable >> 63) & 0x7fffffffffffffffL));
    }
}
