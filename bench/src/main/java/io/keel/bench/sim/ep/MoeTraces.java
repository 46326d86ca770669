package io.keel.bench.sim.ep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.keel.bench.sim.TextFile;
import io.keel.planners.ep.ExpertLayout;

/**
 * Reader for the real MoE routing traces in {@code shared/data/moe-traces} (see its README):
 * the processed per-layer, per-iteration expert counts ({@code expert_freq_*_datasets.csv}) and
 * the per-source-rank raw traces ({@code raw/<model>/<rank>/moe_layer-<L>.csv}), plus the mapping
 * of a trace's experts and ranks onto a chosen {@link ExpertLayout}.
 *
 * <p>Cold path (file parsing): allocates freely; not for the host loop.
 */
public final class MoeTraces {
    private MoeTraces() {
    }

    /** One row of a processed file: the tokens each expert got in one layer and iteration. */
    public record Totals(String dataset, int iteration, int layer, int[] counts) {
    }

    /** One layer and iteration of a raw trace: {@code loads[s * experts + e]}. */
    public record SourceMatrix(String model, int layer, int iteration, int ranks, int experts, int[] loads) {
    }

    /** The processed file of {@code model} ({@code "qwen"} or {@code "switch128"}) under the data folder. */
    public static Path processedFile(Path moeTraces, String model) {
        String name = switch (model) {
            case "qwen" -> "expert_freq_qwen_policy_datasets.csv";
            case "switch128" -> "expert_freq_switch128_datasets.csv";
            default -> throw new IllegalArgumentException("model must be qwen or switch128, was " + model);
        };
        return moeTraces.resolve(name);
    }

