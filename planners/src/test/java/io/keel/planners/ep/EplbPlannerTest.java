package io.keel.planners.ep;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

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
        int[] bad = README_WEIGHTS.clone();
        bad[3] = -5;
        assertThrows(IllegalArgumentException.class, () -> planner.rebalance(bad, 2));
        assertThrows(IllegalArgumentException.class, () -> planner.rebalance(new int[5], 2));
        assertThrows(IllegalArgumentException.class, () -> planner.rebalance(README_WEIGHTS, 3));
        assertThrows(IllegalArgumentException.class, () -> planner.rebalance(new float[] {Float.NaN}, 1));
        assertEquals(README_PHY2LOG[1][0], planner.lastPlan().phy2log(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new EplbPlanner(1, 12, 10, 4, 2, 8));
        assertThrows(IllegalArgumentException.class, () -> new EplbPlanner(1, 12, 18, 4, 2, 8));
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
