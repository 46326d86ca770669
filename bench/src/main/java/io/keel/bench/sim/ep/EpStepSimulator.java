package io.keel.bench.sim.ep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.relay.RelayPlan;
import io.keel.streaming.BalancedStep;
import io.keel.streaming.EpBalancer;
import org.HdrHistogram.Histogram;

/**
 * The EP step simulator: turns plans into MoE-layer step times. Per layer and microbatch,
 * {@code time = max over ranks of expert compute (tokens x per-token cost) + transfer time not
 * hidden by the overlap window + planning time}, for
 * <ul>
 *   <li>no balancing: every expert on its master;</li>
 *   <li>EPLB on stale loads: {@link EplbPlanner} on the previous microbatch's per-expert totals
 *       (the first microbatch uses the last one, as {@code keel ep}), tokens split evenly over an
 *       expert's copies; its replica moves are taken as done off the critical path between
 *       windows (no transfer or planning time: EPLB's favourable case);</li>
 *   <li>keel exact-load: {@link EpBalancer#step} on this microbatch's loads, with the relay
 *       makespan estimate of its BALANCED_TREES relay trees (any depth) as the transfer time and the measured
 *       step time as the planning time; the relay makespans of DIRECT, ULTRAEP_SQRT and
 *       BALANCED_DEPTH_TWO trees on the same plans are reported beside it;</li>
 *   <li>the force-balanced ideal: the mean rank load, no overhead.</li>
 * </ul>
 * A cold-path harness: allocates freely.
 */
public final class EpStepSimulator {
    /**
     * The model's assumptions.
     *
     * @param secondsPerToken expert compute per routed token (one token x one expert)
     * @param stateBytes bytes of one expert's state (what a replica transfer moves)
     * @param linkBytesPerSecond every rank's egress and ingress bandwidth
     * @param overlapSeconds transfer time hidden behind other work of the layer
     */
    public record Assumptions(double secondsPerToken, long stateBytes, double linkBytesPerSecond, double overlapSeconds) {
        /**
         * DeepSeek-V3-sized experts on H100-class GPUs: hidden 7168, expert intermediate 2048,
         * bf16 state {@code 3 x 7168 x 2048 x 2 = 88 MB}, {@code 3 x 2 x 7168 x 2048 = 88 MFLOP}
         * per token at 400 TFLOP/s sustained (0.22 us), 400 GB/s per-GPU NVLink egress and
         * ingress, and an overlap window of the layer's dispatch all-to-all
         * ({@code tokensPerRank x topk x 7168 x 2 bytes} at the same 400 GB/s).
         */
        public static Assumptions deepSeekV3(int tokensPerRank, int topk) {
            double link = 400e9;
            return new Assumptions(3.0 * 2 * 7168 * 2048 / 400e12, 3L * 7168 * 2048 * 2, link,
                    (double) tokensPerRank * topk * 7168 * 2 / link);
        }
    }

    /** Summed step times (seconds) of one run, and the relay figures of keel's steps. */
    public record Result(int steps, double none, double eplb, double keel, double ideal,
                         double keelTransferExposed, double keelPlanning, double directUnits, double ultraepUnits,
                         double keelUnits, double lowerBoundUnits, int keelWorseThanUltraep, Histogram stepNanos,
                         double tasks, double tiles, int channels, double maxChannelBytesOverMean,
                         double depthTwoBoundUnits, int keelDepth, double keelDepthTwoUnits) {
        /** Ideal over keel's time: 1 is perfect. */
        public double keelFractionOfIdeal() {
            return ideal / keel;
        }

        /** Ideal over EPLB's time. */
        public double eplbFractionOfIdeal() {
            return ideal / eplb;
        }

        /** No-balancing time over keel's. */
        public double keelSpeedupOverNone() {
            return none / keel;
        }

        /** No-balancing time over EPLB's. */
        public double eplbSpeedupOverNone() {
            return none / eplb;
        }
    }

    private EpStepSimulator() {
    }

