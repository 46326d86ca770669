package io.keel.bench.sim.ep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import org.junit.jupiter.api.Test;

class EpEvaluationTest {
    @Test
    void timesOnlyTheMeasuredPassesAndReportsTheMedianAndLeastBytes() {
        ExpertLayout layout = ExpertLayout.contiguous(8, 32, 2, 8, 0);
        UltraEpWorkload w = new UltraEpWorkload(layout, 8, 512, 2.0, 42);
        List<int[]> batches = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            int[] m = new int[8 * 32];
            w.fill(b, m);
            batches.add(m);
        }
        for (EpEvaluation.Kind kind : new EpEvaluation.Kind[] {EpEvaluation.Kind.QUOTA, EpEvaluation.Kind.EPLB}) {
            EpEvaluation.Result r = EpEvaluation.run(layout, QuotaPlanner.Options.DEFAULTS, kind, batches, 7);
            // 5 measured passes of 7 rounds x 3 batches; the warm-up passes (at least 1 s) are not recorded.
            assertEquals(5L * 7 * 3, r.planNanos().getTotalCount(), kind.label());
            assertTrue(r.allocatedBytesPerPlanMin() <= r.allocatedBytesPerPlan(), kind.label());
        }
        EpEvaluation.Result none = EpEvaluation.run(layout, QuotaPlanner.Options.DEFAULTS, EpEvaluation.Kind.NONE,
                batches, 7);
        assertEquals(0, none.planNanos().getTotalCount());
        assertEquals(0, none.allocatedBytesPerPlan());
        assertEquals(0, none.allocatedBytesPerPlanMin());
    }
}
