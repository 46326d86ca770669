package io.keel.core;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChecksTest {
    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void messagesNameArgumentAndValue() {
        assertEquals("loads must be >= 0, was -3", message(() -> Checks.nonNegative("loads", -3)));
        assertEquals("big must be >= 0, was -5000000000", message(() -> Checks.nonNegative("big", -5_000_000_000L)));
        assertEquals("ranks must be > 0, was 0", message(() -> Checks.positive("ranks", 0)));
        assertEquals("slots must be in [0, 8], was 9", message(() -> Checks.inRange("slots", 9, 0, 8)));
        assertEquals("alpha must be in [0, 1], was 1.5", message(() -> Checks.inRange("alpha", 1.5, 0, 1)));
        assertEquals("alpha must be in [0, 1], was NaN", message(() -> Checks.inRange("alpha", Double.NaN, 0, 1)));
        assertEquals("rank must be in [0, 4), was 4", message(() -> Checks.index("rank", 4, 4)));
        assertEquals("loads length must be >= 8, was 7", message(() -> Checks.length("loads", 7, 8)));
        assertEquals("b length must be 3, was 2", message(() -> Checks.sameLength("b", 2, 3)));
        assertEquals("t must be finite, was Infinity", message(() -> Checks.finite("t", Double.POSITIVE_INFINITY)));
        assertEquals("v[2] must be finite, was NaN",
                message(() -> Checks.finite("v", new float[] {1, 2, Float.NaN}, 0, 3)));
        assertEquals("v[1] must be finite, was -Infinity",
                message(() -> Checks.finite("v", new double[] {1, Double.NEGATIVE_INFINITY}, 0, 2)));
    }

    @Test
    void positiveFiniteAndNonNegativeFiniteRejectNaNInfinityAndTheWrongSign() {
        assertEquals("bw must be finite and > 0, was 0", message(() -> Checks.positiveFinite("bw", 0.0)));
        assertEquals("bw must be finite and > 0, was NaN", message(() -> Checks.positiveFinite("bw", Double.NaN)));
        assertEquals("bw must be finite and > 0, was Infinity",
                message(() -> Checks.positiveFinite("bw", Double.POSITIVE_INFINITY)));
        assertEquals("w must be finite and >= 0, was -0.5", message(() -> Checks.nonNegativeFinite("w", -0.5)));
        assertEquals("w must be finite and >= 0, was NaN", message(() -> Checks.nonNegativeFinite("w", Double.NaN)));
        assertEquals("m[2] must be finite and > 0, was -1", message(() -> Checks.positiveFinite("m", 2, -1)));
        assertEquals("m[1] must be finite and >= 0, was Infinity",
                message(() -> Checks.nonNegativeFinite("m", 1, Double.POSITIVE_INFINITY)));
        assertEquals(0.0, Checks.nonNegativeFinite("w", 0.0));
        assertEquals(2.5, Checks.positiveFinite("m", 0, 2.5));
    }

    @Test
    void successPathReturnsValueWithoutAllocating() {
        assertEquals(3, Checks.inRange("k", 3, 0, 5));
        float[] v = new float[64];
        AllocationProbe.assertZeroAllocation("Checks", () -> {
            Checks.nonNegative("a", 1);
            Checks.inRange("b", 2, 0, 3);
            Checks.index("c", 1, 2);
            Checks.length("d", 4, 3);
            Checks.finite("e", v, 0, v.length);
            Checks.finite("f", 0.5);
            Checks.positiveFinite("g", 0.5);
            Checks.nonNegativeFinite("h", 3, 0.0);
        });
    }
}
