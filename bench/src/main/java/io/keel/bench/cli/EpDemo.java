package io.keel.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.bench.sim.ep.EpEvaluation;
import io.keel.bench.sim.ep.UltraEpWorkload;
import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;

/** Expert replication: quota planner vs EPLB vs none on UltraEP's workload, and the EPLB README check. */
final class EpDemo implements DemoSection {
    private static final int[] README_WEIGHTS = {
        90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86,
        20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27};
    private static final int[] README_PHY2LOG = {
        5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1,
        7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1};

    private static final int WARM_UP_CALLS = 10_000;

    @Override
    public String name() {
        return "ep";
    }

    @Override
    public Map<String, Object> run(Progress progress) {
        Map<String, Object> r = Report.object();
        ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, 64, 0);
        progress.step("UltraEP workload: 64 ranks, 256 experts, 2 slots, top-8, 8192 tokens/rank, imbalance 2.0");
        UltraEpWorkload w = new UltraEpWorkload(layout, 8, 8192, 2.0, 42);
        List<int[]> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            int[] m = new int[64 * 256];
            w.fill(b, m);
            batches.add(m);
        }
        // Timings below are of compiled code: warm the planners first (JMH measures 20-75 us per
        // plan; cold, the first few hundred plans take several times that).
        progress.step("JIT warm-up of the planners (up to " + WARM_UP_CALLS + " calls or 2 s each)");
        QuotaPlanner warmQuota = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS);
        int[] next = {0};
        int quotaWarm = Measure.warmUp(() -> warmQuota.plan(batches.get(next[0]++ & 3)), WARM_UP_CALLS, 2_000_000_000L);
        EplbPlanner warmEplb = new EplbPlanner(1, 256, 256 + 64 * 2, 1, 1, 64);
        int[] totals = new int[256];
        for (int i = 0; i < 64 * 256; i++) {
            totals[i % 256] += batches.get(0)[i];
        }
        int eplbWarm = Measure.warmUp(() -> warmEplb.rebalance(totals, 1), WARM_UP_CALLS, 2_000_000_000L);
        r.put("warmUpCalls", Math.min(quotaWarm, eplbWarm));
        List<Object> rows = new ArrayList<>();
        for (EpEvaluation.Kind kind : EpEvaluation.Kind.values()) {
            progress.step("planner " + kind.label());
            EpEvaluation.Result res = EpEvaluation.run(layout, QuotaPlanner.Options.DEFAULTS, kind, batches, 100);
            Map<String, Object> row = Report.object();
            row.put("planner", kind.label());
            row.put("initialMax", EpEvaluation.meanMax(res.initial()).get("max"));
            row.put("finalMax", EpEvaluation.meanMax(res.finalImbalance()).get("max"));
            row.put("replicasMax", EpEvaluation.meanMax(res.replicas()).get("max"));
            row.put("planP50Micros", Measure.micros(res.planNanos()).get("p50"));
            row.put("bytesPerPlan", res.allocatedBytesPerPlan());
            rows.add(row);
        }
        r.put("microbatches", batches.size());
        r.put("planners", rows);
        progress.step("EPLB README example");
        EplbPlan p = new EplbPlanner(2, 12, 16, 4, 2, 8).rebalance(README_WEIGHTS, 2);
        boolean same = true;
        for (int i = 0; i < README_PHY2LOG.length; i++) {
            same &= p.phy2log(i / 16, i % 16) == README_PHY2LOG[i];
        }
        r.put("eplbReadmeExampleReproduced", same);
        return r;
    }
}
