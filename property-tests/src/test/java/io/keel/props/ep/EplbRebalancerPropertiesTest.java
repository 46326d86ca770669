package io.keel.props.ep;

import java.util.SplittableRandom;

import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.EplbRebalancer;
import io.keel.planners.ep.MoveBatcher;
import io.keel.planners.ep.PlacementImbalance;
import io.keel.planners.ep.RebalancePlan;
import io.keel.planners.ep.SlotLayout;
import org.junit.jupiter.api.Test;

import static io.keel.props.Props.qt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Incremental EPLB for serving: from scratch without a budget it is EPLB; a budget is never
 * exceeded; excluded ranks get no copies; every expert keeps a copy after every batch of moves.
 */
class EplbRebalancerPropertiesTest {
    @Test
    void fromScratchWithoutBudgetEqualsEplb() {
        qt().forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int nodes = 1 + rnd.nextInt(3);
            int gpusPerNode = 1 + rnd.nextInt(3);
            int gpus = nodes * gpusPerNode;
            int groups = nodes * (1 + rnd.nextInt(3)) + (rnd.nextInt(4) == 0 ? 1 : 0);
            int experts = groups * (1 + rnd.nextInt(3)) * (groups % nodes == 0 ? 1 : nodes);
            int replicas = gpus * ((experts + gpus - 1) / gpus + rnd.nextInt(3));
            int layers = 1 + rnd.nextInt(3);
            int[] w = weights(rnd, layers, experts);
            EplbPlan eplb = new EplbPlanner(layers, experts, replicas, groups, nodes, gpus).rebalance(w, layers);
            RebalancePlan p = new EplbRebalancer(layers, experts, groups,
                    SlotLayout.uniform(gpus, replicas / gpus, gpusPerNode), 1, false).rebalance(w, layers);
            for (int l = 0; l < layers; l++) {
                for (int q = 0; q < replicas; q++) {
                    assertEquals(eplb.phy2log(l, q), p.phy2log(l, q), "layer " + l + " slot " + q);
                }
            }
            assertEquals(layers * replicas, p.movedCopies());
        });
    }

    @Test
    void budgetsExclusionsAndBatchesHold() {
        qt().forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Case c = Case.random(rnd);
            int[] current = c.current(rnd);
            int[] excluded = rnd.nextInt(3) == 0 ? new int[] {rnd.nextInt(c.layout.ranks())} : null;
            int budget = rnd.nextInt(4) == 0 ? Integer.MAX_VALUE : rnd.nextInt(c.layout.slots());
            double threshold = rnd.nextInt(3) == 0 ? 1 + rnd.nextDouble() : 0;
            EplbRebalancer r = new EplbRebalancer(c.layers, c.experts, 1, c.layout, 100, rnd.nextBoolean());
            RebalancePlan p = r.rebalance(current, c.w, c.layers, budget, Long.MAX_VALUE, threshold, excluded);

            assertTrue(p.movedCopies() - p.restoredCopies() <= budget, "budget " + budget);
            assertTrue(p.restoredCopies() <= p.lostExpertCount());
            int liveSlots = c.layout.slots();
            if (excluded != null) {
                liveSlots -= c.layout.slotsOf(excluded[0]);
            }
            assertEquals(c.layers * Math.max(0, c.experts - liveSlots), p.unplacedExpertCount(),
                    "an expert goes without a copy only when the survivors' slots cannot hold it");
            // Replaying the moves on the current placement (excluded ranks emptied) gives the plan.
            int[] state = current.clone();
            for (int i = 0; i < state.length; i++) {
                if (excluded != null && c.layout.rankOf(i % c.layout.slots()) == excluded[0]) {
                    state[i] = -1;
                }
            }
            int[] start = state.clone();
            MoveBatcher b = new MoveBatcher(c.layers, c.experts, c.layout.slots());
            long maxBytes = 100L * (1 + rnd.nextInt(4));
            b.batch(p, maxBytes);
            assertEquals(p.moveCount(), b.moveCount());
            int oversized = 0;
            for (int k = 0; k < b.batchCount(); k++) {
                oversized += b.batchBytes(k) > maxBytes ? 1 : 0;
                for (int i = b.batchStart(k); i < b.batchEnd(k); i++) {
                    int m = b.moveOrder(i);
                    int at = p.moveLayer(m) * c.layout.slots() + p.moveSlot(m);
                    assertEquals(p.moveFrom(m), state[at]);
                    state[at] = p.moveTo(m);
                }
                if (liveSlots >= c.experts) { // else heavier lost experts may take a lighter one's only slot
                    assertServed(start, state, c, "live " + liveSlots + " experts " + c.experts + " batch " + k + "/"
                        + b.batchCount() + " moves " + p.moveCount() + " restored " + p.restoredCopies() + " excluded "
                        + (excluded != null) + " budget " + budget);
                }
            }
            assertEquals(oversized, b.oversizedBatches());
            PlacementImbalance measure = new PlacementImbalance(c.experts, c.layout.slotsPerRank());
            for (int l = 0; l < c.layers; l++) {
                for (int q = 0; q < c.layout.slots(); q++) {
                    assertEquals(state[l * c.layout.slots() + q], p.phy2log(l, q));
                    if (excluded != null && c.layout.rankOf(q) == excluded[0]) {
                        assertEquals(-1, p.phy2log(l, q), "an excluded rank holds nothing");
                    }
                    if (p.skipped(l)) {
                        assertEquals(start[l * c.layout.slots() + q], p.phy2log(l, q), "a skipped layer is kept");
                    }
                }
                // The reported imbalances are the placements' own, measured afresh.
                assertEquals(measure.imbalance(state, c.w, l), p.imbalanceAfter(l), "after, layer " + l);
                if (p.skipped(l)) {
                    assertEquals(measure.imbalance(start, c.w, l), p.imbalanceBefore(l), "before, layer " + l);
                    assertTrue(p.imbalanceBefore(l) <= threshold, "skipped at or below the threshold");
                }
            }
        });
    }

    /** Every expert that had a copy at the start still has one. */
    private static void assertServed(int[] start, int[] state, Case c, String why) {
        int slots = c.layout.slots();
        for (int l = 0; l < c.layers; l++) {
            boolean[] before = new boolean[c.experts];
            boolean[] now = new boolean[c.experts];
            for (int q = 0; q < slots; q++) {
                if (start[l * slots + q] >= 0) {
                    before[start[l * slots + q]] = true;
                }
                if (state[l * slots + q] >= 0) {
                    now[state[l * slots + q]] = true;
                }
            }
            for (int e = 0; e < c.experts; e++) {
                assertTrue(!before[e] || now[e], "layer " + l + " expert " + e + " lost its last copy in a batch; " + why);
            }
        }
    }

    private static int[] weights(SplittableRandom rnd, int layers, int experts) {
        int[] w = new int[layers * experts];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(1 + (1 << rnd.nextInt(12)));
        }
        return w;
    }

    /** A random layout (uniform or not), loads, and a current placement (EPLB's, shuffled, or with holes). */
    private record Case(SlotLayout layout, int experts, int layers, int[] w) {
        static Case random(SplittableRandom rnd) {
            int perNode = 1 + rnd.nextInt(3);
            int ranks = perNode * (1 + rnd.nextInt(3));
            int[] slots = new int[ranks];
            int base = 1 + rnd.nextInt(4);
            boolean uniform = rnd.nextBoolean();
            int total = 0;
            for (int r = 0; r < ranks; r++) {
                slots[r] = uniform ? base : 1 + rnd.nextInt(5);
                total += slots[r];
            }
            int experts = Math.max(1, total - rnd.nextInt(1 + total / 2));
            int layers = 1 + rnd.nextInt(2);
            return new Case(new SlotLayout(slots, perNode), experts, layers, weights(rnd, layers, experts));
        }

        int[] current(SplittableRandom rnd) {
            int slots = layout.slots();
            int[] cur = new int[layers * slots];
            for (int l = 0; l < layers; l++) {
                // Every expert once, then random extra copies; sometimes a few holes.
                for (int q = 0; q < slots; q++) {
                    cur[l * slots + q] = q < experts ? q : rnd.nextInt(experts);
                }
                for (int q = slots - 1; q > 0; q--) {
                    int j = rnd.nextInt(q + 1);
                    int t = cur[l * slots + q];
                    cur[l * slots + q] = cur[l * slots + j];
                    cur[l * slots + j] = t;
                }
                if (rnd.nextInt(4) == 0) {
                    cur[l * slots + rnd.nextInt(slots)] = -1;
                }
            }
            return cur;
        }
    }
}
