package io.keel.vector.select;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsistencySelectorTest {
    @Test
    void combinesSoftmaxedScoresAndBreaksTiesByLowerIndex() {
        ConsistencySelector s = new ConsistencySelector(4);
        boolean[] ok = {true, true, true, false};
        int[] classes = {0, 1, 1, 1};
        double[] sem = {0.9, 0.5, 0.5, 0.95};
        int pick = s.select(4, ok, classes, sem);
        // Class 1 has 3 members: symbolic favours 1, 2, 3; 3 fails syntax; 1 and 2 tie -> 1.
        assertEquals(1, pick);
        assertEquals(1, s.symbolicPick());
        assertEquals(3, s.semanticPick());
        double z = Math.exp(0.25) + 3 * Math.exp(0.75);
        assertEquals(Math.exp(0.75) / z, s.symbolicScore(1), 1e-15);
        int[] ranked = new int[4];
        assertEquals(2, s.rank(4, ranked));
        assertArrayEquals(new int[] {1, 0}, java.util.Arrays.copyOf(ranked, 2));
        // Semantic-only weight: candidate 0 wins among syntax-valid ones.
        assertEquals(0, s.alpha(0).select(4, ok, classes, sem));
        assertEquals(0, s.combine(ConsistencySelector.Combine.LOG).select(4, ok, classes, sem));
        assertEquals(0, s.combine(ConsistencySelector.Combine.POWER).select(4, ok, classes, sem));
    }

    @Test
    void classesComeFromPairwiseVerdicts() {
        ConsistencySelector s = new ConsistencySelector(5);
        boolean[] eq = new boolean[25];
        eq[0 * 5 + 3] = true;
        eq[3 * 5 + 4] = true;
        int[] ids = new int[5];
        assertEquals(3, s.classesFromVerdicts(5, eq, ids));
        assertArrayEquals(new int[] {0, 1, 2, 0, 0}, ids);
        double[] sem = new double[2];
        s.semanticScores(new float[] {1, 0}, 0, new float[] {1, 0, 0, 1}, 0, 2, 2, sem);
        assertArrayEquals(new double[] {1, 0}, sem, 1e-7);
    }

    @Test
    void aProblemAllocatesNothing() {
        ConsistencySelector s = new ConsistencySelector(10).combine(ConsistencySelector.Combine.LOG);
        boolean[] eq = new boolean[100];
        for (int i = 0; i < 10; i += 3) {
            eq[i * 10 + 9] = true;
        }
        int[] classes = new int[10];
        boolean[] ok = new boolean[10];
        java.util.Arrays.fill(ok, true);
        float[] original = new float[64];
        float[] candidates = new float[640];
        for (int i = 0; i < candidates.length; i++) {
            candidates[i] = (float) Math.sin(i);
            original[i % 64] = (float) Math.cos(i);
        }
        double[] sem = new double[10];
        int[] ranked = new int[3];
        io.keel.core.testing.AllocationProbe.assertZeroAllocation("verdicts + cosines + select + rank", () -> {
            s.classesFromVerdicts(10, eq, classes);
            s.semanticScores(original, 0, candidates, 0, 10, 64, sem);
            s.select(10, ok, classes, sem);
            s.rank(3, ranked);
        });
    }

    @Test
    void badInputIsRejectedKeepingThePreviousSelection() {
        ConsistencySelector s = new ConsistencySelector(3);
        s.select(3, new boolean[] {true, true, true}, new int[] {0, 0, 2}, new double[] {0.1, 0.2, 0.3});
        int before = s.pick();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.select(3, new boolean[3], new int[] {0, 3, 0}, new double[3]));
        assertTrue(e.getMessage().contains("classIds[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> s.select(3, new boolean[3], new int[3], new double[] {0, Double.NaN, 0}));
        assertTrue(e.getMessage().contains("semantic[1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.select(4, new boolean[4], new int[4], new double[4]));
        assertThrows(IllegalArgumentException.class, () -> s.alpha(1.5));
        assertThrows(IllegalArgumentException.class, () -> s.temperature(0));
        assertEquals(before, s.pick());
        assertEquals(-1, new ConsistencySelector(0).select(0, new boolean[0], new int[0], new double[0]));
    }

    @Test
    void aCandidateCountWhoseSquareOverflowsIsRefusedAsTooShort() {
        ConsistencySelector s = new ConsistencySelector(46341);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.classesFromVerdicts(46341, new boolean[0], new int[46341]));
        assertTrue(e.getMessage().contains("equivalent length"), e.getMessage());
    }

    @Test
    void aSubnormalTemperatureAndANonFiniteEmbeddingAreRefusedBeforeAnythingChanges() {
        ConsistencySelector s = new ConsistencySelector(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.temperature(Double.MIN_VALUE));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        double[] out = {9, 9, 9};
        e = assertThrows(IllegalArgumentException.class, () -> s.semanticScores(new float[] {1, 0}, 0,
                new float[] {1, 0, 0, 1, Float.NaN, 0}, 0, 3, 2, out));
        assertTrue(e.getMessage().startsWith("candidates[4]"), e.getMessage());
        assertArrayEquals(new double[] {9, 9, 9}, out, "nothing written");
        e = assertThrows(IllegalArgumentException.class, () -> s.semanticScores(new float[] {Float.NaN, 0}, 0,
                new float[] {1, 0}, 0, 1, 2, out));
        assertTrue(e.getMessage().startsWith("original[0]"), e.getMessage());
    }
}
