package io.keel.planners.rollout;

import io.keel.core.Checks;
import io.keel.planners.rollout.internal.SegmentCost;
import io.keel.planners.rollout.internal.SortedLengths;

/**
 * Parallelism tuning (Heddle's "how"): splits {@code G} GPUs into inference instances of the
 * table's parallel degrees (1, 2, 4, 8 by default) and gives each instance a contiguous segment
 * of the trajectories sorted by predicted length, longest first, minimizing the predicted
 * makespan ({@link SegmentCost}). Long-tail trajectories get wide, low-latency instances;
 * the bulk gets narrow, high-throughput ones. Exact, where Heddle anneals.
 *
 * <p>Search: at a threshold {@code T}, the fewest GPUs that cover the sorted order with groups
 * of cost {@code <= T} is a dynamic program over start positions, {@code g(a) = min over
 * degrees d of d + g(reach_d(a))}, where {@code reach_d(a)} is the furthest end a degree-{@code
 * d} group from {@code a} can take; reaching furthest is optimal because covering a shorter
 * suffix never needs more GPUs, and {@code reach_d} only moves one way, so each probe is {@code
 * O(n * degrees)} with two pointers. A probe within {@code G} GPUs yields an upper bound (its
 * largest group cost), one over yields a lower bound (the smallest cost that would extend a
 * reach); bisecting between them ends at the exact optimum.
 *
 * <p>GPUs the optimum does not need are reported as idle ({@link Plan#idleGpus()}); the caller
 * may add them as extra instances.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates a sorter and arrays sized by the capacities; {@link #plan} allocates nothing and returns a
 * view valid until the next call. Bad input throws {@link IllegalArgumentException} before any
 * state changes.
 */
public final class ParallelismPlanner {
    private static final int NONE = Integer.MAX_VALUE / 2;

    private final int maxTrajectories;
    private final int maxGpus;
    private final int[] limit;
    private final double[] kv;
    private final double context;
    private final SegmentCost cost;
    private final int[] degrees;
    private final SortedLengths lengths;
    private final SortedLengths.Probe probe = this::probe;
    private final int[] order;
    private final double[] sorted;
    private final double[] prefix;
    private final double[] squares;
    private int probeN;
    private int probeGpus;
    private final int[] gpus;
    private final int[] choice;
    private final int[] reach;
    private final int[] pointer;
    private final Plan plan;
    private int probes;

    /**
     * A planner for up to {@code maxTrajectories} trajectories over up to {@code maxGpus} GPUs,
     * every instance running at most {@code maxBatch} sequences (at most 2^20), priced by {@code table}.
     */
    public ParallelismPlanner(int maxTrajectories, int maxGpus, int maxBatch, DecodeTimeTable table) {
        this(maxTrajectories, maxGpus, uniform(Checks.notNull("table", table),
                Checks.inRange("maxBatch", maxBatch, 1, SegmentCost.MAX_BATCH)), table);
    }

    /**
     * As {@link #ParallelismPlanner(int, int, int, DecodeTimeTable)} with a batch limit per
     * degree column of the table ({@code maxBatchPerDegree[i]} for {@code table.degree(i)}): wider
     * instances hold more KV cache, so they usually run more sequences at once.
     */
    public ParallelismPlanner(int maxTrajectories, int maxGpus, int[] maxBatchPerDegree, DecodeTimeTable table) {
        this(maxTrajectories, maxGpus, maxBatchPerDegree, null, 0.0, table);
    }

    /**
     * As {@link #ParallelismPlanner(int, int, int[], DecodeTimeTable)} with a KV-cache budget per
     * degree column ({@code kvTokensPerDegree[i]} tokens for an instance of {@code
     * table.degree(i)}; 0 or {@code null}: unbounded), every trajectory starting from {@code
     * contextTokens} tokens: groups whose members cannot share the memory are priced by the
     * memory bound of {@link SegmentCost}.
     */
    public ParallelismPlanner(int maxTrajectories, int maxGpus, int[] maxBatchPerDegree, long[] kvTokensPerDegree,
                              double contextTokens, DecodeTimeTable table) {
        this.maxTrajectories = Checks.nonNegative("maxTrajectories", maxTrajectories);
        this.maxGpus = Checks.positive("maxGpus", maxGpus);
        Checks.notNull("table", table);
        Checks.sameLength("maxBatchPerDegree", Checks.notNull("maxBatchPerDegree", maxBatchPerDegree).length, table.degreeCount());
        int most = 1;
        for (int i = 0; i < maxBatchPerDegree.length; i++) {
            if (maxBatchPerDegree[i] < 1 || maxBatchPerDegree[i] > SegmentCost.MAX_BATCH) {
                throw Checks.element("maxBatchPerDegree", i, "must be in [1, " + SegmentCost.MAX_BATCH + "]",
                        maxBatchPerDegree[i]);
            }
            most = Math.max(most, maxBatchPerDegree[i]);
        }
        limit = maxBatchPerDegree.clone();
        kv = new double[maxBatchPerDegree.length];
        if (kvTokensPerDegree != null) {
            Checks.sameLength("kvTokensPerDegree", kvTokensPerDegree.length, table.degreeCount());
            for (int i = 0; i < kv.length; i++) {
                if (kvTokensPerDegree[i] < 0) {
                    throw Checks.element("kvTokensPerDegree", i, "must be >= 0", kvTokensPerDegree[i]);
                }
                kv[i] = kvTokensPerDegree[i];
            }
        }
        context = Checks.inRange("contextTokens", contextTokens, 0.0, Double.MAX_VALUE);
        cost = new SegmentCost(table, most);
        degrees = new int[table.degreeCount()];
        for (int d = 0; d < degrees.length; d++) {
            degrees[d] = table.degree(d);
        }
        lengths = new SortedLengths(maxTrajectories);
        order = lengths.order;
        sorted = lengths.sorted;
        prefix = lengths.prefix;
        squares = lengths.squares;
        gpus = new int[maxTrajectories + 1];
        choice = new int[maxTrajectories];
        reach = new int[maxTrajectories];
        pointer = new int[degrees.length];
        plan = new Plan(maxTrajectories);
    }

