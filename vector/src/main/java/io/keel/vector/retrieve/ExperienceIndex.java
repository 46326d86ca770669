package io.keel.vector.retrieve;

import java.util.Objects;

import io.keel.core.Checks;
import io.keel.core.TopK;
import io.keel.vector.VectorMath;

/**
 * A two-level experience store in the manner of Agent KB's Reason-Retrieve-Refine: workflow-level
 * experiences and their step-level records. Each entry has a dense embedding (kept unit-normalised
 * in float32, optionally with an int8 copy) and an optional sparse lexical vector (term ids and
 * counts); the index keeps document frequencies per level and scores TF-IDF cosine with smooth idf
 * and l2 norms (formula in {@code EntryStore}).
 *
 * <p>Hybrid search, as Agent KB: the lexical and the dense retriever each keep their top 2k,
 * every member of the union gets both scores, {@code score = wLex * lexical + wSem * semantic},
 * and the top k are kept (ties by lower id). With MMR on, the k are instead picked greedily from the
 * union by {@code lambda * score - (1 - lambda) * max cosine to those already picked}.
 * Hierarchical mode searches workflows first, then only the steps of the chosen workflows.
 * The dense retriever may scan the int8 copy for {@value #INT8_OVERSAMPLE}x2k candidates and
 * rescore them in float32.
 *
 * <p>Bad input throws before anything changes: {@link NullPointerException} naming a null
 * argument, {@link IllegalArgumentException} naming a wrong value. Threading: one
 * thread per instance. Allocation: adding entries may grow storage; searches allocate nothing.
 */
public final class ExperienceIndex {
    /** The int8 dense retriever keeps this many times 2k candidates for float rescoring. */
    public static final int INT8_OVERSAMPLE = 4;

    private final int dim;
    private final int maxK;
    private final EntryStore workflows;
    private final EntryStore steps;
    private final TopK lexTop;
    private final TopK semTop;
    private final TopK candTop;
    private final TopK hybridTop;
    private final int[] lexIds;
    private final int[] semIds;
    private final int[] candIds;
    private final int[] unionIds;
    private final double[] unionScore;
    private final double[] unionMaxSim;
    private final boolean[] unionTaken;
    private final float[] queryUnit;
    private final byte[] queryCodes;
    private final int[] touchedCount = new int[1];
    private final ExperienceHits workflowHits;
    private final ExperienceHits stepHits;
    private int stamp;

    /**
     * An empty index of {@code dim}-dimensional entries answering {@code k <= maxK}; with
     * {@code int8Copy} every entry also keeps int8 codes for {@link ExperienceQuery#int8} searches.
     */
    public ExperienceIndex(int dim, int maxK, boolean int8Copy) {
        this.dim = Checks.positive("dim", dim);
        this.maxK = Checks.nonNegative("maxK", maxK);
        if (int8Copy && dim > io.keel.vector.VectorMath.MAX_INT8_DIM) {
            // Its int8 searches could never run: refused here, not half-way through a search.
            throw new IllegalArgumentException("dim must be <= " + io.keel.vector.VectorMath.MAX_INT8_DIM
                    + " with int8Copy, was " + dim);
        }
        workflows = new EntryStore(dim, int8Copy);
        steps = new EntryStore(dim, int8Copy);
        lexTop = TopK.largest(2 * maxK);
        semTop = TopK.largest(2 * maxK);
        candTop = TopK.largest(2 * maxK * INT8_OVERSAMPLE);
        hybridTop = TopK.largest(maxK);
        lexIds = new int[2 * maxK];
        semIds = new int[2 * maxK];
        candIds = new int[2 * maxK * INT8_OVERSAMPLE];
        unionIds = new int[4 * maxK];
        unionScore = new double[4 * maxK];
        unionMaxSim = new double[4 * maxK];
        unionTaken = new boolean[4 * maxK];
        queryUnit = new float[dim];
        queryCodes = new byte[dim];
        workflowHits = new ExperienceHits(maxK);
        stepHits = new ExperienceHits(maxK);
    }

    /** Embedding dimension. */
    public int dim() {
        return dim;
    }

