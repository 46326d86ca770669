package io.keel.planners.ep;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static io.keel.core.testing.NullArguments.assertNullNamed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlacementImbalanceTest {
    @Test
    void maxOverMeanWithLoadsSplitOverCopies() {
        PlacementImbalance m = new PlacementImbalance(4, 4, 2);
        assertEquals(1.0, m.imbalance(new int[] {0, 1, 2, 3}, new int[] {10, 10, 10, 10}, 0));
        assertEquals(40.0 / 30, m.imbalance(new int[] {0, 1, 2, 3}, new int[] {30, 10, 10, 10}, 0), 1e-12);
        assertEquals(1.0, m.imbalance(new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0}, 0), "no load");
        PlacementImbalance split = new PlacementImbalance(3, 4, 2);
        assertEquals(1.0, split.imbalance(new int[] {0, 1, 0, 2}, new int[] {20, 10, 10}, 0), "20 over two copies");
        // Second layer of a two-layer array.
        assertEquals(1.5, split.imbalance(new int[] {0, 1, 0, 2, 0, 1, 2, 2}, new int[] {9, 9, 9, 20, 10, 10}, 1), 1e-12);
    }

    @Test
    void lostExpertsAndFailedGpus() {
        PlacementImbalance m = new PlacementImbalance(3, 6, 3);
        int[] failedGpu1 = {0, 1, -1, -1, 2, 0};
        // Live GPUs 0 and 2: loads 10 + 10 and 10 + 10.
        assertEquals(1.0, m.imbalance(failedGpu1, new int[] {20, 10, 10}, 0));
        assertEquals(Double.POSITIVE_INFINITY, m.imbalance(new int[] {0, 0, -1, -1, 2, 2}, new int[] {20, 1, 10}, 0),
                "expert 1 has load and no copy");
        assertEquals(1.0, m.imbalance(new int[] {0, 0, -1, -1, 2, 2}, new int[] {20, 0, 20}, 0), "no load, no copy needed");
        assertFalse(m.balanced(new int[] {0, 0, -1, -1, 2, 2}, new int[] {20, 1, 10}, 1, 1e9));
    }

    @Test
    void balancedIsEveryLayerAtOrBelowTheThreshold() {
        PlacementImbalance m = new PlacementImbalance(4, 4, 2);
        int[] phy2log = {0, 1, 2, 3, 0, 1, 2, 3};
        int[] weight = {10, 10, 10, 10, 30, 10, 10, 10};
        assertTrue(m.balanced(phy2log, weight, 1, 1.0));
        assertFalse(m.balanced(phy2log, weight, 2, 1.3));
        assertTrue(m.balanced(phy2log, weight, 2, 40.0 / 30));
    }

    @Test
    void badInputIsRejected() {
        PlacementImbalance m = new PlacementImbalance(4, 4, 2);
        int[] ok = {0, 1, 2, 3};
        int[] w = {1, 1, 1, 1};
        assertEquals("phy2log[2] must be in [-1, 4), was 4",
                assertThrows(IllegalArgumentException.class, () -> m.imbalance(new int[] {0, 1, 4, 3}, w, 0)).getMessage());
        assertEquals("weight[1] must be >= 0, was -1",
                assertThrows(IllegalArgumentException.class, () -> m.imbalance(ok, new int[] {1, -1, 1, 1}, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.imbalance(ok, w, 1), "arrays too short for layer 1");
        assertThrows(IllegalArgumentException.class, () -> m.balanced(ok, w, 1, 0.99));
        assertThrows(IllegalArgumentException.class, () -> m.balanced(ok, w, 1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new PlacementImbalance(4, 5, 2));
        assertNullNamed("phy2log", () -> m.imbalance(null, w, 0));
        assertNullNamed("weight", () -> m.imbalance(ok, null, 0));
        assertEquals(1.0, m.imbalance(ok, w, 0), "usable after failures");
    }

    @Test
    void callsAllocateNothing() {
        PlacementImbalance m = new PlacementImbalance(64, 96, 16);
        int[] phy2log = new int[96];
        int[] w = new int[64];
        for (int p = 0; p < 96; p++) {
            phy2log[p] = p % 64;
        }
        for (int e = 0; e < 64; e++) {
            w[e] = 1 + e * 37 % 101;
        }
        AllocationProbe.assertZeroAllocation("balanced", () -> m.balanced(phy2log, w, 1, 1.5));
    }

    @Test
    void aLayerPastTheArraysAndANegativeWeightAfterALostExpertAreRefused() {
        PlacementImbalance pi = new PlacementImbalance(8, 12, 4);
        int[] phy = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3};
        int[] w = {100, 1, 1, 1, 1, 1, 1, 1};
        assertThrows(IllegalArgumentException.class, () -> pi.imbalance(phy, w, 1 << 30));
        assertThrows(IllegalArgumentException.class, () -> pi.imbalance(phy, w, Integer.MAX_VALUE));
        NodeFailureExposure x = new NodeFailureExposure(8, SlotLayout.uniform(4, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> x.worstNodeLoss(phy, 1 << 30));
        int[] lost = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}; // experts 0 and 2-7 have no copy
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pi.imbalance(lost, new int[] {5, 5, 0, 0, 0, 0, 0, -1}, 0));
        assertTrue(e.getMessage().contains("weight[7]"), e.getMessage());
    }
}
