package io.keel.core;

/**
 * A bit set of fixed capacity over {@code long} words. Indices outside {@code [0, capacity)}
 * fail with {@link IllegalArgumentException}.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates
 * {@code ceil(capacity / 64)} words; every other call allocates nothing.
 */
public final class FixedBitSet {
    private final int capacity;
    private final long[] words;

    /** An empty set of {@code capacity} bits. */
    public FixedBitSet(int capacity) {
        this.capacity = Checks.nonNegative("capacity", capacity);
        words = new long[(capacity + 63) >>> 6];
    }

    /** Number of bits. */
    public int capacity() {
        return capacity;
    }

    /** Whether bit {@code i} is set. */
    public boolean get(int i) {
        Checks.index("bit", i, capacity);
        return (words[i >>> 6] & (1L << i)) != 0;
    }

    /** Sets bit {@code i}. */
    public void set(int i) {
        Checks.index("bit", i, capacity);
        words[i >>> 6] |= 1L << i;
    }

    /** Clears bit {@code i}. */
    public void clear(int i) {
        Checks.index("bit", i, capacity);
        words[i >>> 6] &= ~(1L << i);
    }

    /** Sets bit {@code i}; returns whether it was clear before. */
    public boolean getAndSet(int i) {
        Checks.index("bit", i, capacity);
        long mask = 1L << i;
        long w = words[i >>> 6];
        words[i >>> 6] = w | mask;
        return (w & mask) == 0;
    }

    /** Clears every bit. */
    public void clearAll() {
        java.util.Arrays.fill(words, 0L);
    }

    /** Number of set bits. */
    public int cardinality() {
        int c = 0;
        for (long w : words) {
            c += Long.bitCount(w);
        }
        return c;
    }

    /** The first set bit at or after {@code from} ({@code >= 0}), or -1 (always from {@code capacity} on). */
    public int nextSetBit(int from) {
        Checks.nonNegative("from", from);
        if (from >= capacity) {
            return -1;
        }
        int wi = from >>> 6;
        long w = words[wi] & (-1L << from);
        while (true) {
            if (w != 0) {
                int bit = (wi << 6) + Long.numberOfTrailingZeros(w);
                return bit < capacity ? bit : -1;
            }
            if (++wi == words.length) {
                return -1;
            }
            w = words[wi];
        }
    }

    /** This |= other (equal capacities). */
    public void or(FixedBitSet other) {
        sameCapacity(other);
        for (int i = 0; i < words.length; i++) {
            words[i] |= other.words[i];
        }
    }

    /** This &amp;= other (equal capacities). */
    public void and(FixedBitSet other) {
        sameCapacity(other);
        for (int i = 0; i < words.length; i++) {
            words[i] &= other.words[i];
        }
    }

    /** This &amp;= ~other (equal capacities). */
    public void andNot(FixedBitSet other) {
        sameCapacity(other);
        for (int i = 0; i < words.length; i++) {
            words[i] &= ~other.words[i];
        }
    }

    /** Whether the two sets share a bit (equal capacities). */
    public boolean intersects(FixedBitSet other) {
        sameCapacity(other);
        for (int i = 0; i < words.length; i++) {
            if ((words[i] & other.words[i]) != 0) {
                return true;
            }
        }
        return false;
    }

    private void sameCapacity(FixedBitSet other) {
        Checks.sameLength("other capacity", Checks.notNull("other", other).capacity, capacity);
    }
}