    /**
     * Simulates {@code batches} (R x E load matrices of one layer, in order) on {@code shape}
     * (its expert state bytes are replaced by the assumptions'), timing each keel step
     * {@code timingRounds} times (at least once, after as many warm-up rounds) and charging its p50
     * as planning time.
     */
    public static Result run(ExpertLayout shape, QuotaPlanner.Options options, List<int[]> batches, Assumptions a,
                             int timingRounds) {
        ExpertLayout layout = withState(shape, a.stateBytes());
        int ranks = layout.ranks();
        int experts = layout.experts();
        int n = batches.size();
        int physical = experts + ranks * layout.slotsPerRank();
        EplbPlanner eplb = new EplbPlanner(1, experts, physical, layout.domains(), layout.domains(), ranks);
        EpBalancer.Config base = EpBalancer.Config.defaults(layout, 1).withPlannerOptions(options);
        double link = a.linkBytesPerSecond();
        base = new EpBalancer.Config(layout, 1, options, base.relayPolicy(), link, base.channels(), base.maxPieces(),
                base.tileBytes(), base.tilesPerChunk());
        int[][] totals = new int[n][experts];
        Histogram h = new Histogram(60_000_000_000L, 3);
        double none = 0;
        double eplbTime = 0;
        double keel = 0;
        double ideal = 0;
        double exposed = 0;
        double planning = 0;
        double direct = 0;
        double sqrt = 0;
        double keelUnits = 0;
        double lb = 0;
        double lb2 = 0;
        int worse = 0;
        int depth = 0;
        double depthTwo = 0;
        double tasks = 0;
        double tiles = 0;
        double channelSkew = 1.0;
        try (EpBalancer balancer = new EpBalancer(base);
             EpBalancer sqrtBalancer = new EpBalancer(base.withRelayPolicy(io.keel.planners.relay.RelayPolicy.ULTRAEP_SQRT));
             EpBalancer directBalancer = new EpBalancer(base.withRelayPolicy(io.keel.planners.relay.RelayPolicy.DIRECT));
             EpBalancer depthTwoBalancer = new EpBalancer(
                     base.withRelayPolicy(io.keel.planners.relay.RelayPolicy.BALANCED_DEPTH_TWO))) {
            // Warm-up (JIT), then the timed rounds.
            for (int pass = 0; pass < 2; pass++) {
                for (int r = 0; r < Math.max(1, timingRounds); r++) {
                    for (int b = 0; b < n; b++) {
                        long t0 = System.nanoTime();
                        BalancedStep step = balancer.step(0, batches.get(b));
                        if (pass == 1) {
                            h.recordValue(System.nanoTime() - t0);
                        } else if (r == 0) {
                            // EPLB plans from history: keep each microbatch's per-expert totals.
                            for (int e = 0; e < experts; e++) {
                                totals[b][e] = step.plan().expertLoad(e);
                            }
                        }
                    }
                }
            }
            double planSeconds = h.getValueAtPercentile(50) / 1e9;
            for (int b = 0; b < n; b++) {
                int[] loads = batches.get(b);
                BalancedStep step = balancer.step(0, loads);
                RelayPlan relay = step.relay();
                double mean = (double) step.plan().totalTokens() / ranks;
                ideal += mean * a.secondsPerToken();
                none += step.plan().initialMaxRankLoad() * a.secondsPerToken();
                double transfer = Math.max(0, relay.makespanSeconds() - a.overlapSeconds());
                keel += step.plan().maxRankLoad() * a.secondsPerToken() + transfer + planSeconds;
                exposed += transfer;
                tasks += step.tiles().taskCount();
                tiles += step.tiles().tileCount();
                channelSkew = Math.max(channelSkew, step.tiles().maxChannelBytesOverMean());
                planning += planSeconds;
                keelUnits += relay.makespanUnits();
                depth = Math.max(depth, relay.depth());
                lb += relay.lowerBoundUnits();
                lb2 += relay.depthTwoBoundUnits();
                double s = sqrtBalancer.step(0, loads).relay().makespanUnits();
                double d = directBalancer.step(0, loads).relay().makespanUnits();
                sqrt += s;
                direct += d;
                depthTwo += depthTwoBalancer.step(0, loads).relay().makespanUnits();
                if (relay.makespanUnits() > s * (1 + 1e-12)) {
                    worse++;
                }
                EplbPlan plan = eplb.rebalance(totals[b == 0 ? n - 1 : b - 1], 1);
                eplbTime += EpEvaluation.eplbImbalance(plan, totals[b], ranks, physical) * mean * a.secondsPerToken();
            }
        }
        return new Result(n, none, eplbTime, keel, ideal, exposed, planning, direct / n, sqrt / n, keelUnits / n, lb / n,
                worse, h, tasks / n, tiles / n, base.channels(), channelSkew, lb2 / n, depth, depthTwo / n);
    }

