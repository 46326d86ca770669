package io.keel.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.bench.sim.ep.DriftingZipfWorkload;
import io.keel.bench.sim.ep.MoeTraces;
import io.keel.bench.sim.ep.ServeReplay;
import io.keel.planners.ep.SlotLayout;

/**
 * The report of {@code keel ep --serve-replay}: {@link ServeReplay} over a processed routing trace
 * (each dataset's iterations in turn, so the load shifts at dataset boundaries) or over the
 * drifting-skew Zipf workload, as {@code strategies} (eplb, incremental-5/10/25, quota), the
 * spreading variant, the failure drills and the targets. Cold path.
 */
final class ServeReplayReport {
    /** What the command passes in. */
    record Settings(int rebalanceEvery, int maxMoves, List<ServeReplay.Failure> failures, int slots, long copyBytes,
                    Integer ranks, Integer ranksPerNode, ServeReplay.Options options) {
    }

    private ServeReplayReport() {
    }

    /** Parses {@code R@STEP}. */
    static ServeReplay.Failure failure(boolean node, String spec) {
        int at = spec.indexOf('@');
        try {
            if (at < 1) {
                throw new NumberFormatException();
            }
            return new ServeReplay.Failure(node, Integer.parseInt(spec.substring(0, at).strip()),
                    Integer.parseInt(spec.substring(at + 1).strip()));
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException((node ? "--fail-node" : "--fail-rank") + " must be TARGET@STEP, was " + spec);
        }
    }

    /** The replay over the trace at {@code trace}: the moe-traces folder (both models) or one processed CSV file. */
    static Map<String, Object> traces(Path trace, Settings s) {
        Map<String, Object> out = Report.object();
        List<Object> runs = new ArrayList<>();
        if (Files.isRegularFile(trace)) {
            runs.add(trace(trace.getFileName().toString(), MoeTraces.readProcessed(trace), s));
        } else if (Files.exists(MoeTraces.processedFile(trace, "qwen"))) {
            for (String model : List.of("qwen", "switch128")) {
                Path csv = MoeTraces.processedFile(trace, model);
                if (Files.exists(csv)) {
                    runs.add(trace(model, MoeTraces.readProcessed(csv), s));
                }
            }
        } else {
            throw new IllegalArgumentException("--trace must be a processed CSV file or the moe-traces folder for "
                    + "--serve-replay, was " + trace);
        }
        out.put("workloads", runs);
        return out;
    }

    private static Map<String, Object> trace(String name, List<MoeTraces.Totals> rows, Settings s) {
        int experts = rows.get(0).counts().length;
        List<Integer> layerIds = rows.stream().map(MoeTraces.Totals::layer).distinct().sorted().toList();
        Map<String, int[]> byStep = new LinkedHashMap<>();
        for (MoeTraces.Totals t : rows) {
            int[] loads = byStep.computeIfAbsent(t.dataset() + "/" + t.iteration(), k -> new int[layerIds.size() * experts]);
            System.arraycopy(t.counts(), 0, loads, layerIds.indexOf(t.layer()) * experts, experts);
        }
        List<int[]> steps = new ArrayList<>(byStep.values());
        int ranks = s.ranks() != null ? s.ranks() : EpCommand.largestDivisorUpTo8(experts);
        Map<String, Object> m = replay(name, steps, experts, layerIds.size(), ranks, s);
        m.put("datasets", rows.stream().map(MoeTraces.Totals::dataset).distinct().toList());
        return m;
    }

    /** The replay over the drifting-skew Zipf workload. */
    static Map<String, Object> zipf(int experts, int layers, int ranks, int steps, long tokensPerStep, long seed, Settings s) {
        DriftingZipfWorkload w = new DriftingZipfWorkload(experts, layers, tokensPerStep, 1.0, 0.4, 100, experts / 8, seed);
        Map<String, Object> m = replay("drifting-zipf", w.steps(steps), experts, layers, ranks, s);
        m.put("workload", "alpha 1.0 +- 0.4 (period 100 steps), " + experts / 8 + " adjacent rank swaps per layer and step, "
                + tokensPerStep + " tokens per layer and step, seed " + seed);
        Map<String, Object> out = Report.object();
        out.put("workloads", List.of(m));
        return out;
    }

