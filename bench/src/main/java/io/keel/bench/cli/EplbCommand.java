package io.keel.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.EplbRebalancer;
import io.keel.planners.ep.MoveBatcher;
import io.keel.planners.ep.NodeFailureExposure;
import io.keel.planners.ep.RebalancePlan;
import io.keel.planners.ep.SlotLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keel eplb}: DeepSeek EPLB's {@code rebalance_experts} on the given per-layer loads, or, with
 * {@code --current}, {@code --max-moves}, {@code --exclude-ranks} or {@code --spread-hot}, keel's
 * incremental rebalance ({@link EplbRebalancer}) from a running placement.
 */
@Command(name = "eplb", mixinStandardHelpOptions = true,
        description = "EPLB-compatible rebalance: phy2log, log2phy and logcnt for per-layer expert loads; "
                + "incremental from a current placement under a move budget, over surviving ranks.")
public final class EplbCommand implements Runnable {
    @Mixin
    JsonOption output;

    @Option(names = "--weights", required = true,
            description = "Loads per layer and expert as a JSON array of arrays, e.g. '[[90,132],[20,107]]'.")
    String weights;

    @Option(names = "--replicas", required = true, description = "Physical experts per layer.")
    int replicas;

    @Option(names = "--groups", required = true, description = "Expert groups.")
    int groups;

    @Option(names = "--nodes", required = true, description = "Server nodes.")
    int nodes;

    @Option(names = "--gpus", required = true, description = "GPUs. EPLB's hierarchical policy needs a multiple of "
            + "--nodes (otherwise it takes the global one, as eplb.py does); the incremental options need one.")
    int gpus;

    @Option(names = "--current", paramLabel = "PHY2LOG_JSON",
            description = "The placement in effect, phy2log per layer as a JSON array of arrays (-1 = empty slot).")
    String current;

    @Option(names = "--max-moves", description = "Most copies moved beyond restoring lost experts (default: no limit; "
            + "needs --current).")
    int maxMoves = Integer.MAX_VALUE;

    @Option(names = "--exclude-ranks", split = ",", paramLabel = "R",
            description = "Failed or draining ranks: planned without; their slots read -1.")
    int[] excludeRanks;

    @Option(names = "--skip-below", description = "Keep layers whose current max/mean is at or below this (default: never; "
            + "needs --current).")
    double skipBelow;

    @Option(names = "--spread-hot", description = "Put the copies of replicated experts in at least two nodes.")
    boolean spreadHot;

    @Option(names = "--copy-bytes", description = "Bytes of one expert copy, for movedBytes (default ${DEFAULT-VALUE}).")
    long copyBytes = 1;

