package io.keel.vector.select;

import java.util.Objects;

import io.keel.core.Checks;
import io.keel.core.TopK;
import io.keel.core.UnionFind;
import io.keel.vector.VectorMath;

/**
 * Picks one of k candidate formalizations by symbolic equivalence and semantic consistency
 * (Li et al., NeurIPS 2024). Per candidate i: a syntax verdict, an equivalence class, and a
 * semantic-consistency score (the cosine of the original statement's embedding and the
 * back-translated candidate's). The symbolic score is {@code classSize / k}; both scores go
 * through a softmax with temperature T (default 1), S and E, and are combined:
 * <ul>
 * <li>{@link Combine#LINEAR}: {@code (alpha S_i + (1 - alpha) E_i) * syntax_i} (alpha default 0.8)</li>
 * <li>{@link Combine#LOG}: {@code alpha ln S_i + (1 - alpha) ln E_i}, minus infinity when the syntax fails</li>
 * <li>{@link Combine#POWER}: {@code (alpha S_i^2 + (1 - alpha) E_i^2) * syntax_i}</li>
 * </ul>
 * The pick is the argmax, the lowest index winning ties; {@link #symbolicPick()} and
 * {@link #semanticPick()} are the single-score argmaxes (no syntax factor), for ablations.
 * {@link #rank} lists the best candidates keeping one per class.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates for
 * {@code maxCandidates}; {@link #select}, {@link #classesFromVerdicts}, {@link #semanticScores}
 * and {@link #rank} allocate nothing. The accessors read the last successful selection, which a
 * rejected call leaves untouched.
 */
public final class ConsistencySelector {
    /** How the two softmaxed scores are combined. */
    public enum Combine {
        /** Weighted sum. */
        LINEAR,
        /** Weighted sum of logarithms (a weighted geometric mean). */
        LOG,
        /** Weighted sum of squares. */
        POWER
    }

    private final int maxCandidates;
    private final UnionFind unionFind;
    private final int[] classSize;
    private final double[] sym;
    private final double[] sem;
    private final double[] score;
    private final int[] classOf;
    private final boolean[] classSeen;
    private final TopK order;
    private final int[] orderIds;
    private double alpha = 0.8;
    private double temperature = 1.0;
    private Combine combine = Combine.LINEAR;
    private int k;
    private int pick = -1;
    private int symbolicPick = -1;
    private int semanticPick = -1;

    /** A selector for up to {@code maxCandidates} candidates per problem. */
    public ConsistencySelector(int maxCandidates) {
        this.maxCandidates = Checks.nonNegative("maxCandidates", maxCandidates);
        unionFind = new UnionFind(maxCandidates);
        classSize = new int[maxCandidates];
        sym = new double[maxCandidates];
        sem = new double[maxCandidates];
        score = new double[maxCandidates];
        classOf = new int[maxCandidates];
        classSeen = new boolean[maxCandidates];
        order = TopK.largest(maxCandidates);
        orderIds = new int[maxCandidates];
    }

    /** Sets the weight of the symbolic score, in [0, 1]; returns this. */
    public ConsistencySelector alpha(double alpha) {
        this.alpha = Checks.inRange("alpha", alpha, 0.0, 1.0);
        return this;
    }

    /** Sets the softmax temperature, > 0 and finite; returns this. */
    public ConsistencySelector temperature(double temperature) {
        Checks.positiveFinite("temperature", temperature);
        if (Double.isInfinite(1.0 / temperature)) {
            throw new IllegalArgumentException("temperature must have a finite reciprocal, was " + temperature);
        }
        this.temperature = temperature;
        return this;
    }

    /** Sets the combination rule; returns this. */
    public ConsistencySelector combine(Combine combine) {
        this.combine = Objects.requireNonNull(combine, "combine");
        return this;
    }

