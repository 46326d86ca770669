package io.keel.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.bench.sim.ep.EpStepSimulator;
import io.keel.bench.sim.ep.EpTransfersReport;
import io.keel.bench.sim.ep.UltraEpWorkload;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.streaming.BalancerPipeline;
import io.keel.streaming.EpBalancer;
import io.keel.streaming.PipelineSlot;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * Expert-state transfers on UltraEP's workload (64 ranks, 256 experts, 2 slots, imbalance 2.0):
 * relay makespans per policy, the task table, {@code EpBalancer.step} latency and allocation,
 * the planning pipeline's round trip, and the EP step simulator.
 */
final class TransfersDemo implements DemoSection {
    private static final int RANKS = 64;
    private static final int EXPERTS = 256;
    private static final int TOPK = 8;
    private static final int TOKENS = 8192;
    private static final int BATCHES = 4;
    private static final int ROUND_TRIPS = 2000;
    private static final int WARM_UP_CALLS = 10_000;

    @Override
    public String name() {
        return "transfers";
    }

    @Override
    public Map<String, Object> run(Progress progress) {
        long state = EpStepSimulator.Assumptions.deepSeekV3(TOKENS, TOPK).stateBytes();
        ExpertLayout layout = ExpertLayout.contiguous(RANKS, EXPERTS, 2, RANKS, state);
        UltraEpWorkload w = new UltraEpWorkload(layout, TOPK, TOKENS, 2.0, 42);
        List<int[]> batches = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            int[] m = new int[RANKS * EXPERTS];
            w.fill(b, m);
            batches.add(m);
        }
        Map<String, Object> r = Report.object();
        r.put("what", RANKS + " ranks, " + EXPERTS + " experts, 2 slots, imbalance 2.0, " + state + " B per expert");
        EpBalancer.Config config = EpBalancer.Config.defaults(layout, 1);
        try (EpBalancer balancer = new EpBalancer(config)) {
            // stepMicros below is of compiled code: warm EpBalancer.step first.
            progress.step("JIT warm-up of EpBalancer.step (up to " + WARM_UP_CALLS + " calls or 2 s)");
            int[] next = {0};
            r.put("warmUpCalls", Measure.warmUp(() -> balancer.step(0, batches.get(next[0]++ % BATCHES)),
                    WARM_UP_CALLS, 2_000_000_000L));
            progress.step("relay trees, tiles and the step simulator over " + BATCHES + " microbatches");
            EpTransfersReport.addTo(r, layout, QuotaPlanner.Options.DEFAULTS, batches, 100, TOKENS, TOPK);

            progress.step("EpBalancer.step allocation");
            // Lowest of three windows: a one-off allocation by the JIT is not the kernel's.
            long best = Long.MAX_VALUE;
            for (int window = 0; window < 3 && best > 0; window++) {
                long before = Measure.allocatedBytes();
                for (int i = 0; i < 1000; i++) {
                    balancer.step(0, batches.get(i % BATCHES));
                }
                best = Math.min(best, Measure.allocatedBytes() - before);
            }
            r.put("stepAllocatedBytesPerCall", (double) best / 1000);
        }

        progress.step("planning pipeline: " + ROUND_TRIPS + " round trips");
        Histogram h = Measure.nanosHistogram();
        long lost = 0;
        try (BalancerPipeline pipe = new BalancerPipeline(config, 8, new YieldingIdleStrategy())) {
            pipe.start();
            long expected = 0;
            for (int i = 0; i < ROUND_TRIPS + 200; i++) {
                long seq = pipe.submit(0, batches.get(i % BATCHES));
                PipelineSlot s;
                while ((s = pipe.poll()) == null) {
                    Thread.onSpinWait();
                }
                long now = System.nanoTime();
                if (s.sequence() != expected++ || seq != s.sequence() || s.status() != PipelineSlot.OK) {
                    lost++;
                }
                if (i >= 200) {
                    h.recordValue(now - s.submitNanos());
                }
                pipe.release(s);
            }
        }
        Map<String, Object> pipeline = Report.object();
        pipeline.put("idleStrategy", "yielding");
        pipeline.put("roundTripMicros", Measure.micros(h));
        pipeline.put("outOfOrderOrFailed", lost);
        r.put("pipeline", pipeline);
        return r;
    }
}