    /** Number of workflows. */
    public int workflowCount() {
        return workflows.size;
    }

    /** Number of steps. */
    public int stepCount() {
        return steps.size;
    }

    /** The workflow a step belongs to. */
    public int workflowOf(int step) {
        return steps.parent[Checks.index("step", step, steps.size)];
    }

    /**
     * Adds a workflow-level experience: {@code embedding[off, off + dim)} (finite, non-zero, any
     * magnitude) and {@code n} lexical terms (ascending distinct ids, each any int {@code >= 0},
     * positive counts; n may be 0, and then {@code terms} and {@code counts} may be null). Returns
     * its id. Every argument is checked before anything changes: a rejected add leaves the index
     * as if it had never been called.
     */
    public int addWorkflow(float[] embedding, int off, int[] terms, int[] counts, int n) {
        workflows.check(embedding, off, terms, counts, n);
        return workflows.add(-1, embedding, off, terms, counts, n);
    }

    /** Adds a step-level record of {@code workflow}; as {@link #addWorkflow}. Returns the step id. */
    public int addStep(int workflow, float[] embedding, int off, int[] terms, int[] counts, int n) {
        Checks.index("workflow", workflow, workflows.size);
        steps.check(embedding, off, terms, counts, n);
        return steps.add(workflow, embedding, off, terms, counts, n);
    }

    /** The top {@code k} workflows for the query. */
    public ExperienceHits searchWorkflows(ExperienceQuery q, int k) {
        prepare(q, k, workflows);
        search(workflows, q, k, false, 0, workflowHits);
        return workflowHits;
    }

    /** The top {@code k} steps of all workflows for the query. */
    public ExperienceHits searchSteps(ExperienceQuery q, int k) {
        prepare(q, k, steps);
        search(steps, q, k, false, 0, stepHits);
        return stepHits;
    }

    /**
     * Hierarchical search: the top {@code workflowK} workflows (then in {@link #workflowHits()}),
     * then the top {@code k} steps among those workflows' steps.
     */
    public ExperienceHits searchHierarchical(ExperienceQuery q, int workflowK, int k) {
        Checks.inRange("workflowK", workflowK, 0, maxK);
        prepare(q, k, steps);
        if (q.int8 && !workflows.int8) {
            throw new IllegalArgumentException("int8 search needs an index built with int8Copy");
        }
        search(workflows, q, workflowK, false, 0, workflowHits);
        int chosen = ++stamp;
        for (int i = 0; i < workflowHits.size; i++) {
            workflows.mark[workflowHits.ids[i]] = chosen;
        }
        search(steps, q, k, true, chosen, stepHits);
        return stepHits;
    }

    /** The workflow hits of the last workflow or hierarchical search. */
    public ExperienceHits workflowHits() {
        return workflowHits;
    }

    /** Validates the query and leaves its unit embedding in {@link #queryUnit}. */
    private void prepare(ExperienceQuery q, int k, EntryStore store) {
        Objects.requireNonNull(q, "query");
        Checks.inRange("k", k, 0, maxK);
        if (q.embedding == null) {
            throw new IllegalArgumentException("query has no embedding");
        }
        if (q.int8 && !store.int8) {
            throw new IllegalArgumentException("int8 search needs an index built with int8Copy");
        }
        store.check(q.embedding, q.embeddingOff, q.terms, q.counts, q.termCount);
        System.arraycopy(q.embedding, q.embeddingOff, queryUnit, 0, dim);
        VectorMath.normalize(queryUnit, 0, dim);
    }

    private boolean eligible(EntryStore s, int d, boolean filtered, int chosen) {
        return !filtered || workflows.mark[s.parent[d]] == chosen;
    }

