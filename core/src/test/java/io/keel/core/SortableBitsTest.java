package io.keel.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SortableBitsTest {
    @Test
    void orderAndRoundTrip() {
        double[] ordered = {Double.NEGATIVE_INFINITY, -Double.MAX_VALUE, -1, -Double.MIN_VALUE, -0.0, 0.0,
            Double.MIN_VALUE, 1, Double.MAX_VALUE, Double.POSITIVE_INFINITY};
        for (int i = 0; i < ordered.length; i++) {
            assertEquals(Double.doubleToRawLongBits(ordered[i]),
                    Double.doubleToRawLongBits(SortableBits.toDouble(SortableBits.ofDouble(ordered[i]))));
            if (i > 0) {
                assertTrue(SortableBits.ofDouble(ordered[i - 1]) < SortableBits.ofDouble(ordered[i]), "at " + i);
            }
        }
    }
}