    /** {@code shape} with another expert state size. */
    public static ExpertLayout withState(ExpertLayout shape, long stateBytes) {
        int[] home = new int[shape.experts()];
        for (int e = 0; e < home.length; e++) {
            home[e] = shape.homeRank(e);
        }
        return ExpertLayout.withHomes(shape.ranks(), home, shape.slotsPerRank(), shape.domainSize(), stateBytes);
    }

    /**
     * The Zipf sweep (UltraEP's workload at initial imbalance 1.3 to 4.0, 64 ranks, 256 experts,
     * 2 slots, top-8, 8192 tokens per rank) and, given the moe-traces folder, the real traces, as a
     * report tree ({@code keel ep-sim}): {@code zipf} and {@code traces} rows, the mean relay
     * ratios, and the no-overlap table (every transfer exposed) by relay policy (DIRECT,
     * ULTRAEP_SQRT, keel's depth-2 trees, keel's trees of any depth).
     *
     * @param domain ranks per scale-up domain, a divisor of 64
     * @param traces the moe-traces folder, or {@code null} for the Zipf sweep alone
     * @return the report tree
     * @throws java.io.IOException if a trace file cannot be read
     */
    public static Map<String, Object> tables(int domain, Path traces) throws java.io.IOException {
        // The traces are read and checked before the minute-long sweep, so a bad file fails at once.
        Map<String, List<MoeTraces.SourceMatrix>> read = traces == null ? null : readTraces(traces);
        Assumptions a = Assumptions.deepSeekV3(8192, 8);
        QuotaPlanner.Options options = QuotaPlanner.Options.DEFAULTS;
        double sumRatio = 0;
        double sumRatio2 = 0;
        List<Map<String, Object>> zipf = new ArrayList<>();
        List<Map<String, Object>> noOverlap = new ArrayList<>();
        for (double imb : new double[] {1.3, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0}) {
            ExpertLayout shape = ExpertLayout.contiguous(64, 256, 2, domain, a.stateBytes());
            UltraEpWorkload w = new UltraEpWorkload(shape, 8, 8192, imb, 42);
            List<int[]> batches = new ArrayList<>();
            for (int b = 0; b < 8; b++) {
                int[] m = new int[64 * 256];
                w.fill(b, m);
                batches.add(m);
            }
            Result r = run(shape, options, batches, a, 200);
            Map<String, Object> row = row("zipf " + imb, r);
            row.put("initialImbalance", imb);
            zipf.add(row);
            Map<String, Object> n = Report.object();
            n.put("initialImbalance", imb);
            n.put("directPctOfIdeal", 100 * withoutOverlap(r, a, r.directUnits()));
            n.put("ultraepSqrtPctOfIdeal", 100 * withoutOverlap(r, a, r.ultraepUnits()));
            n.put("keelDepthTwoPctOfIdeal", 100 * withoutOverlap(r, a, r.keelDepthTwoUnits()));
            n.put("keelPctOfIdeal", 100 * withoutOverlap(r, a, r.keelUnits()));
            noOverlap.add(n);
            sumRatio += r.keelUnits() / r.lowerBoundUnits();
            sumRatio2 += r.keelUnits() / r.depthTwoBoundUnits();
        }
        Map<String, Object> out = Report.object();
        out.put("domain", domain);
        out.put("zipf", zipf);
        out.put("zipfMeanKeelOverLowerBound", sumRatio / zipf.size());
        out.put("zipfMeanKeelOverDepthTwoBound", sumRatio2 / zipf.size());
        out.put("noOverlap", noOverlap);
        if (read != null) {
            out.put("traces", traceRows(read, a));
        }
        return out;
    }

    /**
     * Every model's raw traces, in order; each model's matrices must share its first one's ranks and
     * experts. @throws IllegalArgumentException naming the model and layer otherwise
     */
    private static Map<String, List<MoeTraces.SourceMatrix>> readTraces(Path trace) throws java.io.IOException {
        Map<String, List<MoeTraces.SourceMatrix>> out = new java.util.LinkedHashMap<>();
        for (String model : MoeTraces.rawModels(trace)) {
            List<MoeTraces.SourceMatrix> all = MoeTraces.readRaw(trace, model);
            for (MoeTraces.SourceMatrix m : all) {
                MoeTraces.SourceMatrix first = all.get(0);
                if (m.ranks() != first.ranks() || m.experts() != first.experts()) {
                    throw new IllegalArgumentException(trace.resolve("raw").resolve(model) + ": layer " + m.layer() + " has "
                            + m.ranks() + " ranks x " + m.experts() + " experts, layer " + first.layer() + " has "
                            + first.ranks() + " x " + first.experts());
                }
            }
            out.put(model, all);
        }
        return out;
    }

