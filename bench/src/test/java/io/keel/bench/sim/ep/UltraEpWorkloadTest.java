package io.keel.bench.sim.ep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import org.junit.jupiter.api.Test;

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
