package io.keel.bench.sim.select;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.keel.bench.sim.TextFile;

/**
 * Per-candidate scores of autoformalization problems, read from the golden CSVs of
 * {@code shared/data/autoformalization} (columns {@code problem, candidate, cluster, syntax,
 * semantic_score, symbolic_score, correct}; empty syntax = 1, empty semantic = 0.1, as the
 * data's README says). Stored flat: candidate c of problem p at {@code start(p) + c}.
 */
public final class AutoformalizationSet {
    private final String[] names;
    private final int[] start;
    private final boolean[] syntax;
    private final int[] cluster;
    private final double[] semantic;
    private final double[] symbolic;
    private final boolean[] correct;

    private AutoformalizationSet(String[] names, int[] start, boolean[] syntax, int[] cluster, double[] semantic,
            double[] symbolic, boolean[] correct) {
        this.names = names;
        this.start = start;
        this.syntax = syntax;
        this.cluster = cluster;
        this.semantic = semantic;
        this.symbolic = symbolic;
        this.correct = correct;
    }

    /**
     * Reads one CSV; rows of a problem must be contiguous and in candidate order, cluster ids in
     * {@code [0, candidates of the problem)} and scores finite. A file that cannot be read or does
     * not hold such rows is an {@link IllegalArgumentException} naming the file (and line).
     */
    public static AutoformalizationSet read(Path csv) {
        List<String> lines = TextFile.lines(csv);
        if (lines.isEmpty() || !lines.get(0).startsWith("problem,candidate,cluster,syntax,semantic_score")) {
            throw new IllegalArgumentException(csv + ": not an autoformalization CSV (header "
                    + (lines.isEmpty() ? "missing" : lines.get(0)) + ")");
        }
        int end = lines.size();
        while (end > 1 && lines.get(end - 1).isBlank()) {
            end--; // blank lines at the end of the file are not rows
        }
        int n = end - 1;
        if (n == 0) {
            throw new IllegalArgumentException(csv + ": no candidates after the header");
        }
        List<String> names = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean[] syntax = new boolean[n];
        int[] cluster = new int[n];
        double[] semantic = new double[n];
        double[] symbolic = new double[n];
        boolean[] correct = new boolean[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",", -1);
            String at = csv + ":" + (i + 2) + ": ";
            if (f.length != 7) {
                throw new IllegalArgumentException(at + "expected 7 columns, got " + f.length);
            }
            if (names.isEmpty() || !f[0].equals(names.getLast())) {
                if (!names.isEmpty()) {
                    checkClusters(csv, cluster, starts.getLast(), i);
                }
                if (!seen.add(f[0])) {
                    throw new IllegalArgumentException(at + "problem " + f[0]
                            + " again after other problems (the rows of a problem must be contiguous)");
                }
                names.add(f[0]);
                starts.add(i);
            }
            try {
                int candidate = Integer.parseInt(f[1]);
                if (candidate != i - starts.getLast()) {
                    throw new IllegalArgumentException(at + "candidate " + candidate + " out of order");
                }
                cluster[i] = Integer.parseInt(f[2]);
                syntax[i] = f[3].isEmpty() || Integer.parseInt(f[3]) != 0;
                semantic[i] = score(at, "semantic_score", f[4]);
                symbolic[i] = score(at, "symbolic_score", f[5]);
                correct[i] = Integer.parseInt(f[6]) != 0;
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(at + "not a number: " + ex.getMessage());
            }
        }
        checkClusters(csv, cluster, starts.getLast(), n);
        int[] start = new int[names.size() + 1];
        for (int p = 0; p < names.size(); p++) {
            start[p] = starts.get(p);
        }
        start[names.size()] = n;
        return new AutoformalizationSet(names.toArray(String[]::new), start, syntax, cluster, semantic, symbolic,
                correct);
    }

    /** A score column: empty is 0.1 (the data's README), otherwise a finite number. */
    private static double score(String at, String column, String field) {
        double v = field.isEmpty() ? 0.1 : Double.parseDouble(field);
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(at + column + " must be finite, was " + field);
        }
        return v;
    }

    /** Checks that the class ids of rows {@code [from, to)}, one problem, lie in {@code [0, to - from)}. */
    private static void checkClusters(Path csv, int[] cluster, int from, int to) {
        for (int i = from; i < to; i++) {
            if (cluster[i] < 0 || cluster[i] >= to - from) {
                throw new IllegalArgumentException(csv + ":" + (i + 2) + ": cluster " + cluster[i] + " must be in [0, "
                        + (to - from) + ") (the problem has " + (to - from) + " candidates)");
            }
        }
    }

    /**
     * A synthetic set for the demo: {@code k} candidates per problem; each is correct with
     * probability 0.35, correct ones share one equivalence class and score higher semantically on
     * average, wrong ones scatter over several wrong classes; 10% fail the syntax check.
     */
    public static AutoformalizationSet synthetic(int problems, int k, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int n = problems * k;
        String[] names = new String[problems];
        int[] start = new int[problems + 1];
        boolean[] syntax = new boolean[n];
        int[] cluster = new int[n];
        double[] semantic = new double[n];
        double[] symbolic = new double[n];
        boolean[] correct = new boolean[n];
        for (int p = 0; p < problems; p++) {
            names[p] = "synthetic/" + p;
            start[p] = p * k;
            int wrongClasses = 2 + r.nextInt(Math.max(1, k / 2));
            for (int c = 0; c < k; c++) {
                int i = p * k + c;
                correct[i] = r.nextDouble() < 0.35;
                syntax[i] = r.nextDouble() >= 0.1;
                cluster[i] = correct[i] ? 0 : 1 + r.nextInt(wrongClasses);
                double mean = correct[i] ? 0.8 : 0.68;
                semantic[i] = Math.max(0, Math.min(1, mean + 0.12 * r.nextGaussian()));
            }
            // Dense class ids in order of first appearance, as a prover's union-find would number them.
            int[] renumber = new int[k + 1];
            java.util.Arrays.fill(renumber, -1);
            int next = 0;
            for (int c = 0; c < k; c++) {
                int i = p * k + c;
                if (renumber[cluster[i]] < 0) {
                    renumber[cluster[i]] = next++;
                }
                cluster[i] = renumber[cluster[i]];
            }
            for (int c = 0; c < k; c++) {
                int size = 0;
                for (int d = 0; d < k; d++) {
                    size += cluster[p * k + d] == cluster[p * k + c] ? 1 : 0;
                }
                symbolic[p * k + c] = (double) size / k;
            }
        }
        start[problems] = n;
        return new AutoformalizationSet(names, start, syntax, cluster, semantic, symbolic, correct);
    }

    /** Number of problems. */
    public int problems() {
        return names.length;
    }

    /** The problem's name. */
    public String name(int p) {
        return names[p];
    }

    /** Index of the problem's first candidate in the flat arrays. */
    public int start(int p) {
        return start[p];
    }

    /** Number of candidates of the problem. */
    public int candidates(int p) {
        return start[p + 1] - start[p];
    }

    /** The largest candidate count of any problem. */
    public int maxCandidates() {
        int m = 0;
        for (int p = 0; p < names.length; p++) {
            m = Math.max(m, candidates(p));
        }
        return m;
    }

    /** Syntax verdicts, flat. */
    public boolean[] syntax() {
        return syntax;
    }

    /** Equivalence class ids within each problem, flat. */
    public int[] cluster() {
        return cluster;
    }

    /** Semantic-consistency scores, flat. */
    public double[] semantic() {
        return semantic;
    }

    /** The symbolic scores the data carries (class size / candidates), flat; the selector recomputes them. */
    public double[] symbolic() {
        return symbolic;
    }

    /** Correctness labels, flat. */
    public boolean[] correct() {
        return correct;
    }
}
