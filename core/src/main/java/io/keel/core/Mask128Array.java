package io.keel.core;

/**
 * One 128-bit mask per item, packed as two {@code long} words: for example "rank r holds
 * expert e" over up to 128 ranks, one mask per expert. Bits are {@code [0, 128)}.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates
 * {@code 2 * items} words; every other call allocates nothing.
 */
public final class Mask128Array {
    /** Bits per mask. */
    public static final int BITS = 128;

    private final int items;
    private final long[] words;

    /** {@code items} empty masks. */
    public Mask128Array(int items) {
        this.items = Checks.inRange("items", items, 0, (Integer.MAX_VALUE - 8) / 2);
        words = new long[2 * items];
    }

    /** Number of masks. */
    public int items() {
        return items;
    }

    /** Whether {@code bit} is set in mask {@code item}. */
    public boolean get(int item, int bit) {
        return (words[word(item, bit)] & (1L << bit)) != 0;
    }

    /** Sets {@code bit} in mask {@code item}. */
    public void set(int item, int bit) {
        words[word(item, bit)] |= 1L << bit;
    }

    /** Clears {@code bit} in mask {@code item}. */
    public void clear(int item, int bit) {
        words[word(item, bit)] &= ~(1L << bit);
    }

    /** Number of set bits in mask {@code item}. */
    public int cardinality(int item) {
        Checks.index("item", item, items);
        return Long.bitCount(words[2 * item]) + Long.bitCount(words[2 * item + 1]);
    }

    /** The first set bit of mask {@code item} at or after {@code from} ({@code >= 0}), or -1 (always from 128 on). */
    public int nextSetBit(int item, int from) {
        Checks.index("item", item, items);
        Checks.nonNegative("from", from);
        if (from >= BITS) {
            return -1;
        }
        if (from < 64) {
            long lo = words[2 * item] & (-1L << from);
            if (lo != 0) {
                return Long.numberOfTrailingZeros(lo);
            }
            from = 64;
        }
        long hi = words[2 * item + 1] & (-1L << from);
        return hi != 0 ? 64 + Long.numberOfTrailingZeros(hi) : -1;
    }

    /** Low 64 bits of mask {@code item}. */
    public long low(int item) {
        return words[2 * Checks.index("item", item, items)];
    }

    /** High 64 bits of mask {@code item}. */
    public long high(int item) {
        return words[2 * Checks.index("item", item, items) + 1];
    }

    /** Clears mask {@code item}. */
    public void clearItem(int item) {
        Checks.index("item", item, items);
        words[2 * item] = 0;
        words[2 * item + 1] = 0;
    }

    /** Clears every mask. */
    public void clearAll() {
        java.util.Arrays.fill(words, 0L);
    }

    private int word(int item, int bit) {
        Checks.index("item", item, items);
        Checks.index("bit", bit, BITS);
        return 2 * item + (bit >>> 6);
    }
}