    private void search(EntryStore s, ExperienceQuery q, int k, boolean filtered, int chosen, ExperienceHits out) {
        s.refreshStats();
        final int n = s.size;
        final int d0 = dim;
        final float[] unit = s.unit;
        final float[] qu = queryUnit;
        int lexStamp = ++stamp;
        double qNorm = s.accumulateLexical(q.terms, q.counts, q.termCount, touchedCount, lexStamp);

        lexTop.reset(2 * k);
        for (int d = 0; d < n; d++) {
            if (eligible(s, d, filtered, chosen)) {
                lexTop.offer(d, s.lexical(d, qNorm));
            }
        }
        int m1 = lexTop.drain(lexIds, null);

        semTop.reset(2 * k);
        if (q.int8) {
            float qScale = VectorMath.quantize(qu, 0, queryCodes, 0, d0);
            candTop.reset(2 * k * INT8_OVERSAMPLE);
            for (int d = 0; d < n; d++) {
                if (eligible(s, d, filtered, chosen)) {
                    candTop.offer(d, qScale * s.scales[d] * VectorMath.dotInt8(queryCodes, 0, s.codes, d * d0, d0));
                }
            }
            int m = candTop.drain(candIds, null);
            for (int i = 0; i < m; i++) {
                semTop.offer(candIds[i], VectorMath.dot(qu, 0, unit, candIds[i] * d0, d0));
            }
        } else {
            for (int d = 0; d < n; d++) {
                if (eligible(s, d, filtered, chosen)) {
                    semTop.offer(d, VectorMath.dot(qu, 0, unit, d * d0, d0));
                }
            }
        }
        int m2 = semTop.drain(semIds, null);

        int unionStamp = ++stamp;
        int u = 0;
        for (int i = 0; i < m1; i++) {
            s.mark[lexIds[i]] = unionStamp;
            unionIds[u++] = lexIds[i];
        }
        for (int i = 0; i < m2; i++) {
            if (s.mark[semIds[i]] != unionStamp) {
                s.mark[semIds[i]] = unionStamp;
                unionIds[u++] = semIds[i];
            }
        }
        final double wl = q.lexicalWeight;
        final double ws = q.semanticWeight;
        for (int i = 0; i < u; i++) {
            int d = unionIds[i];
            unionScore[i] = wl * s.lexical(d, qNorm) + ws * VectorMath.dot(qu, 0, unit, d * d0, d0);
        }

        int size;
        if (q.mmrLambda == q.mmrLambda) {
            size = mmr(s, q.mmrLambda, u, k, out);
        } else {
            hybridTop.reset(k);
            for (int i = 0; i < u; i++) {
                hybridTop.offer(unionIds[i], unionScore[i]);
            }
            size = hybridTop.drain(out.ids, out.scores);
        }
        for (int i = 0; i < size; i++) {
            int d = out.ids[i];
            out.lexical[i] = s.lexical(d, qNorm);
            out.semantic[i] = VectorMath.dot(qu, 0, unit, d * d0, d0);
        }
        out.size = size;
        s.clearLexical(touchedCount[0]);
    }

    /** Greedy maximal marginal relevance over the union's {@code u} members. */
    private int mmr(EntryStore s, double lambda, int u, int k, ExperienceHits out) {
        final int d0 = dim;
        for (int i = 0; i < u; i++) {
            unionTaken[i] = false;
            unionMaxSim[i] = Double.NEGATIVE_INFINITY;
        }
        int picked = 0;
        while (picked < k && picked < u) {
            int best = -1;
            double bestValue = 0;
            for (int i = 0; i < u; i++) {
                if (unionTaken[i]) {
                    continue;
                }
                double redundancy = picked == 0 ? 0.0 : unionMaxSim[i];
                double v = lambda * unionScore[i] - (1 - lambda) * redundancy;
                if (best < 0 || v > bestValue || (v == bestValue && unionIds[i] < unionIds[best])) {
                    best = i;
                    bestValue = v;
                }
            }
            unionTaken[best] = true;
            out.ids[picked] = unionIds[best];
            out.scores[picked] = unionScore[best];
            picked++;
            int b = unionIds[best];
            for (int i = 0; i < u; i++) {
                if (!unionTaken[i]) {
                    double sim = VectorMath.dot(s.unit, b * d0, s.unit, unionIds[i] * d0, d0);
                    unionMaxSim[i] = Math.max(unionMaxSim[i], sim);
                }
            }
        }
        return picked;
    }
}
