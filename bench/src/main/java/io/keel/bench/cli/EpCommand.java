package io.keel.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.bench.sim.ep.EpEvaluation;
import io.keel.bench.sim.ep.MoeTraces;
import io.keel.bench.sim.ep.UltraEpWorkload;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Option(names = "--domain", description = "Ranks per scale-up domain (default ${DEFAULT-VALUE}).")
    int domain = 64;

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

    @Option(names = "--rounds", description = "Timed plans per microbatch (default ${DEFAULT-VALUE}).")
    int rounds = 200;

    @Option(names = "--trace", description = "Replay shared/data/moe-traces (the folder) instead of the synthetic workload.")
    Path trace;

    @Override
    public void run() {
        EpEvaluation.Kind kind = EpEvaluation.Kind.parse(planner);
        QuotaPlanner.Options options = new QuotaPlanner.Options(minTokens, eps, true);
        Map<String, Object> r = trace == null ? synthetic(kind, options) : traces(kind, options);
        Report.print(System.out, r, output.json());
    }

    private Map<String, Object> synthetic(EpEvaluation.Kind kind, QuotaPlanner.Options options) {
        if (microbatches < 1) {
            throw new IllegalArgumentException("microbatches must be >= 1, was " + microbatches);
        }
        ExpertLayout layout = ExpertLayout.contiguous(ranks, experts, slots, domain, 0);
        UltraEpWorkload w = new UltraEpWorkload(layout, topk, tokensPerRank, imbalance, seed);
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
        summary(out, res);
        out.put("alpha", w.alpha());
        if (kind == EpEvaluation.Kind.QUOTA) {
            io.keel.bench.sim.ep.EpTransfersReport.addTo(out, layout, options, batches, rounds, tokensPerRank, topk);
        }
        return out;
    }

    static void summary(Map<String, Object> out, EpEvaluation.Result res) {
        out.put("initialImbalance", EpEvaluation.meanMax(res.initial()));
        out.put("finalImbalance", EpEvaluation.meanMax(res.finalImbalance()));
        out.put("lowerBoundImbalance", EpEvaluation.meanMax(res.lowerBound()));
        out.put("replicas", EpEvaluation.meanMax(res.replicas()));
        out.put("planMicros", Measure.micros(res.planNanos()));
        out.put("allocatedBytesPerPlan", res.allocatedBytesPerPlan());
        out.put("probes", EpEvaluation.meanMax(res.probes()));
    }

    private Map<String, Object> traces(EpEvaluation.Kind kind, QuotaPlanner.Options options) {
        if (!Files.isDirectory(trace)) {
            throw new IllegalArgumentException("--trace must be the moe-traces folder, was " + trace);
        }
        int traceRounds = Math.min(rounds, 20);
        List<Object> rows = new ArrayList<>();
        // Per-source raw traces: the layout is the trace's own (its ranks, its experts, one domain).
        for (String model : MoeTraces.rawModels(trace)) {
            List<MoeTraces.SourceMatrix> all = MoeTraces.readRaw(trace, model);
            if (all.isEmpty()) {
                continue;
            }
            MoeTraces.SourceMatrix first = all.get(0);
            ExpertLayout layout = ExpertLayout.contiguous(first.ranks(), first.experts(), slots, first.ranks(), 0);
            int layer = -1;
            List<int[]> batches = new ArrayList<>();
            for (int i = 0; i <= all.size(); i++) {
                MoeTraces.SourceMatrix m = i < all.size() ? all.get(i) : null;
                if (m == null || m.layer() != layer) {
                    if (!batches.isEmpty()) {
                        rows.add(row("raw/" + model, layer, layout, kind, options, batches, traceRounds));
                    }
                    batches = new ArrayList<>();
                    layer = m == null ? -1 : m.layer();
                }
                if (m != null) {
                    batches.add(m.loads());
                }
            }
        }
        // Processed per-dataset totals: on the raw trace's layout of the same model (ranks x experts).
        for (String model : List.of("qwen", "switch128")) {
            Path csv = MoeTraces.processedFile(trace, model);
            if (!Files.exists(csv)) {
                continue;
            }
            List<MoeTraces.Totals> all = MoeTraces.readProcessed(csv);
            int e = all.get(0).counts().length;
            int rks = model.equals("qwen") ? 6 : 8;
            ExpertLayout layout = ExpertLayout.contiguous(rks, e, slots, rks, 0);
            Map<String, List<int[]>> groups = new java.util.TreeMap<>();
            for (MoeTraces.Totals t : all) {
                // Totals carry no source: put them on one row so the matrix planner sees them as sums.
                int[] m = new int[rks * e];
                System.arraycopy(t.counts(), 0, m, 0, e);
                groups.computeIfAbsent(t.dataset() + "/" + String.format("%03d", t.layer()), k -> new ArrayList<>()).add(m);
            }
            for (Map.Entry<String, List<int[]>> g : groups.entrySet()) {
                String[] parts = g.getKey().split("/");
                rows.add(row(model + "/" + parts[0], Integer.parseInt(parts[1]), layout, kind, options, g.getValue(), traceRounds));
            }
        }
        Map<String, Object> out = Report.object();
        out.put("planner", kind.label());
        out.put("slots", slots);
        out.put("trace", trace.toString());
        out.put("layers", rows);
        return out;
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
