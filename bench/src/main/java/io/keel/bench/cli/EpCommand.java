package io.keel.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.bench.sim.ep.EpEvaluation;
import io.keel.bench.sim.ep.MoeTraces;
import io.keel.bench.sim.ep.UltraEpWorkload;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keel ep}: expert replication on UltraEP's synthetic router workload (defaults = UltraEP's
 * README run) or on the real traces of {@code shared/data/moe-traces} ({@code --trace}).
 */
@Command(name = "ep", mixinStandardHelpOptions = true,
        description = "Plan expert replicas (quota planner, EPLB or none) on a synthetic or real MoE workload.")
public final class EpCommand implements Runnable {
    @Mixin
    JsonOption output;

    @Option(names = "--ranks", description = "Expert-parallel ranks (default ${DEFAULT-VALUE}).")
    int ranks = 64;

    @Option(names = "--experts", description = "Logical experts (default ${DEFAULT-VALUE}).")
    int experts = 256;

    @Option(names = "--slots", description = "Redundant slots per rank (default ${DEFAULT-VALUE}).")
    int slots = 2;

    @Option(names = "--domain", description = "Ranks per scale-up domain (default: 64, or --ranks when fewer).")
    Integer domainOption;

    int domain;

    @Option(names = "--topk", description = "Experts per token (default ${DEFAULT-VALUE}).")
    int topk = 8;

    @Option(names = "--tokens-per-rank", description = "Tokens per source rank (default ${DEFAULT-VALUE}).")
    int tokensPerRank = 8192;

    @Option(names = "--imbalance", description = "Target initial rank imbalance max/mean (default ${DEFAULT-VALUE}).")
    double imbalance = 2.0;

    @Option(names = "--microbatches", description = "Microbatches (default ${DEFAULT-VALUE}).")
    int microbatches = 8;

    @Option(names = "--seed", description = "Workload seed (default ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--planner", description = "quota, eplb or none (default ${DEFAULT-VALUE}).")
    String planner = "quota";

    @Option(names = "--min-tokens", description = "Quota planner: smallest replica (default ${DEFAULT-VALUE}).")
    int minTokens = 1024;

    @Option(names = "--eps", description = "Quota planner: accepted slack over the lower bound (default ${DEFAULT-VALUE}).")
    double eps = 0.0;

    @Option(names = "--borrow-input", description = "Quota planner: read each microbatch's matrix in place instead of "
            + "copying it (QuotaPlanner.Options.borrowInput; same plans, one copy less per plan).")
    boolean borrowInput;

    @Option(names = "--rounds", description = "Timed plans per microbatch (default ${DEFAULT-VALUE}).")
    int rounds = 200;

    @Option(names = "--trace", paramLabel = "PATH",
            description = "Replay a routing trace instead of the synthetic workload: a processed CSV file, "
                    + "a per-source raw layout folder (<rank>/moe_layer-<L>.csv) or the moe-traces folder. "
                    + "A CSV has no sources: its layout has --ranks ranks if given, else the largest divisor "
                    + "of its expert count up to 8.")
    Path trace;

    @Option(names = "--serve-replay",
            description = "Serving replay of periodic rebalancing: EPLB from scratch, keel incremental under 5/10/25%% "
                    + "budgets, the quota planner; over --trace (a processed CSV or the moe-traces folder) or the "
                    + "drifting-skew Zipf workload.")
    boolean serveReplay;

    @Option(names = "--rebalance-every", description = "Replay: steps between rebalances, also the window (default ${DEFAULT-VALUE}).")
    int rebalanceEvery = 10;

    @Option(names = "--max-moves", description = "Replay: cap on each incremental strategy's copies moved per rebalance.")
    int maxMoves = Integer.MAX_VALUE;

    @Option(names = "--fail-rank", paramLabel = "R@STEP", description = "Replay: rank R fails before step STEP (repeatable).")
    List<String> failRanks = new ArrayList<>();

    @Option(names = "--fail-node", paramLabel = "N@STEP", description = "Replay: every rank of node N fails before step STEP.")
    List<String> failNodes = new ArrayList<>();

    @Option(names = "--ranks-per-node", description = "Replay: ranks per node, the failure domain (default: half the ranks).")
    Integer ranksPerNode;

    @Option(names = "--layers", description = "Replay, synthetic: MoE layers (default ${DEFAULT-VALUE}).")
    int layers = 8;

