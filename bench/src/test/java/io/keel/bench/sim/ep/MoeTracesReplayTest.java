package io.keel.bench.sim.ep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import io.keel.core.testing.KeelData;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import org.junit.jupiter.api.Test;

/** Replays the real routing traces of shared/data/moe-traces (skipped when keel.data is unset). */
class MoeTracesReplayTest {
    @Test
    void rawTracesReplayWithEveryInvariant() {
        Path dir = KeelData.require("moe-traces");
        List<String> models = MoeTraces.rawModels(dir);
        assertEquals(List.of("qwen", "switch-exp128"), models);
        for (String model : models) {
            List<MoeTraces.SourceMatrix> all = MoeTraces.readRaw(dir, model);
            assertFalse(all.isEmpty());
            MoeTraces.SourceMatrix first = all.get(0);
            assertEquals(model.equals("qwen") ? 6 : 8, first.ranks());
            assertEquals(model.equals("qwen") ? 60 : 128, first.experts());
            ExpertLayout layout = ExpertLayout.contiguous(first.ranks(), first.experts(), 2, first.ranks(), 1);
            // The switch trace has 85 tokens per rank: replicas of 1024 tokens (the default) cannot exist.
            QuotaPlanner planner = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(16));
            int improved = 0;
            for (MoeTraces.SourceMatrix m : all) {
                ReplicationPlan p = planner.plan(m.loads());
                assertTrue(p.maxRankLoad() >= p.lowerBound());
                assertTrue(p.maxRankLoad() <= p.initialMaxRankLoad());
                long total = 0;
                for (int e = 0; e < layout.experts(); e++) {
                    long quotas = 0;
                    for (int j = 0; j < p.instanceCount(e); j++) {
                        quotas += p.instanceQuota(e, j);
                        for (int s = 0; s < layout.ranks(); s++) {
                            assertTrue(p.tokens(s, e, j) >= 0);
                        }
                    }
                    assertEquals(p.expertLoad(e), quotas);
                    for (int s = 0; s < layout.ranks(); s++) {
                        assertEquals(m.loads()[s * layout.experts() + e],
                                p.tokensPrefix(s, e, p.instanceCount(e) - 1));
                    }
                    total += quotas;
                }
                assertEquals(p.totalTokens(), total);
                if (p.maxRankLoad() < p.initialMaxRankLoad()) {
                    improved++;
                }
            }
            assertTrue(improved > all.size() / 2, model + ": planning helped in " + improved + " of " + all.size());
        }
    }

    @Test
    void processedFilesMapOntoALayout() {
        Path dir = KeelData.require("moe-traces");
        List<MoeTraces.Totals> qwen = MoeTraces.readProcessed(MoeTraces.processedFile(dir, "qwen"));
        assertEquals(960, qwen.size());
        assertEquals(60, qwen.get(0).counts().length);
        List<MoeTraces.Totals> sw = MoeTraces.readProcessed(MoeTraces.processedFile(dir, "switch128"));
        assertEquals(1440, sw.size());
        assertEquals(128, sw.get(0).counts().length);
        ExpertLayout layout = ExpertLayout.contiguous(4, 60, 2, 4, 1);
        QuotaPlanner planner = new QuotaPlanner(layout);
        for (MoeTraces.Totals t : qwen) {
            int[] totals = MoeTraces.mapTotals(t.counts(), layout);
            ReplicationPlan p = planner.planTotals(totals);
            assertTrue(p.imbalance() <= p.initialImbalance());
            assertTrue(p.maxRankLoad() >= p.lowerBound());
        }
    }

    @Test
    void mappingFoldsRanksAndExperts() {
        ExpertLayout layout = ExpertLayout.contiguous(2, 4, 1, 2, 1);
        int[] trace = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; // 3 ranks x 4 experts
        int[] out = new int[8];
        MoeTraces.mapOnto(trace, 3, 4, layout, out);
        assertEquals(1 + 9, out[0]);
        assertEquals(5, out[4]);
        assertEquals(4 + 12, out[3]);
    }
}