    private static Map<String, Object> replay(String name, List<int[]> steps, int experts, int layers, int ranks,
                                              Settings s) {
        if (experts % ranks != 0) {
            throw new IllegalArgumentException("experts (" + experts + ") must be a multiple of ranks, was " + ranks);
        }
        int perNode = s.ranksPerNode() != null ? s.ranksPerNode() : (ranks % 2 == 0 ? ranks / 2 : ranks);
        SlotLayout layout = SlotLayout.uniform(ranks, experts / ranks + s.slots(), perNode);
        ServeReplay.Result r = ServeReplay.run(steps, experts, layers, 1, layout, s.copyBytes(), s.rebalanceEvery(),
                s.maxMoves(), s.failures(), s.options());
        Map<String, Object> m = Report.object();
        m.put("name", name);
        m.put("steps", steps.size());
        m.put("layers", layers);
        m.put("experts", experts);
        m.put("ranks", ranks);
        m.put("ranksPerNode", perNode);
        m.put("slotsPerRank", layout.slotsOf(0));
        m.put("rebalanceEvery", s.rebalanceEvery());
        m.put("copyBytes", s.copyBytes());
        if (s.options().skipThreshold() >= 1) {
            m.put("skipThreshold", s.options().skipThreshold());
        }
        if (s.options().batchBytes() > 0) {
            m.put("batchBytes", s.options().batchBytes());
        }
        m.put("strategies", strategies(r.strategies(), !s.failures().isEmpty(), s.options()));
        m.put("variants", strategies(r.variants(), !s.failures().isEmpty(), s.options()));
        if (!s.failures().isEmpty()) {
            m.put("drills", drills(r.drills()));
            m.put("lostExperts", lost(r.drills()));
        }
        m.put("target", target(r.strategies()));
        return m;
    }

    private static List<Object> strategies(List<ServeReplay.Strategy> list, boolean drilled, ServeReplay.Options o) {
        List<Object> out = new ArrayList<>();
        for (ServeReplay.Strategy st : list) {
            Map<String, Object> m = Report.object();
            m.put("name", st.name());
            m.put("movedCopies", st.movedCopies());
            m.put("movedBytes", st.movedBytes());
            Map<String, Object> imb = Report.object();
            imb.put("mean", st.meanImbalance());
            imb.put("p99", st.p99Imbalance());
            m.put("servedImbalance", imb);
            if (drilled && !st.name().equals("quota")) {
                m.put("lostExperts", st.lostExperts());
            }
            if (o.skipThreshold() >= 1 && !st.name().equals("quota")) {
                m.put("rebalances", st.rebalances());
                m.put("skippedLayers", st.skips().skippedLayers());
                m.put("skippedRebalances", st.skips().skippedRebalances());
            }
            if (st.skips().batches() >= 0) {
                m.put("batches", st.skips().batches());
                m.put("oversizedBatches", st.skips().oversizedBatches());
            }
            out.add(m);
        }
        return out;
    }

    private static List<Object> drills(List<ServeReplay.Drill> list) {
        List<Object> out = new ArrayList<>();
        for (ServeReplay.Drill d : list) {
            Map<String, Object> m = Report.object();
            m.put("kind", d.kind());
            m.put("target", d.target());
            m.put("step", d.step());
            m.put("strategy", d.strategy());
            m.put("lostExperts", d.lostExperts());
            m.put("worstNodeLossBefore", d.worstNodeLossBefore());
            m.put("imbalanceBeforeReplan", d.imbalanceBefore());
            m.put("imbalanceAfterReplan", d.imbalanceAfterReplan());
            m.put("replanMicros", d.replanMicros());
            m.put("restoredCopies", d.restoredCopies());
            out.add(m);
        }
        return out;
    }

    /** Lost experts per drill and strategy, keyed "kind target@step". */
    private static Map<String, Object> lost(List<ServeReplay.Drill> list) {
        Map<String, Object> out = Report.object();
        for (ServeReplay.Drill d : list) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) out.computeIfAbsent(d.kind() + " " + d.target() + "@" + d.step(),
                    k -> Report.object());
            m.put(d.strategy(), d.lostExperts());
        }
        return out;
    }

    /** Issue #16's target: within 1% of EPLB's served imbalance, at most 25% of its bytes. */
    private static Map<String, Object> target(List<ServeReplay.Strategy> list) {
        ServeReplay.Strategy eplb = list.get(0);
        Map<String, Object> out = Report.object();
        for (ServeReplay.Strategy st : list) {
            if (!st.name().startsWith("incremental")) {
                continue;
            }
            Map<String, Object> m = Report.object();
            double imb = st.meanImbalance() / eplb.meanImbalance();
            double bytes = eplb.movedBytes() == 0 ? 0 : (double) st.movedBytes() / eplb.movedBytes();
            m.put("imbalanceVsEplb", imb);
            m.put("bytesVsEplb", bytes);
            m.put("met", imb <= 1.01 && bytes <= 0.25);
            out.put(st.name(), m);
        }
        return out;
    }
}
