package io.keel.planners.ep;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EplbPlannerTest {
    /** The example of deepseek-ai/EPLB's README. */
    static final int[] README_WEIGHTS = {
        90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86,
        20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27};
    static final int[][] README_PHY2LOG = {
        {5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1},
        {7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1}};

    @Test
    void reproducesTheEplbReadmeExample() {
        EplbPlanner planner = new EplbPlanner(2, 12, 16, 4, 2, 8);
        EplbPlan p = planner.rebalance(README_WEIGHTS, 2);
        assertTrue(p.hierarchical());
        for (int l = 0; l < 2; l++) {
            int[] row = new int[16];
            for (int i = 0; i < 16; i++) {
                row[i] = p.phy2log(l, i);
            }
            assertArrayEquals(README_PHY2LOG[l], row, "layer " + l);
        }
        checkConsistent(p);
    }

    @Test
    void globalPolicyWhenGroupsDoNotDivideByNodes() {
        EplbPlanner planner = new EplbPlanner(2, 12, 16, 3, 2, 8);
        EplbPlan p = planner.rebalance(README_WEIGHTS, 2);
        assertFalse(p.hierarchical());
        checkConsistent(p);
        // The global policy replicates the heaviest by load per copy: layer 0 copies 10, 5, 1, 4.
        assertEquals(2, p.logcnt(0, 10));
        assertEquals(2, p.logcnt(0, 5));
    }

    @Test
    void badInputIsRejectedAndPlanKept() {
        EplbPlanner planner = new EplbPlanner(2, 12, 16, 4, 2, 8);
        planner.rebalance(README_WEIGHTS, 2);
        int[] kept = snapshot(planner.lastPlan());
        // Each bad input differs from the planned one everywhere else, so a plan made (even in
        // part) from it before the check would show.
        int[] reversed = new int[README_WEIGHTS.length];
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = README_WEIGHTS[reversed.length - 1 - i];
        }
        int[] badFirst = reversed.clone();
        badFirst[3] = -5;
        int[] badLast = reversed.clone();
        badLast[23] = -1;
        float[] nan = new float[24];
        float[] infinite = new float[24];
        float[] negative = new float[24];
        for (int i = 0; i < 24; i++) {
            nan[i] = infinite[i] = negative[i] = reversed[i];
        }
        nan[5] = Float.NaN;
        infinite[17] = Float.POSITIVE_INFINITY;
        negative[20] = -0.5f;
        assertRejected(planner, kept, "weight[3]", () -> planner.rebalance(badFirst, 2));
        assertRejected(planner, kept, "weight[23]", () -> planner.rebalance(badLast, 2));
        assertRejected(planner, kept, "weight[5]", () -> planner.rebalance(nan, 2));
        assertRejected(planner, kept, "weight[17]", () -> planner.rebalance(infinite, 2));
        assertRejected(planner, kept, "weight[20]", () -> planner.rebalance(negative, 2));
        assertRejected(planner, kept, "weight length must be 24, was 5", () -> planner.rebalance(new int[5], 2));
        assertRejected(planner, kept, "weight length must be 12, was 1", () -> planner.rebalance(new float[] {1f}, 1));
        assertRejected(planner, kept, "layers must be in [1, 2], was 3", () -> planner.rebalance(README_WEIGHTS, 3));
        assertRejected(planner, kept, "layers must be in [1, 2], was 0", () -> planner.rebalance(new int[0], 0));
        NullPointerException none = assertThrows(NullPointerException.class, () -> planner.rebalance((int[]) null, 2));
        assertEquals("weight", none.getMessage());
        assertArrayEquals(kept, snapshot(planner.lastPlan()));
        // The kept plan is still the README's, and a good call after the bad ones plans afresh.
        for (int l = 0; l < 2; l++) {
            for (int i = 0; i < 16; i++) {
                assertEquals(README_PHY2LOG[l][i], planner.lastPlan().phy2log(l, i));
            }
        }
        assertArrayEquals(kept, snapshot(planner.rebalance(README_WEIGHTS, 2)));
        IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class,
                () -> new EplbPlanner(1, 12, 10, 4, 2, 8));
        assertTrue(tooFew.getMessage().contains("replicas must be >= experts (12), was 10"), tooFew.getMessage());
        IllegalArgumentException notPerGpu = assertThrows(IllegalArgumentException.class,
                () -> new EplbPlanner(1, 12, 18, 4, 2, 8));
        assertTrue(notPerGpu.getMessage().contains("replicas must be a multiple of gpus (8), was 18"), notPerGpu.getMessage());
    }

    /** {@code call} throws naming {@code message} and leaves the plan as {@code kept}. */
    private static void assertRejected(EplbPlanner planner, int[] kept, String message, Executable call) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
        assertTrue(ex.getMessage() != null && ex.getMessage().contains(message),
                "expected '" + message + "' in: " + ex.getMessage());
        assertArrayEquals(kept, snapshot(planner.lastPlan()), "the plan changed on: " + ex.getMessage());
    }

    /** Everything a plan exposes, flattened. */
    static int[] snapshot(EplbPlan p) {
        java.util.List<Integer> v = new java.util.ArrayList<>();
        v.add(p.layers());
        v.add(p.experts());
        v.add(p.replicas());
        v.add(p.hierarchical() ? 1 : 0);
        v.add(p.maxLogicalCount());
        for (int l = 0; l < p.layers(); l++) {
            for (int i = 0; i < p.replicas(); i++) {
                v.add(p.phy2log(l, i));
                v.add(p.phyRank(l, i));
            }
            for (int e = 0; e < p.experts(); e++) {
                v.add(p.logcnt(l, e));
                for (int k = 0; k < p.maxLogicalCount(); k++) {
                    v.add(p.log2phy(l, e, k));
                }
            }
        }
        return v.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void rebalanceAllocatesNothing() {
        EplbPlanner planner = new EplbPlanner(2, 12, 16, 4, 2, 8);
        AllocationProbe.assertZeroAllocation("EplbPlanner.rebalance", () -> planner.rebalance(README_WEIGHTS, 2));
    }

    static void checkConsistent(EplbPlan p) {
        for (int l = 0; l < p.layers(); l++) {
            int[] count = new int[p.experts()];
            for (int i = 0; i < p.replicas(); i++) {
                int e = p.phy2log(l, i);
                assertEquals(i, p.log2phy(l, e, p.phyRank(l, i)));
                count[e]++;
            }
            for (int e = 0; e < p.experts(); e++) {
                assertEquals(count[e], p.logcnt(l, e));
                assertTrue(count[e] >= 1);
            }
        }
    }
}
