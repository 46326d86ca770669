package io.keel.planners.ep;

import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static io.keel.core.testing.NullArguments.assertNullNamed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EplbRebalancerTest {
    private static final int[] README_WEIGHTS = {90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86,
        20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27};
    private static final int[] README_PHY2LOG = {5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1,
        7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1};

    private static EplbRebalancer readme(boolean spread) {
        return new EplbRebalancer(2, 12, 4, SlotLayout.uniform(8, 2, 4), 1000, spread);
    }

    private static int[] phy2log(RebalancePlan p) {
        int[] out = new int[p.layers() * p.slots()];
        p.copyPhy2log(out);
        return out;
    }

    @Test
    void fromScratchWithoutBudgetIsEplbsReadmeExample() {
        RebalancePlan p = readme(false).rebalance(README_WEIGHTS, 2);
        assertArrayEquals(README_PHY2LOG, phy2log(p));
        assertTrue(p.fromScratch());
        assertEquals(32, p.movedCopies(), "every slot filled from nothing");
        assertEquals(32_000, p.movedBytes());
        assertEquals(0, p.lostExpertCount());
        assertEquals(0, p.unplacedExpertCount());
    }

    @Test
    void thePlanOfTheSameLoadsMovesNothingAndAPermutedOneIsRelabelled() {
        EplbRebalancer r = readme(false);
        RebalancePlan p = r.rebalance(README_PHY2LOG.clone(), README_WEIGHTS, 2, 0);
        assertEquals(0, p.movedCopies());
        assertTrue(p.unchanged());
        // The same GPUs in another order, and slots swapped inside GPUs: still nothing to move.
        int[] permuted = new int[32];
        for (int l = 0; l < 2; l++) {
            for (int g = 0; g < 8; g++) {
                int from = (g * 3) % 8;
                permuted[l * 16 + 2 * g] = README_PHY2LOG[l * 16 + 2 * from + 1];
                permuted[l * 16 + 2 * g + 1] = README_PHY2LOG[l * 16 + 2 * from];
            }
        }
        p = r.rebalance(permuted.clone(), README_WEIGHTS, 2, Integer.MAX_VALUE);
        assertEquals(0, p.movedCopies());
        assertArrayEquals(permuted, phy2log(p));
    }

    @Test
    void unlimitedBudgetReachesEplbsBalanceAndMovesFewerCopiesThanEplb() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 50; round++) {
            int gpus = 2 + rnd.nextInt(7);
            int experts = gpus * (1 + rnd.nextInt(5));
            int slots = experts + gpus * rnd.nextInt(3);
            int[] before = weights(rnd, 2, experts);
            int[] after = weights(rnd, 2, experts);
            EplbRebalancer r = new EplbRebalancer(2, experts, 1, SlotLayout.uniform(gpus, slots / gpus, 1), 1, false);
            EplbPlan eplbBefore = new EplbPlanner(2, experts, slots, 1, 1, gpus).rebalance(before, 2);
            EplbPlan eplbAfter = new EplbPlanner(2, experts, slots, 1, 1, gpus).rebalance(after, 2);
            int[] current = new int[2 * slots];
            int eplbMoves = 0;
            for (int l = 0; l < 2; l++) {
                for (int p = 0; p < slots; p++) {
                    current[l * slots + p] = eplbBefore.phy2log(l, p);
                    eplbMoves += eplbBefore.phy2log(l, p) != eplbAfter.phy2log(l, p) ? 1 : 0;
                }
            }
            RebalancePlan p = r.rebalance(current, after, 2, Integer.MAX_VALUE);
            PlacementImbalance m = new PlacementImbalance(experts, slots, gpus);
            int[] eplbFlat = new int[2 * slots];
            for (int l = 0; l < 2; l++) {
                for (int q = 0; q < slots; q++) {
                    eplbFlat[l * slots + q] = eplbAfter.phy2log(l, q);
                }
                double eplbImbalance = m.imbalance(eplbFlat, after, l);
                if (p.imbalanceBefore(l) > eplbImbalance) {
                    assertEquals(eplbImbalance, p.imbalanceAfter(l), 1e-9, "layer " + l);
                    for (int e = 0; e < experts; e++) {
                        assertEquals(eplbAfter.logcnt(l, e), p.logcnt(l, e));
                    }
                } else {
                    assertTrue(p.imbalanceAfter(l) == p.imbalanceBefore(l), "kept: it was at least as good");
                }
            }
            assertTrue(p.movedCopies() <= eplbMoves, p.movedCopies() + " > " + eplbMoves);
        }
    }

    @Test
    void aBudgetIsNeverExceededAndNeverMakesThingsWorse() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int round = 0; round < 50; round++) {
            int gpus = 2 + rnd.nextInt(7);
            int experts = gpus * (1 + rnd.nextInt(5));
            int slots = experts + gpus * (1 + rnd.nextInt(2));
            int layers = 1 + rnd.nextInt(3);
            EplbRebalancer r = new EplbRebalancer(layers, experts, 1, SlotLayout.uniform(gpus, slots / gpus, 1), 8, false);
            int[] current = phy2log(r.rebalance(weights(rnd, layers, experts), layers));
            int[] w = weights(rnd, layers, experts);
            int budget = rnd.nextInt(6);
            RebalancePlan p = r.rebalance(current, w, layers, Integer.MAX_VALUE, budget * 8L + 7, 0, null);
            assertEquals(budget, p.budgetMoves(), "bytes budget of " + budget + " copies and 7 bytes");
            assertTrue(p.movedCopies() <= budget);
            assertEquals(8L * p.movedCopies(), p.movedBytes());
            for (int l = 0; l < layers; l++) {
                assertTrue(p.imbalanceAfter(l) <= p.imbalanceBefore(l) + 1e-9);
                for (int e = 0; e < experts; e++) {
                    assertTrue(p.logcnt(l, e) >= 1);
                }
            }
            // Moves keep every other copy in place.
            int changed = 0;
            for (int i = 0; i < current.length; i++) {
                changed += current[i] != p.phy2log(i / slots, i % slots) ? 1 : 0;
            }
            assertTrue(changed <= p.movedCopies());
        }
    }

    /**
     * Layer 0 fits its loads within 1.3% but stacks the eight heavy experts two per rank on four
     * ranks (the lights on the other four); layer 1 already holds one heavy expert per rank. EPLB
     * would move 32 copies; a budget of 24 pays for the round-sticky target, which puts one heavy
     * copy on every rank of layer 0 and leaves layer 1 as it is.
     */
    @Test
    void theRoundStickyTargetSpreadsStackedHeavyCopiesAcrossRanks() {
        final int experts = 32;
        int[] one = new int[experts];
        for (int e = 0; e < experts; e++) {
            one[e] = e < 8 ? 40 : e < 24 ? 13 + (e - 8) : 0;
        }
        int[] weight = new int[2 * experts];
        System.arraycopy(one, 0, weight, 0, experts);
        System.arraycopy(one, 0, weight, experts, experts);
        int[] current = new int[2 * experts];
        int[][] lights = {{8, 23, 9, 22}, {10, 21, 11, 20}, {12, 19, 13, 18}, {14, 17, 15, 16}};
        int[][] pairs = {{8, 22}, {9, 23}, {10, 20}, {11, 21}, {12, 18}, {13, 19}, {14, 16}, {15, 17}};
        for (int r = 0; r < 8; r++) {
            for (int j = 0; j < 4; j++) {
                current[4 * r + j] = r < 4 ? (j < 2 ? 2 * r + j : 24 + 2 * r + j - 2) : lights[r - 4][j];
            }
            current[experts + 4 * r] = r;
            current[experts + 4 * r + 1] = pairs[r][0];
            current[experts + 4 * r + 2] = pairs[r][1];
            current[experts + 4 * r + 3] = 24 + r;
        }
        SlotLayout layout = SlotLayout.uniform(8, 4, 4);
        assertEquals(32, new EplbRebalancer(2, experts, 1, layout, 1, false)
                .rebalance(current.clone(), weight, 2, Integer.MAX_VALUE).movedCopies());
        RebalancePlan p = new EplbRebalancer(2, experts, 1, layout, 1, false).rebalance(current.clone(), weight, 2, 24);
        assertTrue(p.movedCopies() > 0 && p.movedCopies() <= 24, "moved " + p.movedCopies());
        for (int r = 0; r < 8; r++) {
            int heavy = 0;
            for (int j = 0; j < 4; j++) {
                heavy += p.phy2log(0, 4 * r + j) < 8 ? 1 : 0;
            }
            assertEquals(1, heavy, "heavy copies on rank " + r);
        }
        for (int q = 0; q < 32; q++) {
            assertEquals(current[experts + q], p.phy2log(1, q), "layer 1 keeps slot " + q);
        }
        assertTrue(p.imbalanceAfter(0) <= p.imbalanceBefore(0));
    }

    @Test
    void aBalancedLayerIsSkippedAndAnUnbalancedOneIsNot() {
        EplbRebalancer r = readme(false);
        int[] w = README_WEIGHTS.clone();
        double first = new PlacementImbalance(12, 16, 8).imbalance(README_PHY2LOG, w, 0);
        // Layer 1 gets very different loads; layer 0 keeps its own.
        for (int e = 0; e < 12; e++) {
            w[12 + e] = e == 3 ? 1000 : 1;
        }
        RebalancePlan p = r.rebalance(README_PHY2LOG.clone(), w, 2, Integer.MAX_VALUE, Long.MAX_VALUE, first, null);
        assertTrue(p.skipped(0));
        assertFalse(p.skipped(1));
        for (int i = 0; i < p.moveCount(); i++) {
            assertEquals(1, p.moveLayer(i));
        }
        assertTrue(p.movedCopies() > 0);
        assertTrue(p.imbalanceAfter(1) < p.imbalanceBefore(1));
    }

    @Test
    void excludedRanksGetNoCopiesAndLostExpertsAreRestoredAndReported() {
        EplbRebalancer r = readme(false);
        RebalancePlan p = r.rebalance(README_PHY2LOG.clone(), README_WEIGHTS, 2, 0, 0, 0, new int[] {3});
        // GPU 3 held slots 6, 7: layer 0 experts 3 and 4 (4 has another copy), layer 1 experts 8 and 9.
        assertEquals(2, p.lostExpertCount(), "expert 3 in layer 0, expert 9 in layer 1");
        assertEquals(3, p.lostExpert(0));
        assertEquals(0, p.lostExpertLayer(0));
        assertEquals(9, p.lostExpert(1));
        assertEquals(2, p.restoredCopies(), "restores are made even with a zero budget");
        assertEquals(2, p.movedCopies());
        assertEquals(0, p.unplacedExpertCount());
        for (int l = 0; l < 2; l++) {
            assertEquals(-1, p.phy2log(l, 6));
            assertEquals(-1, p.phy2log(l, 7));
            for (int e = 0; e < 12; e++) {
                assertTrue(p.logcnt(l, e) >= 1);
            }
        }
        // With a budget it also rebalances over the survivors.
        RebalancePlan q = r.rebalance(README_PHY2LOG.clone(), README_WEIGHTS, 2, 100, Long.MAX_VALUE, 0, new int[] {3});
        assertTrue(q.imbalanceAfter(0) <= p.imbalanceAfter(0) + 1e-12);
        // Too few surviving slots: the lightest experts are reported unplaced, never silently dropped.
        RebalancePlan u = r.rebalance(null, README_WEIGHTS, 2, 0, 0, 0, new int[] {0, 1, 2, 3, 4, 5});
        assertEquals(16, u.unplacedExpertCount(), "4 slots for 12 experts, two layers");
        assertEquals(0, u.logcnt(0, 7), "expert 7 (load 4) is the lightest of layer 0");
    }

    @Test
    void heterogeneousSlotCountsAreFilledWithinEachRanksCapacity() {
        SlotLayout layout = new SlotLayout(new int[] {3, 1, 2, 2}, 2);
        EplbRebalancer r = new EplbRebalancer(1, 6, 1, layout, 1, false);
        int[] w = {50, 10, 10, 10, 10, 10};
        RebalancePlan p = r.rebalance(w, 1);
        assertEquals(8, p.movedCopies());
        assertEquals(3, p.logcnt(0, 0), "two extra slots go to the heavy expert");
        for (int q = 0; q < 8; q++) {
            assertTrue(p.phy2log(0, q) >= 0);
        }
        int[] current = phy2log(p);
        RebalancePlan again = r.rebalance(current, w, 1, Integer.MAX_VALUE);
        assertEquals(0, again.movedCopies());
    }

    @Test
    void spreadingHotExpertsLowersWhatOneNodeFailureLoses() {
        // EPLB's hierarchical policy keeps each expert's replicas inside one node.
        NodeFailureExposure x = new NodeFailureExposure(12, SlotLayout.uniform(8, 2, 4));
        int[] plain = phy2log(readme(false).rebalance(README_WEIGHTS, 2));
        int[] spread = phy2log(readme(true).rebalance(README_WEIGHTS, 2));
        for (int l = 0; l < 2; l++) {
            int without = x.worstNodeLoss(plain, l);
            int with = x.worstNodeLoss(spread, l);
            assertEquals(6, without, "each node holds 6 experts, all of their copies");
            assertTrue(with < without, "layer " + l + ": " + with);
            int replicated = 0;
            for (int e = 0; e < 12; e++) {
                int nodes = 0;
                int copies = 0;
                for (int n = 0; n < 2; n++) {
                    boolean has = false;
                    for (int q = n * 8; q < n * 8 + 8; q++) {
                        has |= spread[l * 16 + q] == e;
                        copies += spread[l * 16 + q] == e ? 1 : 0;
                    }
                    nodes += has ? 1 : 0;
                }
                if (copies >= 2) {
                    replicated++;
                    assertEquals(2, nodes, "layer " + l + " expert " + e);
                }
            }
            assertTrue(replicated > 0);
        }
    }

    @Test
    void batchesStayWithinBytesAndKeepEveryExpertServed() {
        SplittableRandom rnd = new SplittableRandom(3);
        MoveBatcher b = new MoveBatcher(2, 12, 16);
        EplbRebalancer r = readme(false);
        for (int round = 0; round < 100; round++) {
            int[] current = phy2log(r.rebalance(weights(rnd, 2, 12), 2));
            RebalancePlan p = r.rebalance(current, weights(rnd, 2, 12), 2, rnd.nextInt(3) == 0 ? 4 : Integer.MAX_VALUE);
            long maxBytes = 1000L * (2 + rnd.nextInt(4));
            b.batch(p, maxBytes);
            assertEquals(p.movedCopies(), b.moveCount());
            int[] state = current.clone();
            int[] seen = new int[p.moveCount()];
            for (int k = 0; k < b.batchCount(); k++) {
                if (b.batchBytes(k) > maxBytes) {
                    assertTrue(b.oversizedBatches() > 0);
                }
                for (int i = b.batchStart(k); i < b.batchEnd(k); i++) {
                    int m = b.moveOrder(i);
                    seen[m]++;
                    int at = p.moveLayer(m) * 16 + p.moveSlot(m);
                    assertEquals(p.moveFrom(m), state[at]);
                    state[at] = p.moveTo(m);
                }
                assertEverySlotServed(state, 2, 12, 16);
            }
            for (int s : seen) {
                assertEquals(1, s);
            }
            assertArrayEquals(phy2log(p), state);
        }
    }

    @Test
    void aSwapOfTwoSingleCopyExpertsGoesInOneBatch() {
        EplbRebalancer r = new EplbRebalancer(1, 4, 1, SlotLayout.uniform(2, 2, 1), 10, false);
        // GPU 0: {0, 1}, GPU 1: {2, 3}; loads make {0, 2} and {1, 3} the balanced split... after relabel
        // at least one cross-GPU swap of single-copy experts remains.
        RebalancePlan p = r.rebalance(new int[] {0, 1, 2, 3}, new int[] {100, 100, 1, 1}, 1, Integer.MAX_VALUE);
        assertEquals(2, p.movedCopies());
        MoveBatcher b = new MoveBatcher(1, 4, 4).batch(p, 10);
        assertEquals(1, b.batchCount(), "the two moves of a swap cannot be split");
        assertEquals(1, b.oversizedBatches());
        b.batch(p, 20);
        assertEquals(0, b.oversizedBatches());
    }

    @Test
    void badInputIsRejectedAndThePreviousPlanStays() {
        EplbRebalancer r = readme(false);
        RebalancePlan p = r.rebalance(README_WEIGHTS, 2);
        int[] cur = README_PHY2LOG.clone();
        cur[5] = 12;
        assertEquals("current[5] must be in [-1, 12), was 12",
                assertThrows(IllegalArgumentException.class, () -> r.rebalance(cur, README_WEIGHTS, 2, 1)).getMessage());
        int[] neg = README_WEIGHTS.clone();
        neg[3] = -1;
        assertThrows(IllegalArgumentException.class, () -> r.rebalance(README_PHY2LOG, neg, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> r.rebalance(README_PHY2LOG, README_WEIGHTS, 2, -1));
        assertThrows(IllegalArgumentException.class,
                () -> r.rebalance(README_PHY2LOG, README_WEIGHTS, 2, 1, -1, 0, null));
        assertThrows(IllegalArgumentException.class,
                () -> r.rebalance(README_PHY2LOG, README_WEIGHTS, 2, 1, 1, Double.NaN, null));
        assertEquals("excludedRanks[1] must be in [0, 8), was 8", assertThrows(IllegalArgumentException.class,
                () -> r.rebalance(README_PHY2LOG, README_WEIGHTS, 2, 1, 1, 0, new int[] {0, 8})).getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.rebalance(README_PHY2LOG, README_WEIGHTS, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> r.rebalance(new int[5], README_WEIGHTS, 2, 1));
        assertNullNamed("weight", () -> r.rebalance(README_PHY2LOG, null, 2, 1));
        assertArrayEquals(README_PHY2LOG, phy2log(p), "previous plan untouched");
        assertEquals(32, p.movedCopies());
        assertThrows(IllegalArgumentException.class, () -> new EplbRebalancer(1, 20, 1, SlotLayout.uniform(4, 4, 1), 1, false));
        assertThrows(IllegalArgumentException.class, () -> new SlotLayout(new int[] {2, 0}, 1));
        assertThrows(IllegalArgumentException.class, () -> new SlotLayout(new int[] {2, 2, 2}, 2));
        assertThrows(IllegalArgumentException.class, () -> new MoveBatcher(2, 12, 16).batch(p, 999));
    }

    @Test
    void callsAllocateNothing() {
        SplittableRandom rnd = new SplittableRandom(5);
        EplbRebalancer r = new EplbRebalancer(2, 64, 1, SlotLayout.uniform(16, 5, 4), 1 << 20, true);
        int[] w1 = weights(rnd, 2, 64);
        int[] w2 = weights(rnd, 2, 64);
        int[] current = phy2log(r.rebalance(w1, 2));
        int[] excluded = {5};
        MoveBatcher b = new MoveBatcher(2, 64, 80);
        NodeFailureExposure x = new NodeFailureExposure(64, r.layout());
        AllocationProbe.assertZeroAllocation("rebalance under a budget", () -> {
            RebalancePlan p = r.rebalance(current, w2, 2, 12, Long.MAX_VALUE, 1.01, excluded);
            b.batch(p, 3L << 20);
            x.worstNodeLoss(current, 1);
        }, 2_000);
        EplbRebalancer flat = new EplbRebalancer(2, 64, 1, SlotLayout.uniform(16, 5, 4), 1 << 20, false);
        AllocationProbe.assertZeroAllocation("rebalance, no budget", () -> flat.rebalance(current, w2, 2, Integer.MAX_VALUE), 2_000);
    }

    private static void assertEverySlotServed(int[] state, int layers, int experts, int slots) {
        for (int l = 0; l < layers; l++) {
            boolean[] has = new boolean[experts];
            for (int p = 0; p < slots; p++) {
                if (state[l * slots + p] >= 0) {
                    has[state[l * slots + p]] = true;
                }
            }
            for (int e = 0; e < experts; e++) {
                assertTrue(has[e], "layer " + l + " expert " + e + " has no copy");
            }
        }
    }

    static int[] weights(SplittableRandom rnd, int layers, int experts) {
        int[] w = new int[layers * experts];
        double alpha = rnd.nextDouble() * 1.5;
        for (int i = 0; i < w.length; i++) {
            w[i] = 1 + (int) (1000 / Math.pow(1 + rnd.nextInt(experts), alpha)) + rnd.nextInt(20);
        }
        return w;
    }
}
