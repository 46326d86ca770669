package io.keel.bench.sim.ep;

import java.util.List;
import java.util.Map;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;

/**
 * The expert-state transfer part of {@code keel ep --json}: relay makespans of the three
 * policies, the task table, {@code EpBalancer.step} latency and the EP step simulator's figures,
 * on the same microbatches as the replication report.
 */
public final class EpTransfersReport {
    private EpTransfersReport() {
    }

    /** Adds {@code weightSync}, {@code tiles}, {@code stepMicros} and {@code simulated} to {@code out}. */
    public static void addTo(Map<String, Object> out, ExpertLayout shape, QuotaPlanner.Options options,
                             List<int[]> batches, int rounds, int tokensPerRank, int topk) {
        EpStepSimulator.Assumptions a = EpStepSimulator.Assumptions.deepSeekV3(tokensPerRank, topk);
        EpStepSimulator.Result r = EpStepSimulator.run(shape, options, batches, a, rounds);
        Map<String, Object> ws = Report.object();
        ws.put("directMakespan", r.directUnits());
        ws.put("ultraepMakespan", r.ultraepUnits());
        ws.put("keelMakespan", r.keelUnits());
        ws.put("keelDepthTwoMakespan", r.keelDepthTwoUnits());
        ws.put("lowerBound", r.lowerBoundUnits());
        ws.put("depthTwoBound", r.depthTwoBoundUnits());
        ws.put("keelDepth", r.keelDepth());
        ws.put("units", "S/B (one expert state over one link)");
        out.put("weightSync", ws);
        Map<String, Object> tiles = Report.object();
        tiles.put("tasks", r.tasks());
        tiles.put("tiles", r.tiles());
        tiles.put("channels", r.channels());
        tiles.put("maxChannelBytesOverMean", r.maxChannelBytesOverMean());
        out.put("tiles", tiles);
        out.put("stepMicros", Measure.micros(r.stepNanos()));
        Map<String, Object> sim = Report.object();
        sim.put("fractionOfIdeal", r.keelFractionOfIdeal());
        sim.put("speedupOverNoBalancing", r.keelSpeedupOverNone());
        sim.put("eplbStaleFractionOfIdeal", r.eplbFractionOfIdeal());
        sim.put("eplbStaleSpeedupOverNoBalancing", r.eplbSpeedupOverNone());
        sim.put("ultraepReported", "94.3% of ideal, 1.49x over no balancing (their testbed, not this model)");
        Map<String, Object> as = Report.object();
        as.put("secondsPerToken", a.secondsPerToken());
        as.put("stateBytes", a.stateBytes());
        as.put("linkBytesPerSecond", a.linkBytesPerSecond());
        as.put("overlapSeconds", a.overlapSeconds());
        sim.put("assumptions", as);
        out.put("simulated", sim);
    }
}
