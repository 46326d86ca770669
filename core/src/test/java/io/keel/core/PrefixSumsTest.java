package io.keel.core;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefixSumsTest {
    @Test
    void exclusiveAndSegmentLookupSkipEmptySegments() {
        int[] prefix = new int[5];
        assertEquals(7, PrefixSums.exclusive(new int[] {3, 0, 4, 0}, 4, prefix));
        assertArrayEquals(new int[] {0, 3, 3, 7, 7}, prefix);
        assertEquals(0, PrefixSums.segmentOf(prefix, 4, 0));
        assertEquals(0, PrefixSums.segmentOf(prefix, 4, 2));
        assertEquals(2, PrefixSums.segmentOf(prefix, 4, 3));
        assertEquals(2, PrefixSums.segmentOf(prefix, 4, 6));
        assertThrows(IllegalArgumentException.class, () -> PrefixSums.segmentOf(prefix, 4, 7));
    }

    @Test
    void longPrefix() {
        long[] prefix = new long[3];
        assertEquals(5_000_000_001L, PrefixSums.exclusive(new long[] {5_000_000_000L, 1}, 2, prefix));
        assertEquals(1, PrefixSums.segmentOf(prefix, 2, 5_000_000_000L));
        assertThrows(IllegalArgumentException.class,
                () -> PrefixSums.exclusive(new long[] {Long.MAX_VALUE, 1}, 2, prefix));
    }

    @Test
    void overflowAndNegativesLeaveOutputUntouched() {
        int[] out = {9, 9, 9};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrefixSums.exclusive(new int[] {Integer.MAX_VALUE, 1}, 2, out));
        assertTrue(e.getMessage().contains("values[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PrefixSums.exclusive(new int[] {1, -2}, 2, out));
        assertTrue(e.getMessage().contains("values[1] must be >= 0, was -2"), e.getMessage());
        assertArrayEquals(new int[] {9, 9, 9}, out);
        assertThrows(IllegalArgumentException.class, () -> PrefixSums.exclusive(new int[2], 2, new int[2]));
    }

    @Test
    void noAllocation() {
        int[] values = new int[1000];
        java.util.Arrays.fill(values, 3);
        int[] prefix = new int[1001];
        AllocationProbe.assertZeroAllocation("PrefixSums", () -> {
            PrefixSums.exclusive(values, values.length, prefix);
            PrefixSums.segmentOf(prefix, values.length, 1234);
        });
    }

    @Test
    void aSegmentCountOrLengthOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PrefixSums.segmentOf(new int[] {0, 5}, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> PrefixSums.segmentOf(new int[] {0, 5}, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> PrefixSums.segmentOf(new long[] {0, 5}, 2, 0));
        int[] out = {7};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrefixSums.exclusive(new int[0], -1, out));
        assertTrue(e.getMessage().contains("n must be >= 0"), e.getMessage());
        assertEquals(7, out[0], "nothing written");
        assertThrows(IllegalArgumentException.class, () -> PrefixSums.exclusive(new long[0], -1, new long[1]));
    }
}
