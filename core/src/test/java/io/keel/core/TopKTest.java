package io.keel.core;

import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopKTest {
    @Test
    void largestBreaksTiesByLowerIndex() {
        TopK top = TopK.largest(4);
        int[] out = new int[4];
        int n = top.select(new int[] {5, 9, 5, 9, 1, 5}, 6, 4, out);
        assertEquals(4, n);
        assertArrayEquals(new int[] {1, 3, 0, 2}, out);
    }

    @Test
    void smallestSelectsDistancesWithScores() {
        TopK top = TopK.smallest(3);
        top.reset(3);
        double[] d = {0.5, 0.25, 3.0, 0.25, -1.0};
        for (int i = 0; i < d.length; i++) {
            top.offer(i, d[i]);
        }
        int[] ids = new int[3];
        double[] scores = new double[3];
        assertEquals(3, top.drain(ids, scores));
        assertArrayEquals(new int[] {4, 1, 3}, ids);
        assertArrayEquals(new double[] {-1.0, 0.25, 0.25}, scores);
        assertEquals(0, top.size());
    }

    @Test
    void fewerOffersThanKAndZeroK() {
        TopK top = TopK.largest(8);
        int[] out = new int[8];
        assertEquals(2, top.select(new float[] {1f, 2f}, 2, 8, out));
        assertArrayEquals(new int[] {1, 0}, java.util.Arrays.copyOf(out, 2));
        assertEquals(0, top.select(new long[] {1, 2, 3}, 3, 0, out));
        top.reset(0);
        assertFalse(top.offer(1, 1.0));
    }

    @Test
    void longScoresKeepFullPrecision() {
        TopK top = TopK.largest(1);
        int[] out = new int[1];
        long big = (1L << 60) + 1;
        top.select(new long[] {big - 1, big, big - 2}, 3, 1, out);
        assertEquals(1, out[0]);
        long[] scores = new long[1];
        top.reset(1);
        top.offerLong(7, big);
        top.drainLong(out, scores);
        assertEquals(big, scores[0]);
    }

    @Test
    void worstScoreIsTheBarToBeat() {
        TopK top = TopK.largest(2);
        top.reset(2);
        top.offer(0, 1.0);
        assertFalse(top.isFull());
        top.offer(1, 5.0);
        assertTrue(top.isFull());
        assertEquals(1.0, top.worstScore());
        assertTrue(top.offer(2, 2.0));
        assertEquals(2.0, top.worstScore());
        assertFalse(top.offer(3, 2.0)); // equal score, higher id: does not enter
        assertFalse(top.offer(4, Double.NaN));
    }

    @Test
    void badInput() {
        TopK top = TopK.largest(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> top.reset(3));
        assertTrue(e.getMessage().contains("k must be in [0, 2], was 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> top.select(new double[] {1, Double.POSITIVE_INFINITY}, 2, 1, new int[1]));
        assertTrue(e.getMessage().contains("scores[1] must be finite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> top.select(new int[1], 2, 1, new int[1]));
        top.reset(2);
        top.offer(0, 1);
        top.offer(1, 2);
        assertThrows(IllegalArgumentException.class, () -> top.drain(new int[1], null));
        assertEquals(2, top.size(), "a failed drain leaves the selection intact");
        // A select refused for its output, k or n leaves the selection in progress as it was.
        e = assertThrows(IllegalArgumentException.class, () -> top.select(new double[] {1, 2, 3}, 3, 2, new int[1]));
        assertTrue(e.getMessage().contains("out"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> top.select(new float[] {1, 2, 3}, 3, 2, new int[1]));
        assertThrows(IllegalArgumentException.class, () -> top.select(new double[] {1}, 1, 3, new int[3]));
        e = assertThrows(IllegalArgumentException.class, () -> top.select(new double[0], -1, 1, new int[1]));
        assertTrue(e.getMessage().contains("n must be >= 0"), e.getMessage());
        int[] ids = new int[2];
        assertEquals(2, top.drain(ids, null));
        assertArrayEquals(new int[] {1, 0}, ids);
    }

    @Test
    void selectsWithoutAllocating() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] scores = new float[2048];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) rnd.nextGaussian();
        }
        TopK top = TopK.largest(10);
        int[] out = new int[10];
        double[] outScores = new double[10];
        AllocationProbe.assertZeroAllocation("TopK select", () -> top.select(scores, scores.length, 10, out));
        AllocationProbe.assertZeroAllocation("TopK stream", () -> {
            top.reset(10);
            for (int i = 0; i < 256; i++) {
                top.offer(i, scores[i]);
            }
            top.drain(out, outScores);
        });
    }
}
