package io.keel.core;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgSortTest {
    /** The stable reference: boxed indices sorted by key, ties by index. */
    static int[] reference(long[] keys, int n, boolean descending) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Comparator<Integer> byKey = Comparator.comparingLong(i -> keys[i]);
        Arrays.sort(idx, descending ? byKey.reversed() : byKey); // Arrays.sort on objects is stable
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 47, 48, 49, 100, 1000, 5000})
    void intKeysMatchStableReferenceBothDirections(int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        int[] keys = new int[n];
        long[] wide = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(-50, 50); // many ties, both signs
            wide[i] = keys[i];
        }
        ArgSort sort = new ArgSort(5000);
        int[] index = new int[n];
        for (boolean desc : new boolean[] {false, true}) {
            sort.sort(keys, n, index, desc);
            assertArrayEquals(reference(wide, n, desc), Arrays.copyOf(index, n));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 30, 300, 3000})
    void longKeysIncludingExtremes(int n) {
        SplittableRandom rnd = new SplittableRandom(7 + n);
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = switch (rnd.nextInt(4)) {
                case 0 -> Long.MIN_VALUE;
                case 1 -> Long.MAX_VALUE;
                default -> rnd.nextLong();
            };
        }
        ArgSort sort = new ArgSort(n);
        int[] index = new int[n];
        for (boolean desc : new boolean[] {false, true}) {
            sort.sort(keys, n, index, desc);
            assertArrayEquals(reference(keys, n, desc), index);
        }
    }

    @Test
    void doubleKeysOrderNegativesZerosAndInfinities() {
        double[] keys = {3.5, -0.0, 0.0, Double.NEGATIVE_INFINITY, -2.25, Double.POSITIVE_INFINITY, 3.5, -1e-300};
        ArgSort sort = new ArgSort(64);
        int[] index = new int[keys.length];
        sort.sort(keys, keys.length, index, false);
        assertArrayEquals(new int[] {3, 4, 7, 1, 2, 0, 6, 5}, index);
        sort.sort(keys, keys.length, index, true);
        assertArrayEquals(new int[] {5, 0, 6, 2, 1, 7, 4, 3}, index);
    }

    @Test
    void doubleKeysLargeInputMatchesReference() {
        int n = 2000;
        SplittableRandom rnd = new SplittableRandom(3);
        double[] keys = new double[n];
        long[] sortable = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextInt(10) == 0 ? 1.0 : rnd.nextGaussian() * 1e6;
            sortable[i] = SortableBits.ofDouble(keys[i]);
        }
        ArgSort sort = new ArgSort(n);
        int[] index = new int[n];
        sort.sort(keys, n, index, true);
        assertArrayEquals(reference(sortable, n, true), index);
    }

    @Test
    void badInputIsRejectedAndSorterStaysUsable() {
        ArgSort sort = new ArgSort(4);
        int[] index = new int[8];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sort.sort(new int[8], 5, index, false));
        assertTrue(e.getMessage().contains("n must be in [0, 4], was 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sort.sort(new int[2], 3, index, false));
        assertTrue(e.getMessage().contains("keys length must be >= 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sort.sort(new int[3], 3, new int[2], false));
        assertTrue(e.getMessage().contains("index length must be >= 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> sort.sort(new double[] {1, Double.NaN}, 2, index, false));
        assertTrue(e.getMessage().contains("keys[1] must not be NaN"), e.getMessage());
        sort.sort(new int[] {2, 1}, 2, index, false);
        assertEquals(1, index[0]);
        assertThrows(IllegalArgumentException.class, () -> new ArgSort(-1));
    }

    @Test
    void sortsWithoutAllocating() {
        int n = 4096;
        SplittableRandom rnd = new SplittableRandom(1);
        int[] keys = rnd.ints(n).toArray();
        long[] longs = rnd.longs(n).toArray();
        double[] doubles = rnd.doubles(n).toArray();
        int[] index = new int[n];
        ArgSort sort = new ArgSort(n);
        AllocationProbe.assertZeroAllocation("ArgSort int", () -> sort.sort(keys, n, index, false), 2000);
        AllocationProbe.assertZeroAllocation("ArgSort long", () -> sort.sort(longs, n, index, true), 2000);
        AllocationProbe.assertZeroAllocation("ArgSort double", () -> sort.sort(doubles, n, index, false), 2000);
        AllocationProbe.assertZeroAllocation("ArgSort small", () -> sort.sort(keys, 40, index, false));
    }
}