    /**
     * Equivalence classes from pairwise prover verdicts: {@code equivalent[i * k + j]} says
     * candidates i and j were proved equivalent (only {@code i < j} is read). Writes dense class
     * ids, numbered by each class's lowest candidate, into {@code outClassIds[0, k)}; returns the
     * number of classes.
     */
    public int classesFromVerdicts(int k, boolean[] equivalent, int[] outClassIds) {
        Checks.inRange("k", k, 0, maxCandidates);
        if (Objects.requireNonNull(equivalent, "equivalent").length < (long) k * k) {
            throw new IllegalArgumentException("equivalent length must be >= k x k = " + (long) k * k + ", was "
                    + equivalent.length);
        }
        Checks.length("outClassIds", Objects.requireNonNull(outClassIds, "outClassIds").length, k);
        unionFind.reset(k);
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                if (equivalent[i * k + j]) {
                    unionFind.union(i, j);
                }
            }
        }
        return unionFind.classIds(outClassIds);
    }

    /**
     * Semantic-consistency scores: the cosine of {@code original[origOff, origOff + dim)} with
     * each of the {@code k} back-translated embeddings stored row-major from {@code candOff}, into
     * {@code out[0, k)}.
     */
    public void semanticScores(float[] original, int origOff, float[] candidates, int candOff, int k, int dim,
            double[] out) {
        Objects.requireNonNull(original, "original");
        Checks.inRange("k", k, 0, maxCandidates);
        Checks.length("out", Objects.requireNonNull(out, "out").length, k);
        Checks.nonNegative("dim", dim);
        Checks.index("origOff", origOff, original.length - dim + 1);
        Checks.index("candOff", candOff, Objects.requireNonNull(candidates, "candidates").length + 1);
        if (candidates.length - candOff < (long) k * dim) {
            throw new IllegalArgumentException("candidates from candOff must hold k x dim = " + (long) k * dim
                    + " floats, held " + (candidates.length - candOff));
        }
        // Every value checked under its own name before out is written.
        Checks.finite("original", original, origOff, dim);
        Checks.finite("candidates", candidates, candOff, k * dim);
        for (int i = 0; i < k; i++) {
            out[i] = VectorMath.cosine(original, origOff, candidates, candOff + i * dim, dim);
        }
    }

    /**
     * Selects among {@code k} candidates; returns the pick (-1 when {@code k = 0}). A candidate that
     * failed the syntax check scores 0 (minus infinity under {@link Combine#LOG}), so when none passed
     * every score ties and the pick is candidate 0, the lowest index.
     *
     * @param syntaxValid whether each candidate passed the syntax check
     * @param classIds    each candidate's equivalence class, in {@code [0, k)}
     * @param semantic    each candidate's semantic-consistency score (finite)
     */
    public int select(int k, boolean[] syntaxValid, int[] classIds, double[] semantic) {
        Checks.inRange("k", k, 0, maxCandidates);
        Checks.length("syntaxValid", Objects.requireNonNull(syntaxValid, "syntaxValid").length, k);
        Checks.length("classIds", Objects.requireNonNull(classIds, "classIds").length, k);
        Checks.length("semantic", Objects.requireNonNull(semantic, "semantic").length, k);
        for (int i = 0; i < k; i++) {
            if (classIds[i] < 0 || classIds[i] >= k) {
                throw Checks.element("classIds", i, "must be in [0, " + k + ")", classIds[i]);
            }
        }
        Checks.finite("semantic", semantic, 0, k);

        this.k = k;
        java.util.Arrays.fill(classSize, 0, k, 0);
        for (int i = 0; i < k; i++) {
            classOf[i] = classIds[i];
            classSize[classIds[i]]++;
        }
        final double invT = 1.0 / temperature;
        for (int i = 0; i < k; i++) {
            sym[i] = (double) classSize[classIds[i]] / k;
            sem[i] = semantic[i];
        }
        logSoftmax(sym, k, invT);
        logSoftmax(sem, k, invT);
        final double a = alpha;
        final double b = 1.0 - alpha;
        for (int i = 0; i < k; i++) {
            double s = Math.exp(sym[i]);
            double e = Math.exp(sem[i]);
            double c = switch (combine) {
                case LINEAR -> a * s + b * e;
                case LOG -> a * sym[i] + b * sem[i];
                case POWER -> a * s * s + b * e * e;
            };
            score[i] = syntaxValid[i] ? c : (combine == Combine.LOG ? Double.NEGATIVE_INFINITY : 0.0);
        }
        pick = argmax(score, k);
        symbolicPick = argmax(sym, k);
        semanticPick = argmax(sem, k);
        return pick;
    }

    /** The pick of the last selection (-1 when it had no candidates). */
    public int pick() {
        return pick;
    }

    /** The argmax of the symbolic score alone (no syntax factor), lowest index on ties. */
    public int symbolicPick() {
        return symbolicPick;
    }

    /** The argmax of the semantic score alone (no syntax factor), lowest index on ties. */
    public int semanticPick() {
        return semanticPick;
    }

    /** The combined score of candidate {@code i} in the last selection. */
    public double score(int i) {
        return score[Checks.index("i", i, k)];
    }

    /** The softmaxed symbolic score S_i of the last selection. */
    public double symbolicScore(int i) {
        return Math.exp(sym[Checks.index("i", i, k)]);
    }

    /** The softmaxed semantic score E_i of the last selection. */
    public double semanticScore(int i) {
        return Math.exp(sem[Checks.index("i", i, k)]);
    }

    /**
     * The best {@code n} candidates of the last selection by combined score (lowest index on
     * ties), keeping only the best of each equivalence class, into {@code out}; returns how many
     * were written ({@code <= min(n, classes)}). The first is {@link #pick()}.
     */
    public int rank(int n, int[] out) {
        Checks.nonNegative("n", n);
        Checks.length("out", Objects.requireNonNull(out, "out").length, Math.min(n, k));
        order.reset(k);
        for (int i = 0; i < k; i++) {
            order.offer(i, score[i]);
        }
        int m = order.drain(orderIds, null);
        java.util.Arrays.fill(classSeen, 0, k, false);
        int written = 0;
        for (int i = 0; i < m && written < n; i++) {
            int c = orderIds[i];
            if (!classSeen[classOf[c]]) {
                classSeen[classOf[c]] = true;
                out[written++] = c;
            }
        }
        return written;
    }

    /** Replaces {@code x[0, k)} by {@code log softmax(x / T)}, shifted by the max for stability. */
    private static void logSoftmax(double[] x, int k, double invT) {
        if (k == 0) {
            return;
        }
        double max = x[0];
        for (int i = 1; i < k; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            x[i] = (x[i] - max) * invT;
            sum += Math.exp(x[i]);
        }
        double log = Math.log(sum);
        for (int i = 0; i < k; i++) {
            x[i] -= log;
        }
    }

    private static int argmax(double[] x, int k) {
        if (k == 0) {
            return -1;
        }
        int best = 0;
        for (int i = 1; i < k; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