    @Option(names = "--steps", description = "Replay, synthetic: steps (default ${DEFAULT-VALUE}).")
    int steps = 200;

    @Option(names = "--copy-bytes", description = "Replay: bytes of one expert copy (default ${DEFAULT-VALUE}: "
            + "3 x 2048 x 1408 bf16, a Qwen1.5-MoE-A2.7B expert).")
    long copyBytes = 3L * 2048 * 1408 * 2;

    @Option(names = "--skip-threshold", description = "Replay: a layer whose current max/mean on the window is at or "
            + "below this keeps its placement at that rebalance (default ${DEFAULT-VALUE}: never skip).")
    double skipThreshold = 0;

    @Option(names = "--batch-bytes", description = "Replay: order each incremental plan's moves into batches of at most "
            + "this many bytes and count them (default ${DEFAULT-VALUE}: not batched).")
    long batchBytes = 0;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (serveReplay) {
            Report.print(System.out, serveReplay(), output.json());
            return;
        }
        EpEvaluation.Kind kind = Arguments.from(spec, () -> EpEvaluation.Kind.parse(planner));
        QuotaPlanner.Options options = Arguments.from(spec, () -> new QuotaPlanner.Options(minTokens, eps, true, borrowInput));
        if (rounds < 1) {
            throw Arguments.bad(spec, "--rounds must be >= 1, was " + rounds);
        }
        Map<String, Object> r = trace == null ? synthetic(kind, options) : traces(kind, options);
        Report.print(System.out, r, output.json());
    }

    private Map<String, Object> serveReplay() {
        if (rebalanceEvery < 1 || maxMoves < 0 || copyBytes < 0 || slots < 0) {
            throw Arguments.bad(spec, "--rebalance-every must be >= 1, --max-moves, --copy-bytes and --slots >= 0");
        }
        if (Double.isNaN(skipThreshold) || batchBytes < 0 || (batchBytes > 0 && batchBytes < copyBytes)) {
            throw Arguments.bad(spec, "--skip-threshold must be a number and --batch-bytes 0 or >= --copy-bytes ("
                    + copyBytes + "), was " + batchBytes);
        }
        List<io.keel.bench.sim.ep.ServeReplay.Failure> failures = new ArrayList<>();
        for (String f : failRanks) {
            failures.add(Arguments.from(spec, () -> ServeReplayReport.failure(false, f)));
        }
        for (String f : failNodes) {
            failures.add(Arguments.from(spec, () -> ServeReplayReport.failure(true, f)));
        }
        boolean ranksGiven = spec.commandLine().getParseResult().hasMatchedOption("--ranks");
        if (ranksGiven && ranks < 1) {
            throw Arguments.bad(spec, "--ranks must be >= 1, was " + ranks);
        }
        ServeReplayReport.Settings s = new ServeReplayReport.Settings(rebalanceEvery, maxMoves, failures, slots, copyBytes,
                ranksGiven ? ranks : null, ranksPerNode, new io.keel.bench.sim.ep.ServeReplay.Options(skipThreshold, batchBytes));
        if (trace != null) {
            return Arguments.from(spec, () -> ServeReplayReport.traces(trace, s));
        }
        boolean expertsGiven = spec.commandLine().getParseResult().hasMatchedOption("--experts");
        int e = expertsGiven ? experts : 128;
        int r = ranksGiven ? ranks : 16;
        if (steps < 2 || layers < 1) {
            throw Arguments.bad(spec, "--steps must be >= 2 and --layers >= 1");
        }
        return Arguments.from(spec, () -> ServeReplayReport.zipf(e, layers, r, steps, (long) tokensPerRank * r * topk, seed, s));
    }

    private Map<String, Object> synthetic(EpEvaluation.Kind kind, QuotaPlanner.Options options) {
        if (microbatches < 1) {
            throw Arguments.bad(spec, "--microbatches must be >= 1, was " + microbatches);
        }
        domain = domainOption != null ? domainOption : Math.min(64, ranks);
        if (ranks > 0 && experts > 0 && (long) ranks * experts > Integer.MAX_VALUE - 16) {
            throw Arguments.bad(spec, "--ranks x --experts must be < 2^31 (one microbatch's load matrix), was "
                    + ranks + " x " + experts);
        }
        // The microbatches' matrices, and the planners' and the evaluation's working copies beside them.
        HeapCheck.require(spec, 4.0 * ranks * experts * (microbatches + 8), "--ranks " + ranks + " x --experts "
                + experts + " x --microbatches " + microbatches);
        ExpertLayout layout = Arguments.from(spec, () -> ExpertLayout.contiguous(ranks, experts, slots, domain, 0));
        UltraEpWorkload w = Arguments.from(spec, () -> new UltraEpWorkload(layout, topk, tokensPerRank, imbalance, seed));
        List<int[]> batches = new ArrayList<>();
        for (int b = 0; b < microbatches; b++) {
            int[] m = new int[ranks * experts];
            w.fill(b, m);
            batches.add(m);
        }
        EpEvaluation.Result res = EpEvaluation.run(layout, options, kind, batches, rounds);
        Map<String, Object> out = Report.object();
        out.put("planner", kind.label());
        out.put("ranks", ranks);
        out.put("experts", experts);
        out.put("slots", slots);
        out.put("domain", domain);
        out.put("microbatches", microbatches);
        out.put("borrowInput", options.borrowInput());
        out.put("columnSums", QuotaPlanner.columnSumImplementation());
        summary(out, res);
        out.put("alpha", w.alpha());
        if (kind == EpEvaluation.Kind.QUOTA) {
            // The transfer plan's tile table bounds the slots it can describe (--slots 100000 at 8 ranks is over it).
            try {
                io.keel.bench.sim.ep.EpTransfersReport.addTo(out, layout, options, batches, rounds, tokensPerRank, topk);
            } catch (IllegalArgumentException e) {
                throw Arguments.bad(spec, "--slots " + slots + " is more than the transfer plan can tile: " + e.getMessage());
            }
        }
        return out;
    }

    static void summary(Map<String, Object> out, EpEvaluation.Result res) {
        out.put("initialImbalance", EpEvaluation.meanMax(res.initial()));
        out.put("finalImbalance", EpEvaluation.meanMax(res.finalImbalance()));
        out.put("lowerBoundImbalance", EpEvaluation.meanMax(res.lowerBound()));
        out.put("replicas", EpEvaluation.meanMax(res.replicas()));
        out.put("tokensOffSource", res.tokensOffSource());
        out.put("planMicros", Measure.micros(res.planNanos()));
        out.put("allocatedBytesPerPlan", res.allocatedBytesPerPlan());
        out.put("allocatedBytesPerPlanMin", res.allocatedBytesPerPlanMin());
        out.put("probes", EpEvaluation.meanMax(res.probes()));
    }

    private Map<String, Object> traces(EpEvaluation.Kind kind, QuotaPlanner.Options options) {
        int traceRounds = Math.min(rounds, 20);
        List<Object> rows = new ArrayList<>();
        String name = trace.getFileName() == null ? trace.toString() : trace.getFileName().toString();
        if (Files.isRegularFile(trace)) {
            List<MoeTraces.Totals> all = Arguments.from(spec, () -> MoeTraces.readProcessed(trace));
            int e = all.get(0).counts().length;
            boolean ranksGiven = spec.commandLine().getParseResult().hasMatchedOption("--ranks");
            if (ranksGiven && ranks < 1) {
                throw Arguments.bad(spec, "--ranks must be >= 1, was " + ranks);
            }
            processed(rows, name, all, ranksGiven ? ranks : largestDivisorUpTo8(e), kind, options, traceRounds);
        } else if (MoeTraces.isRawLayout(trace)) {
            raw(rows, name, Arguments.from(spec, () -> MoeTraces.readRawLayout(trace, name)), kind, options, traceRounds);
        } else if (Files.isDirectory(trace.resolve("raw")) || Files.exists(MoeTraces.processedFile(trace, "qwen"))) {
            // The moe-traces folder: its raw per-source traces, then its processed per-dataset totals
            // on the raw trace's layout of the same model (ranks x experts).
            if (Files.isDirectory(trace.resolve("raw"))) {
                for (String model : MoeTraces.rawModels(trace)) {
                    raw(rows, "raw/" + model, Arguments.from(spec, () -> MoeTraces.readRaw(trace, model)), kind, options,
                            traceRounds);
                }
            }
            for (String model : List.of("qwen", "switch128")) {
                Path csv = MoeTraces.processedFile(trace, model);
                if (Files.exists(csv)) {
                    processed(rows, model, Arguments.from(spec, () -> MoeTraces.readProcessed(csv)),
                            model.equals("qwen") ? 6 : 8, kind, options, traceRounds);
                }
            }
        } else {
            throw Arguments.bad(spec, "--trace must be a processed CSV file, a per-source raw layout folder "
                    + "(<rank>/moe_layer-<L>.csv) or the moe-traces folder, was " + trace);
        }
        Map<String, Object> out = Report.object();
        out.put("planner", kind.label());
        out.put("slots", slots);
        out.put("borrowInput", options.borrowInput());
        out.put("columnSums", QuotaPlanner.columnSumImplementation());
        out.put("trace", trace.toString());
        out.put("layers", rows);
        return out;
    }

    /** Per-source matrices, in layer order: the layout is the trace's own (its ranks and experts, one domain). */
    private void raw(List<Object> rows, String source, List<MoeTraces.SourceMatrix> all, EpEvaluation.Kind kind,
                     QuotaPlanner.Options options, int traceRounds) {
        if (all.isEmpty()) {
            return;
        }
        MoeTraces.SourceMatrix first = all.get(0);
        ExpertLayout layout = Arguments.from(spec,
                () -> ExpertLayout.contiguous(first.ranks(), first.experts(), slots, first.ranks(), 0));
        int layer = -1;
        List<int[]> batches = new ArrayList<>();
        for (int i = 0; i <= all.size(); i++) {
            MoeTraces.SourceMatrix m = i < all.size() ? all.get(i) : null;
            if (m == null || m.layer() != layer) {
                if (!batches.isEmpty()) {
                    rows.add(row(source, layer, layout, kind, options, batches, traceRounds));
                }
                batches = new ArrayList<>();
                layer = m == null ? -1 : m.layer();
            }
            if (m != null) {
                if (m.loads().length != layout.ranks() * layout.experts()) {
                    throw Arguments.bad(spec, "--trace " + source + ": layer " + m.layer() + " has "
                            + m.ranks() + " x " + m.experts() + " loads, layer " + first.layer() + " has "
                            + first.ranks() + " x " + first.experts());
                }
                batches.add(m.loads());
            }
        }
    }

    /** Per-dataset totals: they carry no source, so they sit on one row and the planner sees them as sums. */
    private void processed(List<Object> rows, String source, List<MoeTraces.Totals> all, int rks, EpEvaluation.Kind kind,
                           QuotaPlanner.Options options, int traceRounds) {
        int e = all.get(0).counts().length;
        ExpertLayout layout = Arguments.from(spec, () -> ExpertLayout.contiguous(rks, e, slots, rks, 0));
        Map<String, List<int[]>> groups = new TreeMap<>();
        for (MoeTraces.Totals t : all) {
            int[] m = new int[rks * e];
            System.arraycopy(t.counts(), 0, m, 0, e);
            groups.computeIfAbsent(t.dataset() + "/" + String.format(Locale.ROOT, "%06d", t.layer()),
                    k -> new ArrayList<>()).add(m);
        }
        for (Map.Entry<String, List<int[]>> g : groups.entrySet()) {
            int slash = g.getKey().lastIndexOf('/');
            rows.add(row(source + "/" + g.getKey().substring(0, slash), Integer.parseInt(g.getKey().substring(slash + 1)),
                    layout, kind, options, g.getValue(), traceRounds));
        }
    }

    /** The largest divisor of {@code experts} that is at most 8 (one node of GPUs). */
    static int largestDivisorUpTo8(int experts) {
        for (int r = 8; r > 1; r--) {
            if (experts % r == 0) {
                return r;
            }
        }
        return 1;
    }

    private static Map<String, Object> row(String source, int layer, ExpertLayout layout, EpEvaluation.Kind kind,
                                           QuotaPlanner.Options options, List<int[]> batches, int rounds) {
        EpEvaluation.Result res = EpEvaluation.run(layout, options, kind, batches, rounds);
        Map<String, Object> m = Report.object();
        m.put("dataset", source);
        m.put("layer", layer);
        m.put("planner", kind.label());
        m.put("ranks", layout.ranks());
        m.put("experts", layout.experts());
        m.put("slots", layout.slotsPerRank());
        m.put("domain", layout.domainSize());
        m.put("microbatches", batches.size());
        summary(m, res);
        return m;
    }
}
