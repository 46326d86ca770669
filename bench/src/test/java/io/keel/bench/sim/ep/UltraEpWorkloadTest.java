package io.keel.bench.sim.ep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class UltraEpWorkloadTest {
    @Test
    void deterministicAndHitsTheTargetImbalance() {
        ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, 64, 0);
        for (double target : new double[] {1.51, 2.01, 3.03}) {
            UltraEpWorkload w = new UltraEpWorkload(layout, 8, 8192, target, 42);
            assertEquals(target, w.expectedImbalance(), 1e-6);
            int[] a = new int[64 * 256];
            int[] b = new int[64 * 256];
            w.fill(3, a);
            new UltraEpWorkload(layout, 8, 8192, target, 42).fill(3, b);
            assertArrayEquals(a, b);
            long sum = 0;
            for (int v : a) {
                sum += v;
            }
            assertEquals(64L * 8192 * 8, sum, "every token picks topk experts");
            ReplicationPlan p = new QuotaPlanner(layout).plan(a);
            // The sampled imbalance lands within 3% of the target (Rosen's approximation).
            assertEquals(target, p.initialImbalance(), 0.03 * target);
        }
    }

    @Test
    @Timeout(120) // a guard against the endless redraw this test is about, not a timing assertion (it takes ms)
    void nearTheLargestReachableImbalanceEveryTokenStillGetsTopkDistinctExperts() {
        // At the largest target the layout reaches, rank 0's four experts hold all but ~1e-16 of the
        // weight; drawing eight distinct experts by redrawing duplicates never ended.
        ExpertLayout layout = ExpertLayout.contiguous(8, 32, 2, 8, 0);
        double lo = 1;
        double hi = 8;
        for (int i = 0; i < 60; i++) {
            double mid = 0.5 * (lo + hi);
            try {
                new UltraEpWorkload(layout, 8, 1, mid, 1);
                lo = mid;
            } catch (IllegalArgumentException e) {
                hi = mid;
            }
        }
        UltraEpWorkload w = new UltraEpWorkload(layout, 8, 16, lo, 1);
        assertTrue(w.weight(4) < 1e-12, "not near the edge: " + w.weight(4));
        int[] out = new int[8 * 32];
        w.fill(0, out);
        for (int s = 0; s < 8; s++) {
            int sum = 0;
            for (int e = 0; e < 32; e++) {
                assertTrue(out[s * 32 + e] <= 16, "an expert picked twice for one token");
                sum += out[s * 32 + e];
            }
            assertEquals(16 * 8, sum);
            for (int e = 0; e < 4; e++) {
                assertEquals(16, out[s * 32 + e], "rank 0's experts are in every token's top-k");
            }
        }
    }

    @Test
    void picksFollowSuccessiveSamplingWhetherByRedrawOrOverTheUnchosen() {
        // 8 of 32 experts at a skew where duplicates often run past the redraw limit.
        matchesIndependentSuccessiveSampling(8, 3.0);
    }

    @Test
    void picksByExponentialKeysFollowSuccessiveSamplingToo() {
        // 16 of 32 experts: over a quarter, so every token draws its experts at once by keys.
        matchesIndependentSuccessiveSampling(16, 1.6);
    }

    /**
     * The per-expert counts of a fill (8 ranks x 8,192 tokens, top-{@code topk} of 32, at {@code imbalance})
     * match an independent sampler that always draws each pick by weight over the unchosen experts.
     */
    private static void matchesIndependentSuccessiveSampling(int topk, double imbalance) {
        ExpertLayout layout = ExpertLayout.contiguous(8, 32, 2, 8, 0);
        UltraEpWorkload w = new UltraEpWorkload(layout, topk, 8192, imbalance, 5);
        int[] out = new int[8 * 32];
        w.fill(0, out);
        long[] got = new long[32];
        for (int i = 0; i < out.length; i++) {
            got[i % 32] += out[i];
        }
        long[] want = new long[32];
        SplittableRandom rnd = new SplittableRandom(99);
        boolean[] taken = new boolean[32];
        int tokens = 8 * 8192;
        for (int t = 0; t < tokens; t++) {
            java.util.Arrays.fill(taken, false);
            for (int k = 0; k < topk; k++) {
                double total = 0;
                for (int e = 0; e < 32; e++) {
                    total += taken[e] ? 0 : w.weight(e);
                }
                double u = rnd.nextDouble() * total;
                int pick = -1;
                for (int e = 0; e < 32 && pick < 0; e++) {
                    if (!taken[e]) {
                        u -= w.weight(e);
                        if (u < 0) {
                            pick = e;
                        }
                    }
                }
                pick = pick < 0 ? 31 : pick;
                taken[pick] = true;
                want[pick]++;
            }
        }
        for (int e = 0; e < 32; e++) {
            // Both are counts over 65,536 tokens: 6 standard deviations of their difference.
            double p = want[e] / (double) tokens;
            double sd = Math.sqrt(2 * tokens * p * (1 - p));
            assertEquals(want[e], got[e], 6 * sd + 1, "top-" + topk + ", expert " + e);
        }
    }

    @Test
    void rejectsBadArguments() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 1, 4, 0);
        assertThrows(IllegalArgumentException.class, () -> new UltraEpWorkload(layout, 9, 10, 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new UltraEpWorkload(layout, 2, 10, 0.5, 1));
    }

    @Test
    void legacyBaselineConservesTokensAndUsesSlots() {
        ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, 64, 0);
        UltraEpWorkload w = new UltraEpWorkload(layout, 8, 8192, 2.0, 7);
        int[] m = new int[64 * 256];
        w.fill(0, m);
        int[] totals = new int[256];
        for (int i = 0; i < m.length; i++) {
            totals[i % 256] += m[i];
        }
        LegacyGreedyPlanner legacy = new LegacyGreedyPlanner(layout);
        long max = legacy.plan(totals);
        long sum = 0;
        for (int r = 0; r < 64; r++) {
            sum += legacy.rankLoad(r);
        }
        assertEquals(64L * 8192 * 8, sum);
        assertEquals(128, legacy.replicaCount());
        assertTrue(max < new QuotaPlanner(layout).planTotals(totals).initialMaxRankLoad());
    }
}