    private static List<Map<String, Object>> traceRows(Map<String, List<MoeTraces.SourceMatrix>> read, Assumptions a) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, List<MoeTraces.SourceMatrix>> entry : read.entrySet()) {
            String model = entry.getKey();
            List<MoeTraces.SourceMatrix> all = entry.getValue();
            if (all.isEmpty()) {
                continue;
            }
            MoeTraces.SourceMatrix first = all.get(0);
            ExpertLayout shape = ExpertLayout.contiguous(first.ranks(), first.experts(), 2, first.ranks(), a.stateBytes());
            List<int[]> batches = new ArrayList<>();
            double sumNone = 0;
            double sumKeel = 0;
            double sumEplb = 0;
            double sumIdeal = 0;
            int steps = 0;
            int layer = first.layer();
            Result last = null;
            for (int i = 0; i <= all.size(); i++) {
                MoeTraces.SourceMatrix m = i < all.size() ? all.get(i) : null;
                if (m == null || m.layer() != layer) {
                    Result r = run(shape, QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(0), batches, a, 20);
                    sumNone += r.none();
                    sumKeel += r.keel();
                    sumEplb += r.eplb();
                    sumIdeal += r.ideal();
                    steps += r.steps();
                    last = r;
                    batches = new ArrayList<>();
                    if (m != null) {
                        layer = m.layer();
                    }
                }
                if (m != null) {
                    batches.add(m.loads());
                }
            }
            Map<String, Object> row = Report.object();
            row.put("workload", "raw/" + model + " (" + first.ranks() + " ranks, " + first.experts() + " experts, all layers)");
            row.put("steps", steps);
            row.put("keelPctOfIdeal", 100 * sumIdeal / sumKeel);
            row.put("eplbStalePctOfIdeal", 100 * sumIdeal / sumEplb);
            row.put("keelSpeedupOverNone", sumNone / sumKeel);
            row.put("eplbSpeedupOverNone", sumNone / sumEplb);
            row.put("planMicrosP50", last.stepNanos().getValueAtPercentile(50) / 1e3);
            rows.add(row);
        }
        return rows;
    }

    /** keel's fraction of ideal if the whole transfer were exposed, with trees of {@code units} S/B. */
    private static double withoutOverlap(Result r, Assumptions a, double units) {
        double compute = r.keel() - r.keelTransferExposed() - r.keelPlanning();
        double transfer = r.steps() * units * a.stateBytes() / a.linkBytesPerSecond();
        return r.ideal() / (compute + transfer + r.keelPlanning());
    }

    private static Map<String, Object> row(String what, Result r) {
        Map<String, Object> row = Report.object();
        row.put("workload", what);
        row.put("steps", r.steps());
        row.put("keelPctOfIdeal", 100 * r.keelFractionOfIdeal());
        row.put("eplbStalePctOfIdeal", 100 * r.eplbFractionOfIdeal());
        row.put("keelSpeedupOverNone", r.keelSpeedupOverNone());
        row.put("eplbSpeedupOverNone", r.eplbSpeedupOverNone());
        row.put("exposedTransferMsPerStep", 1e3 * r.keelTransferExposed() / r.steps());
        row.put("planMicrosP50", r.stepNanos().getValueAtPercentile(50) / 1e3);
        row.put("directSB", r.directUnits());
        row.put("ultraepSB", r.ultraepUnits());
        row.put("keelDepthTwoSB", r.keelDepthTwoUnits());
        row.put("keelSB", r.keelUnits());
        row.put("keelDepth", r.keelDepth());
        row.put("lowerBoundSB", r.lowerBoundUnits());
        row.put("keelOverLowerBound", r.keelUnits() / r.lowerBoundUnits());
        row.put("depthTwoBoundSB", r.depthTwoBoundUnits());
        row.put("keelOverDepthTwoBound", r.keelUnits() / r.depthTwoBoundUnits());
        row.put("keelWorseThanUltraep", r.keelWorseThanUltraep());
        return row;
    }
}
