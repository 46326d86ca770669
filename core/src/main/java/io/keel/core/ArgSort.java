package io.keel.core;

/**
 * Stable arg-sort of {@code int}, {@code long} and {@code double} keys: writes into a
 * caller-provided index array the permutation that orders the keys, equal keys keeping
 * ascending index order (in both directions), so results are identical on every JVM.
 *
 * <p>Least-significant-digit radix sort over bytes of an order-preserving {@code long} image of
 * the keys ({@link SortableBits}); byte positions where every key agrees are skipped, so small key
 * ranges cost one or two passes. Short inputs use insertion sort. O(n) per pass.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates scratch for
 * {@code capacity} keys; {@code sort} calls allocate nothing.
 */
public final class ArgSort {
    private static final int INSERTION_LIMIT = 48;

    private final int capacity;
    private final long[] keysA;
    private final long[] keysB;
    private final int[] idxA;
    private final int[] idxB;
    private final int[] counts = new int[8 * 256];

    /** Creates a sorter for up to {@code capacity} keys per call. */
    public ArgSort(int capacity) {
        this.capacity = Checks.nonNegative("capacity", capacity);
        keysA = new long[capacity];
        keysB = new long[capacity];
        idxA = new int[capacity];
        idxB = new int[capacity];
    }

    /** The largest {@code n} a call accepts. */
    public int capacity() {
        return capacity;
    }

    /**
     * Sorts {@code keys[0, n)}: afterwards {@code keys[index[0]], keys[index[1]], ...} is
     * non-decreasing ({@code descending == false}) or non-increasing, ties by ascending index.
     */
    public void sort(int[] keys, int n, int[] index, boolean descending) {
        check(Checks.notNull("keys", keys).length, n, index);
        // Unsigned 32-bit image: the upper four bytes are zero for every key, so they cost nothing.
        final long flip = descending ? 0xffffffffL : 0L;
        for (int i = 0; i < n; i++) {
            keysA[i] = ((keys[i] ^ Integer.MIN_VALUE) & 0xffffffffL) ^ flip;
            idxA[i] = i;
        }
        run(n, index);
    }

    /** As {@link #sort(int[], int, int[], boolean)} for {@code long} keys. */
    public void sort(long[] keys, int n, int[] index, boolean descending) {
        check(Checks.notNull("keys", keys).length, n, index);
        final long flip = descending ? -1L : 0L;
        for (int i = 0; i < n; i++) {
            keysA[i] = keys[i] ^ flip;
            idxA[i] = i;
        }
        run(n, index);
    }

    /**
     * As {@link #sort(int[], int, int[], boolean)} for {@code double} keys; {@code -0.0} orders
     * before {@code 0.0}.
     *
     * @throws IllegalArgumentException if a key is NaN
     */
    public void sort(double[] keys, int n, int[] index, boolean descending) {
        check(Checks.notNull("keys", keys).length, n, index);
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(keys[i])) {
                throw Checks.element("keys", i, "must not be NaN", keys[i]);
            }
        }
        final long flip = descending ? -1L : 0L;
        for (int i = 0; i < n; i++) {
            keysA[i] = SortableBits.ofDouble(keys[i]) ^ flip;
            idxA[i] = i;
        }
        run(n, index);
    }

    private void check(int keysLength, int n, int[] index) {
        Checks.inRange("n", n, 0, capacity);
        Checks.length("keys", keysLength, n);
        Checks.length("index", Checks.notNull("index", index).length, n);
    }

    private void run(int n, int[] index) {
        if (n <= INSERTION_LIMIT) {
            insertionSort(n);
            System.arraycopy(idxA, 0, index, 0, n);
            return;
        }
        long[] srcK = keysA;
        long[] dstK = keysB;
        int[] srcI = idxA;
        int[] dstI = idxB;
        final int[] count = counts;
        java.util.Arrays.fill(count, 0);
        // One read pass builds all eight byte histograms; the top byte is biased so signed
        // order equals unsigned digit order.
        for (int i = 0; i < n; i++) {
            long k = srcK[i] ^ Long.MIN_VALUE;
            for (int b = 0; b < 8; b++) {
                count[(b << 8) | (int) ((k >>> (b << 3)) & 0xff)]++;
            }
        }
        final long first = srcK[0] ^ Long.MIN_VALUE;
        for (int b = 0; b < 8; b++) {
            final int shift = b << 3;
            final int base = b << 8;
            if (count[base | (int) ((first >>> shift) & 0xff)] == n) {
                continue; // every key has the same byte here
            }
            int sum = 0;
            for (int d = base; d < base + 256; d++) {
                int c = count[d];
                count[d] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                long k = srcK[i];
                int at = count[base | (int) (((k ^ Long.MIN_VALUE) >>> shift) & 0xff)]++;
                dstK[at] = k;
                dstI[at] = srcI[i];
            }
            long[] tk = srcK;
            srcK = dstK;
            dstK = tk;
            int[] ti = srcI;
            srcI = dstI;
            dstI = ti;
        }
        System.arraycopy(srcI, 0, index, 0, n);
    }

    private void insertionSort(int n) {
        final long[] k = keysA;
        final int[] ix = idxA;
        for (int i = 1; i < n; i++) {
            long key = k[i];
            int id = ix[i];
            int j = i - 1;
            while (j >= 0 && k[j] > key) {
                k[j + 1] = k[j];
                ix[j + 1] = ix[j];
                j--;
            }
            k[j + 1] = key;
            ix[j + 1] = id;
        }
    }
}