    /**
     * Reads a processed CSV: header {@code ,dataset,iteration,layer_idx,0,1,...,E-1} (the first,
     * unnamed column a row number; it may be left out), then one row per dataset, iteration and
     * layer with the tokens each expert got. A file that cannot be read, is not UTF-8 or is
     * malformed is an {@link IllegalArgumentException} naming it.
     */
    public static List<Totals> readProcessed(Path csv) {
        List<String> lines = TextFile.lines(csv);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(csv + " is empty");
        }
        String[] head = lines.get(0).strip().split(",", -1);
        int d = head.length > 0 && head[0].equals("dataset") ? 0 : 1;
        if (head.length < d + 4 || !head[d].equals("dataset") || !head[d + 1].equals("iteration")
                || !head[d + 2].equals("layer_idx")) {
            throw new IllegalArgumentException(csv + ": header must be [,]dataset,iteration,layer_idx,0,1,...; was "
                    + lines.get(0));
        }
        int experts = head.length - d - 3;
        List<Totals> rows = new ArrayList<>(lines.size() - 1);
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != head.length) {
                throw new IllegalArgumentException(csv + " line " + (i + 1) + ": " + f.length + " fields, expected " + head.length);
            }
            try {
                int[] counts = new int[experts];
                for (int e = 0; e < experts; e++) {
                    counts[e] = count(f[d + 3 + e]);
                }
                rows.add(new Totals(f[d], Integer.parseInt(f[d + 1].strip()), Integer.parseInt(f[d + 2].strip()), counts));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(csv + " line " + (i + 1) + ": not a number: " + ex.getMessage());
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(csv + " has a header but no rows");
        }
        return rows;
    }

    /** The models with raw traces under {@code moeTraces/raw}, sorted. */
    public static List<String> rawModels(Path moeTraces) {
        try (Stream<Path> s = Files.list(moeTraces.resolve("raw"))) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Reads every layer and iteration of a raw trace {@code moeTraces/raw/<model>}: stacks the
     * source ranks' rows into one matrix per (layer, iteration), ordered by layer then iteration.
     */
    public static List<SourceMatrix> readRaw(Path moeTraces, String model) {
        return readRawLayout(moeTraces.resolve("raw").resolve(model), model);
    }

    /** The layer number L of a file named {@code moe_layer-<L>.csv}. @throws IllegalArgumentException naming the file otherwise */
    private static int layerNumber(Path file, String name) {
        try {
            return Integer.parseInt(name.substring(10, name.length() - 4));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": a layer file must be named moe_layer-<number>.csv");
        }
    }

    /** Whether {@code dir} is a per-source raw layout: {@code dir/0/moe_layer-<L>.csv} exists. */
    public static boolean isRawLayout(Path dir) {
        Path rank0 = dir.resolve("0");
        if (!Files.isDirectory(rank0)) {
            return false;
        }
        try (Stream<Path> s = Files.list(rank0)) {
            return s.map(p -> p.getFileName().toString()).anyMatch(n -> n.startsWith("moe_layer-") && n.endsWith(".csv"));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Reads a per-source raw layout {@code dir/<rank>/moe_layer-<L>.csv} (ranks 0, 1, ... with no
     * gap; each file a header line, then one line per iteration whose list {@code [c0, c1, ...]}
     * holds the tokens that source rank sent to each expert); {@code model} labels the result.
     */
    public static List<SourceMatrix> readRawLayout(Path dir, String model) {
        try {
            int ranks = 0;
            while (Files.isDirectory(dir.resolve(Integer.toString(ranks)))) {
                ranks++;
            }
            if (ranks == 0) {
                throw new IllegalArgumentException(dir + " has no rank folders 0, 1, ...");
            }
            List<Integer> layers = new ArrayList<>();
            try (Stream<Path> s = Files.list(dir.resolve("0"))) {
                s.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("moe_layer-") && n.endsWith(".csv"))
                        .forEach(n -> layers.add(layerNumber(dir.resolve("0").resolve(n), n)));
            }
            layers.sort(null);
            List<SourceMatrix> out = new ArrayList<>();
            for (int layer : layers) {
                List<List<int[]>> byRank = new ArrayList<>();
                for (int r = 0; r < ranks; r++) {
                    byRank.add(readRawFile(dir.resolve(Integer.toString(r)).resolve("moe_layer-" + layer + ".csv")));
                }
                int iterations = byRank.get(0).size();
                int experts = iterations == 0 ? 0 : byRank.get(0).get(0).length;
                for (int it = 0; it < iterations; it++) {
                    int[] loads = new int[ranks * experts];
                    for (int r = 0; r < ranks; r++) {
                        List<int[]> rows = byRank.get(r);
                        if (rows.size() != iterations || rows.get(it).length != experts) {
                            throw new IllegalArgumentException(dir + ": rank " + r + " layer " + layer
                                    + " disagrees with rank 0 on iterations or experts");
                        }
                        System.arraycopy(rows.get(it), 0, loads, r * experts, experts);
                    }
                    out.add(new SourceMatrix(model, layer, it, ranks, experts, loads));
                }
            }
            return out;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static List<int[]> readRawFile(Path csv) {
        List<int[]> rows = new ArrayList<>();
        List<String> lines = TextFile.lines(csv);
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            int open = line.indexOf('[');
            int close = line.lastIndexOf(']');
            if (open < 0 || close < open) {
                if (line.isBlank()) {
                    continue;
                }
                throw new IllegalArgumentException(csv + " line " + (i + 1) + ": no expert distribution list");
            }
            String[] f = line.substring(open + 1, close).split(",");
            int[] v = new int[f.length];
            try {
                for (int e = 0; e < f.length; e++) {
                    v[e] = count(f[e]);
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(csv + " line " + (i + 1) + ": not a number: " + ex.getMessage());
            }
            rows.add(v);
        }
        return rows;
    }

    /** A token count: a non-negative number, rounded (the published files write some as floats). */
    private static int count(String field) {
        double v = Double.parseDouble(field.strip());
        if (!(v >= 0) || v > Integer.MAX_VALUE) {
            throw new NumberFormatException("a token count must be in [0, 2^31), was " + field.strip());
        }
        return (int) Math.round(v);
    }

    /**
     * Maps a trace matrix onto {@code layout}: source rank {@code s} feeds layout rank
     * {@code s % R}, trace expert {@code e} is layout expert {@code e % E} (counts add up), so a
     * trace of 6 ranks and 60 experts maps exactly onto a 6 x 60 layout and folds onto smaller
     * ones. Writes {@code out[s * E + e]}.
     */
    public static void mapOnto(int[] loads, int traceRanks, int traceExperts, ExpertLayout layout, int[] out) {
        int ranks = layout.ranks();
        int experts = layout.experts();
        if (out.length != ranks * experts) {
            throw new IllegalArgumentException("out length must be " + ranks * experts + ", was " + out.length);
        }
        if (loads.length != traceRanks * traceExperts) {
            throw new IllegalArgumentException("loads length must be " + traceRanks * traceExperts + ", was " + loads.length);
        }
        java.util.Arrays.fill(out, 0);
        for (int s = 0; s < traceRanks; s++) {
            for (int e = 0; e < traceExperts; e++) {
                out[(s % ranks) * experts + e % experts] += loads[s * traceExperts + e];
            }
        }
    }

    /** Maps per-expert counts onto {@code layout}'s experts ({@code e % E}). */
    public static int[] mapTotals(int[] counts, ExpertLayout layout) {
        int[] out = new int[layout.experts()];
        for (int e = 0; e < counts.length; e++) {
            out[e % out.length] += counts[e];
        }
        return out;
    }
}
