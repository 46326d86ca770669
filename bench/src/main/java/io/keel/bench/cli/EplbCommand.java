package io.keel.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel eplb}: DeepSeek EPLB's {@code rebalance_experts} on the given per-layer loads. */
@Command(name = "eplb", mixinStandardHelpOptions = true,
        description = "EPLB-compatible rebalance: phy2log, log2phy and logcnt for per-layer expert loads.")
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

    @Option(names = "--gpus", required = true, description = "GPUs (a multiple of nodes).")
    int gpus;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        List<int[]> rows = Arguments.from(spec, () -> parse(weights));
        int experts = rows.get(0).length;
        int[] flat = new int[rows.size() * experts];
        for (int l = 0; l < rows.size(); l++) {
            if (rows.get(l).length != experts) {
                throw Arguments.bad(spec, "--weights: layer " + l + " has " + rows.get(l).length
                        + " experts, layer 0 has " + experts);
            }
            System.arraycopy(rows.get(l), 0, flat, l * experts, experts);
        }
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

    /** Parses {@code [[a,b,...],[...]]} of non-negative integers. */
    static List<int[]> parse(String s) {
        String t = s.strip();
        if (!t.startsWith("[[") || !t.endsWith("]]")) {
            throw new IllegalArgumentException("--weights must be a JSON array of arrays like [[1,2],[3,4]], was " + s);
        }
        List<int[]> rows = new ArrayList<>();
        for (String row : t.substring(2, t.length() - 2).split("\\]\\s*,\\s*\\[")) {
            String[] f = row.split(",");
            int[] v = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                try {
                    v[i] = Integer.parseInt(f[i].strip());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("--weights: not an integer: '" + f[i].strip() + "'");
                }
            }
            rows.add(v);
        }
        return rows;
    }
}