    @Option(names = "--batch-bytes", description = "Batch the moves, at most this many bytes per step.")
    long batchBytes;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (current != null || excludeRanks != null || spreadHot || maxMoves != Integer.MAX_VALUE || skipBelow != 0
                || batchBytes != 0) {
            incremental();
            return;
        }
        List<int[]> rows = Arguments.from(spec, () -> parse("--weights", weights));
        int experts = rows.get(0).length;
        int[] flat = new int[rows.size() * experts];
        for (int l = 0; l < rows.size(); l++) {
            if (rows.get(l).length != experts) {
                throw Arguments.bad(spec, "--weights: layer " + l + " has " + rows.get(l).length
                        + " experts, layer 0 has " + experts);
            }
            System.arraycopy(rows.get(l), 0, flat, l * experts, experts);
        }
        requirePlanHeap(rows.size(), experts);
        // Every value the planner checks (sizes, divisibility, negative weights) comes from the options.
        EplbPlan p = Arguments.from(spec,
                () -> new EplbPlanner(rows.size(), experts, replicas, groups, nodes, gpus).rebalance(flat, rows.size()));
        List<Object> phy2log = new ArrayList<>();
        List<Object> log2phy = new ArrayList<>();
        List<Object> logcnt = new ArrayList<>();
        for (int l = 0; l < p.layers(); l++) {
            int[] row = new int[replicas];
            for (int i = 0; i < replicas; i++) {
                row[i] = p.phy2log(l, i);
            }
            phy2log.add(row);
            List<Object> layer = new ArrayList<>();
            int[] cnt = new int[experts];
            for (int e = 0; e < experts; e++) {
                int[] slots = new int[p.maxLogicalCount()];
                for (int k = 0; k < slots.length; k++) {
                    slots[k] = p.log2phy(l, e, k);
                }
                layer.add(slots);
                cnt[e] = p.logcnt(l, e);
            }
            log2phy.add(layer);
            logcnt.add(cnt);
        }
        Map<String, Object> r = Report.object();
        r.put("policy", p.hierarchical() ? "hierarchical" : "global");
        r.put("phy2log", phy2log);
        r.put("log2phy", log2phy);
        r.put("logcnt", logcnt);
        Report.print(System.out, r, output.json());
    }

    private int[] flat(String option, String json, int width) {
        List<int[]> rows = Arguments.from(spec, () -> parse(option, json));
        int[] flat = new int[rows.size() * width];
        for (int l = 0; l < rows.size(); l++) {
            if (rows.get(l).length != width) {
                throw Arguments.bad(spec, option + ": layer " + l + " has " + rows.get(l).length + " values, expected "
                        + width);
            }
            System.arraycopy(rows.get(l), 0, flat, l * width, width);
        }
        return flat;
    }

    /**
     * Refuses a plan whose tables would not fit the heap: per layer, phy2log and the replicas' ranks
     * ({@code replicas} ints each), logcnt ({@code experts}) and log2phy ({@code experts x (replicas -
     * experts + 1)}), twice over for the planner's and the output's copies.
     */
    private void requirePlanHeap(int layers, int experts) {
        double cells = (double) layers * (2.0 * replicas + experts + (double) experts * Math.max(1, replicas - experts + 1));
        HeapCheck.require(spec, 2 * 4 * cells, "--replicas " + replicas + " for " + layers + " layers of " + experts
                + " experts");
    }

    private void incremental() {
        if (current == null && (maxMoves != Integer.MAX_VALUE || skipBelow != 0)) {
            throw Arguments.bad(spec, "--max-moves and --skip-below need --current: without a placement in effect "
                    + "every copy is placed fresh");
        }
        if (excludeRanks != null && java.util.Arrays.stream(excludeRanks).filter(x -> x >= 0 && x < gpus).distinct().count()
                >= Math.max(1, gpus)) {
            throw Arguments.bad(spec, "--exclude-ranks leaves no rank to place experts on");
        }
        int experts = Arguments.from(spec, () -> parse("--weights", weights)).get(0).length;
        int[] w = flat("--weights", weights, experts);
        int layers = w.length / experts;
        if (gpus < 1 || nodes < 1 || gpus % nodes != 0 || replicas % Math.max(1, gpus) != 0 || replicas < 1) {
            throw Arguments.bad(spec, "--replicas must be a positive multiple of --gpus, and --gpus a multiple of --nodes, were "
                    + replicas + ", " + gpus + ", " + nodes);
        }
        requirePlanHeap(layers, experts);
        SlotLayout layout = Arguments.from(spec, () -> SlotLayout.uniform(gpus, replicas / gpus, gpus / nodes));
        EplbRebalancer r = Arguments.from(spec,
                () -> new EplbRebalancer(layers, experts, groups, layout, copyBytes, spreadHot));
        int[] cur = current == null ? null : flat("--current", current, replicas);
        if (cur != null && cur.length != w.length / experts * replicas) {
            throw Arguments.bad(spec, "--current has " + cur.length / replicas + " layers, --weights has " + layers);
        }
        RebalancePlan p = Arguments.from(spec,
                () -> r.rebalance(cur, w, layers, maxMoves, Long.MAX_VALUE, skipBelow, excludeRanks));
        Report.print(System.out, incrementalReport(p, layout, layers, experts, cur != null), output.json());
    }

    /** The incremental plan as the report prints it (imbalanceBefore only when a placement was in effect). */
    private Map<String, Object> incrementalReport(RebalancePlan p, SlotLayout layout, int layers, int experts,
                                                  boolean fromCurrent) {
        List<Object> phy2log = new ArrayList<>();
        List<Object> logcnt = new ArrayList<>();
        List<Object> skipped = new ArrayList<>();
        List<Object> before = new ArrayList<>();
        List<Object> after = new ArrayList<>();
        List<Object> exposure = new ArrayList<>();
        NodeFailureExposure x = new NodeFailureExposure(experts, layout);
        int[] all = new int[layers * replicas];
        p.copyPhy2log(all);
        for (int l = 0; l < layers; l++) {
            phy2log.add(java.util.Arrays.copyOfRange(all, l * replicas, (l + 1) * replicas));
            int[] cnt = new int[experts];
            for (int e = 0; e < experts; e++) {
                cnt[e] = p.logcnt(l, e);
            }
            logcnt.add(cnt);
            skipped.add(p.skipped(l));
            before.add(p.imbalanceBefore(l));
            after.add(p.imbalanceAfter(l));
            exposure.add(x.worstNodeLoss(all, l));
        }
        Map<String, Object> out = Report.object();
        out.put("phy2log", phy2log);
        out.put("logcnt", logcnt);
        out.put("movedCopies", p.movedCopies());
        out.put("movedBytes", p.movedBytes());
        out.put("restoredCopies", p.restoredCopies());
        out.put("lostExperts", pairs(p.lostExpertCount(), p::lostExpertLayer, p::lostExpert));
        out.put("unplacedExperts", pairs(p.unplacedExpertCount(), p::unplacedExpertLayer, p::unplacedExpert));
        out.put("skipped", skipped);
        if (fromCurrent) {
            // null (JSON has no infinity) in a layer whose placement in effect lost a loaded expert.
            out.put("imbalanceBefore", before);
        }
        out.put("imbalanceAfter", after);
        out.put("worstNodeFailureLoses", exposure);
        List<Object> moves = new ArrayList<>();
        for (int i = 0; i < p.moveCount(); i++) {
            moves.add(new int[] {p.moveLayer(i), p.moveSlot(i), p.moveFrom(i), p.moveTo(i)});
        }
        out.put("moves", moves);
        if (batchBytes != 0) {
            MoveBatcher b = Arguments.from(spec, () -> new MoveBatcher(layers, experts, replicas).batch(p, batchBytes));
            List<Object> batches = new ArrayList<>();
            for (int k = 0; k < b.batchCount(); k++) {
                int[] ix = new int[b.batchEnd(k) - b.batchStart(k)];
                for (int i = 0; i < ix.length; i++) {
                    ix[i] = b.moveOrder(b.batchStart(k) + i);
                }
                batches.add(ix);
            }
            out.put("batches", batches);
            out.put("oversizedBatches", b.oversizedBatches());
        }
        return out;
    }

    private static List<Object> pairs(int n, java.util.function.IntUnaryOperator layer,
                                      java.util.function.IntUnaryOperator expert) {
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> m = Report.object();
            m.put("layer", layer.applyAsInt(i));
            m.put("expert", expert.applyAsInt(i));
            list.add(m);
        }
        return list;
    }

    /** Parses {@code [[a,b,...],[...]]} of integers for {@code option}. */
    static List<int[]> parse(String option, String s) {
        String t = s.strip();
        if (!t.startsWith("[[") || !t.endsWith("]]")) {
            throw new IllegalArgumentException(option + " must be a JSON array of arrays like [[1,2],[3,4]], was " + s);
        }
        List<int[]> rows = new ArrayList<>();
        for (String row : t.substring(2, t.length() - 2).split("\\]\\s*,\\s*\\[")) {
            String[] f = row.split(",");
            int[] v = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                try {
                    v[i] = Integer.parseInt(f[i].strip());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException(option + ": not an integer: '" + f[i].strip() + "'");
                }
            }
            rows.add(v);
        }
        return rows;
    }
}
