package io.keel.bench.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.bench.sim.rollout.Policy;
import io.keel.bench.sim.rollout.RolloutConfig;
import io.keel.bench.sim.rollout.RolloutResult;
import io.keel.bench.sim.rollout.RolloutSimulator;
import io.keel.bench.sim.rollout.RolloutWorkload;
import io.keel.core.Checks;
import io.keel.planners.rollout.DecodeTimeTable;
import io.keel.planners.rollout.TrajectoryPlacer;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code keel rollout}: simulates one agentic RL rollout under the baselines and keel (Heddle's
 * trajectory-centric planning) and reports makespan, throughput, queueing, idle GPUs and
 * migrations per policy, keel's speedup over the better baseline and the placer's latency.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = "Simulate an agentic rollout: fcfs / sticky baselines vs keel's rollout planners.")
public final class RolloutCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    JsonOption output;

    @Option(names = "--trajectories", defaultValue = "1024", description = "Trajectories (GRPO groups of 16). Default: ${DEFAULT-VALUE}.")
    int trajectories;

    @Option(names = "--instances", defaultValue = "64", description = "Instances of the baselines. Default: ${DEFAULT-VALUE}.")
    int instances;

    @Option(names = "--gpus", defaultValue = "64", description = "GPUs. Default: ${DEFAULT-VALUE}.")
    int gpus;

    @Option(names = "--policy", defaultValue = "all", description = "all | fcfs | sticky | keel. Default: ${DEFAULT-VALUE}.")
    String policy;

    @Option(names = "--seed", defaultValue = "42", description = "Workload seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--ablations", description = "Also run keel with one part switched off at a time.")
    boolean ablations;

    @Option(names = "--preemption-margin", paramLabel = "M",
            description = "Turn keel's preemption on: a waiting trajectory predicted (1 + M) times longer than the shortest running one preempts it (recompute on resume). Default: off.")
    Double preemptionMargin;

    @Option(names = "--decode-table", paramLabel = "CSV",
            description = "Per-token decode time table (header batch,1,2,4,8; ms per token). Default: Llama-2-70B on H100.")
    Path decodeTable;

    @Override
    public void run() {
        if (trajectories < 16 || trajectories > 1 << 16) {
            throw bad("--trajectories must be in [16, 65536], was " + trajectories);
        }
        List<Policy> policies = switch (policy) {
            case "all" -> List.of(Policy.fcfs(), Policy.sticky(), Policy.keel());
            case "fcfs" -> List.of(Policy.fcfs());
            case "sticky" -> List.of(Policy.sticky());
            case "keel" -> List.of(Policy.keel());
            default -> throw bad("--policy must be all, fcfs, sticky or keel, was " + policy);
        };
        if (gpus <= 0 || instances <= 0 || gpus % instances != 0 || gpus / instances > 8) {
            throw bad("--gpus (" + gpus + ") must be 1, 2, 4 or 8 times --instances (" + instances + ")");
        }
        RolloutConfig cfg = Arguments.from(spec, () -> RolloutConfig.defaults(gpus, instances));
        if (preemptionMargin != null) {
            double margin = Arguments.from(spec, () -> Checks.nonNegativeFinite("--preemption-margin", preemptionMargin));
            cfg = cfg.withPreemptionMargin(margin);
        }
        if (decodeTable != null) {
            String csv;
            try {
                csv = Files.readString(decodeTable);
            } catch (IOException e) {
                throw bad("cannot read --decode-table " + decodeTable + ": " + e.getMessage());
            }
            RolloutConfig base = cfg;
            cfg = Arguments.from(spec, () -> base.withTable(DecodeTimeTable.parseCsv(csv)));
        }
        Map<String, Object> r = simulate(trajectories, cfg, seed, policies, ablations);
        Report.print(System.out, r, output.json());
    }

    private picocli.CommandLine.ParameterException bad(String message) {
        return Arguments.bad(spec, message);
    }

    /** Runs the policies and builds the report (shared with the demo section). */
    static Map<String, Object> simulate(int n, RolloutConfig cfg, long seed, List<Policy> policies, boolean ablations) {
        RolloutWorkload w = RolloutWorkload.generate(RolloutWorkload.Params.defaults(n), seed, 0);
        Map<String, Object> r = Report.object();
        List<Policy> all = new ArrayList<>(policies);
        if (ablations) {
            all.addAll(Policy.ablations());
        }
        double bestBaseline = 0;
        double keelRate = Double.NaN;
        RolloutResult keel = null;
        for (Policy p : all) {
            RolloutResult res = RolloutSimulator.run(w, cfg, p, seed);
            r.put(p.name(), row(res));
            if (p.routing() != Policy.Routing.KEEL) {
                bestBaseline = Math.max(bestBaseline, res.tokensPerSecond());
            } else if (p.name().equals("keel")) {
                keelRate = res.tokensPerSecond();
                keel = res;
            }
        }
        if (bestBaseline > 0 && !Double.isNaN(keelRate)) {
            r.put("speedupOverBestBaseline", keelRate / bestBaseline);
        }
        if (keel != null) {
            r.put("predictor", predictorReport(keel));
        }
        r.put("placementMicros", placementMicros(w, cfg, seed));
        Map<String, Object> wl = Report.object();
        wl.put("trajectories", n);
        wl.put("groups", w.groups());
        wl.put("steps", w.totalSteps());
        wl.put("tokens", w.totalTokens());
        wl.put("gpus", cfg.gpus());
        wl.put("makespanLowerBoundSeconds", w.lowerBoundSeconds(cfg.table(), cfg.prefillTokensPerSecondPerGpu()));
        wl.put("seed", seed);
        r.put("workload", wl);
        return r;
    }

    /** keel's predictor quality at a few step indices, and the worst over steps 1..45. */
    static Map<String, Object> predictorReport(RolloutResult keel) {
        Map<String, Object> pred = Report.object();
        double min = Double.POSITIVE_INFINITY;
        for (int k = 1; k <= 45 && k < keel.tailRecall().length; k++) {
            min = Math.min(min, keel.tailRecall()[k]);
        }
        pred.put("tailRecallMinSteps1to45", min);
        for (int k : new int[] {0, 1, 2, 5, 10, 20, 45}) {
            if (k < keel.tailRecall().length) {
                Map<String, Object> at = Report.object();
                at.put("tailRecall", keel.tailRecall()[k]);
                at.put("survivorTailRecall", keel.survivorTailRecall()[k]);
                at.put("pearson", keel.pearson()[k]);
                pred.put("step" + k, at);
            }
        }
        return pred;
    }

    private static Map<String, Object> row(RolloutResult res) {
        Map<String, Object> m = Report.object();
        m.put("makespanSeconds", res.makespanSeconds());
        m.put("tokensPerSecond", res.tokensPerSecond());
        m.put("p99QueueSeconds", res.p99QueueSeconds());
        m.put("maxQueueSeconds", res.maxQueueSeconds());
        m.put("idleShare", res.idleShare());
        m.put("migrations", res.migrations());
        m.put("preemptions", res.preemptions());
        m.put("prefillTokens", res.prefillTokens());
        m.put("instances", res.instances());
        m.put("finished", res.finished());
        return m;
    }

    /** Latency of the presorted-DP placer on keel's initial predictions over the baselines' instances. */
    private static Map<String, Object> placementMicros(RolloutWorkload w, RolloutConfig cfg, long seed) {
        int n = w.trajectories();
        double[] predicted = RolloutSimulator.initialPredictions(w, seed, true);
        int m = cfg.instances();
        int[] degrees = new int[m];
        int[] limits = new int[m];
        java.util.Arrays.fill(degrees, cfg.gpus() / cfg.instances());
        java.util.Arrays.fill(limits, cfg.maxBatch());
        TrajectoryPlacer placer = new TrajectoryPlacer(n, m, cfg.maxBatch(), cfg.table());
        for (int i = 0; i < 2000; i++) {
            placer.place(predicted, n, degrees, limits, m);
        }
        Histogram h = Measure.nanosHistogram();
        for (int i = 0; i < 2000; i++) {
            long t0 = System.nanoTime();
            placer.place(predicted, n, degrees, limits, m);
            h.recordValue(System.nanoTime() - t0);
        }
        Map<String, Object> out = Measure.micros(h);
        out.put("n", n);
        out.put("m", m);
        return out;
    }
}
