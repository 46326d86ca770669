package io.keel.props.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import io.keel.core.ArgSort;
import io.keel.core.SortableBits;
import io.keel.core.TopK;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import static io.keel.props.Props.qt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/** ArgSort and TopK against a stable boxed sort. */
class SortAndSelectProperties {
    private static final int MAX_N = 300;
    private final ArgSort sort = new ArgSort(MAX_N);

    /** Many ties (narrow range) mixed with full-range values. */
    private static Gen<List<Integer>> intKeys() {
        return lists().of(integers().between(-20, 20).mix(integers().all())).ofSizeBetween(0, MAX_N);
    }

    static int[] stableOrder(long[] keys, boolean descending) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            idx.add(i);
        }
        Comparator<Integer> c = Comparator.comparingLong(i -> keys[i]);
        idx.sort(descending ? c.reversed() : c); // List.sort is stable
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void intArgSortIsTheStablePermutation() {
        qt().forAll(intKeys(), integers().between(0, 1)).checkAssert((list, dir) -> {
            int[] keys = list.stream().mapToInt(Integer::intValue).toArray();
            int[] index = new int[keys.length];
            sort.sort(keys, keys.length, index, dir == 1);
            assertArrayEquals(stableOrder(Arrays.stream(keys).asLongStream().toArray(), dir == 1), index);
        });
    }

    @Test
    void longArgSortIsTheStablePermutation() {
        qt().forAll(lists().of(longs().between(-3, 3).mix(longs().all())).ofSizeBetween(0, MAX_N),
                integers().between(0, 1)).checkAssert((list, dir) -> {
                    long[] keys = list.stream().mapToLong(Long::longValue).toArray();
                    int[] index = new int[keys.length];
                    sort.sort(keys, keys.length, index, dir == 1);
                    assertArrayEquals(stableOrder(keys, dir == 1), index);
                });
    }

    @Test
    void doubleArgSortOrdersNumerically() {
        qt().forAll(lists().of(doubles().between(-1e6, 1e6).mix(doubles().between(-2, 2))).ofSizeBetween(0, MAX_N))
                .checkAssert(list -> {
                    double[] keys = list.stream().mapToDouble(Double::doubleValue).toArray();
                    long[] images = Arrays.stream(keys).mapToLong(SortableBits::ofDouble).toArray();
                    int[] index = new int[keys.length];
                    sort.sort(keys, keys.length, index, false);
                    assertArrayEquals(stableOrder(images, false), index);
                    for (int i = 1; i < keys.length; i++) {
                        assertTrue(Double.compare(keys[index[i - 1]], keys[index[i]]) <= 0);
                    }
                });
    }

    @Test
    void topKIsThePrefixOfTheFullSort() {
        TopK largest = TopK.largest(MAX_N + 4);
        TopK smallest = TopK.smallest(MAX_N + 4);
        int[] out = new int[MAX_N + 4];
        qt().forAll(intKeys(), integers().between(0, MAX_N + 4)).checkAssert((list, k) -> {
            int[] keys = list.stream().mapToInt(Integer::intValue).toArray();
            long[] wide = Arrays.stream(keys).asLongStream().toArray();
            int expected = Math.min(k, keys.length);
            assertEquals(expected, largest.select(keys, keys.length, k, out));
            assertArrayEquals(Arrays.copyOf(stableOrder(wide, true), expected), Arrays.copyOf(out, expected));
            assertEquals(expected, smallest.select(keys, keys.length, k, out));
            assertArrayEquals(Arrays.copyOf(stableOrder(wide, false), expected), Arrays.copyOf(out, expected));
        });
    }

    @Test
    void sortableBitsPreserveOrderAndRoundTrip() {
        qt().forAll(doubles().any(), doubles().any()).checkAssert((a, b) -> {
            if (Double.isNaN(a) || Double.isNaN(b)) {
                return;
            }
            assertEquals(Integer.signum(Double.compare(a, b)),
                    Integer.signum(Long.compare(SortableBits.ofDouble(a), SortableBits.ofDouble(b))));
            assertEquals(Double.doubleToRawLongBits(a),
                    Double.doubleToRawLongBits(SortableBits.toDouble(SortableBits.ofDouble(a))));
        });
    }
}