    private static int[] uniform(DecodeTimeTable table, int maxBatch) {
        int[] l = new int[table.degreeCount()];
        java.util.Arrays.fill(l, maxBatch);
        return l;
    }

    /**
     * Plans {@code n} trajectories with {@code predictedTokens[0, n)} on {@code gpuCount} GPUs.
     *
     * @throws IllegalArgumentException on sizes over capacity, short arrays, negative/NaN/infinite (or over 2^53)
     *     lengths, or fewer GPUs than the smallest degree
     */
    public Plan plan(double[] predictedTokens, int n, int gpuCount) {
        Checks.inRange("n", n, 0, maxTrajectories);
        Checks.inRange("gpuCount", gpuCount, degrees[0], maxGpus);
        SortedLengths.check(predictedTokens, n);
        lengths.load(predictedTokens, n);
        probes = 0;
        probeN = n;
        probeGpus = gpuCount;
        double lo = 0.0;
        // n degree-1 instances of one trajectory each is a start when the GPUs suffice; otherwise
        // grow the threshold until the probe fits.
        double hi = Double.POSITIVE_INFINITY;
        if (n > 0) {
            double best = Double.POSITIVE_INFINITY;
            for (int d = 0; d < degrees.length; d++) {
                if (degrees[d] <= gpuCount) {
                    best = Math.min(best, groupCost(d, 0, 1));
                }
            }
            lo = best;
            hi = probe(Double.MAX_VALUE);
        } else {
            hi = 0.0;
        }
        hi = SortedLengths.minimize(lo, hi, probe);
        if (n > 0) {
            probe(hi);
        }
        plan.fill(this, n, gpuCount, hi);
        return plan;
    }

    /** Probes used by the last call. */
    public int lastProbeCount() {
        return probes;
    }

    private double probe(double t) {
        final int n = probeN;
        final int gpuCount = probeGpus;
        probes++;
        final double[] len = sorted;
        final double[] pre = prefix;
        final double[] sq = squares;
        final int[] deg = degrees;
        final int nd = deg.length;
        for (int d = 0; d < nd; d++) {
            pointer[d] = n;
        }
        gpus[n] = 0;
        double blocked = Double.POSITIVE_INFINITY;
        for (int a = n - 1; a >= 0; a--) {
            int best = NONE;
            int bestD = -1;
            int bestR = a;
            final double lmax = len[a];
            final double base = pre[a];
            final double baseSq = sq[a];
            for (int d = 0; d < nd; d++) {
                if (deg[d] > gpuCount) {
                    continue;
                }
                int r = pointer[d];
                while (r > a && cost.cost(d, limit[d], kv[d], context, lmax, pre[r] - base, sq[r] - baseSq, r - a) > t) {
                    r--;
                }
                pointer[d] = r;
                if (r < n) {
                    blocked = Math.min(blocked,
                            cost.cost(d, limit[d], kv[d], context, lmax, pre[r + 1] - base, sq[r + 1] - baseSq, r + 1 - a));
                }
                if (r > a) {
                    int g = deg[d] + gpus[r];
                    if (g < best) {
                        best = g;
                        bestD = d;
                        bestR = r;
                    }
                }
            }
            gpus[a] = best;
            choice[a] = bestD;
            reach[a] = bestR;
        }
        if (gpus[0] > gpuCount) {
            return blocked;
        }
        double worst = 0.0;
        for (int a = 0; a < n; a = reach[a]) {
            int r = reach[a];
            worst = Math.max(worst, groupCost(choice[a], a, r));
        }
        return worst;
    }

    /** Cost of ranks {@code [a, b)} on an instance of degree column {@code d}. */
    private double groupCost(int d, int a, int b) {
        return cost.cost(d, limit[d], kv[d], context, sorted[a], prefix[b] - prefix[a], squares[b] - squares[a], b - a);
    }

    /**
     * A parallelism plan: instances in rank order (instance 0 runs the longest trajectories),
     * each with a degree and a contiguous rank range. A view, valid until the next {@link #plan}.
     */
    public static final class Plan extends RankedSegments {
        private final int[] degree;
        private int gpusUsed;
        private int gpuCount;

        private Plan(int maxTrajectories) {
            super(maxTrajectories, maxTrajectories);
            degree = new int[maxTrajectories];
        }

        private void fill(ParallelismPlanner p, int n, int gpuCount, double makespan) {
            this.n = n;
            this.gpuCount = gpuCount;
            this.makespan = makespan;
            System.arraycopy(p.order, 0, ranked, 0, n);
            int k = 0;
            int used = 0;
            for (int a = 0; a < n; a = p.reach[a]) {
                int r = p.reach[a];
                int d = p.choice[a];
                degree[k] = p.degrees[d];
                start[k] = a;
                end[k] = r;
                seconds[k] = p.groupCost(d, a, r);
                used += p.degrees[d];
                for (int q = a; q < r; q++) {
                    instanceOf[ranked[q]] = k;
                }
                k++;
            }
            instances = k;
            gpusUsed = used;
        }

        /** GPUs the instances use. */
        public int gpusUsed() {
            return gpusUsed;
        }

        /** GPUs left without an instance. */
        public int idleGpus() {
            return gpuCount - gpusUsed;
        }

        /** Parallel degree of instance {@code j}. */
        public int degree(int j) {
            return degree[Checks.index("j", j, instances)];
        }
    }
}
