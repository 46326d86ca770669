package io.keel.planners.rollout;

import io.keel.core.ArgSort;
import io.keel.core.Checks;
import io.keel.planners.rollout.internal.SegmentCost;
import io.keel.planners.rollout.internal.SortedLengths;

/**
 * Presorted placement of trajectories on inference instances (Heddle's "where"): sort by
 * predicted length, longest first, and cut the order into contiguous groups, one per instance,
 * so that the predicted makespan (the largest group cost of {@link SegmentCost}: longest member
 * times per-token time at the group's batch, or the throughput bound beyond the batch limit) is
 * as small as possible. Long trajectories end up together on the fastest instances and short
 * ones share the rest without slowing the tail.
 *
 * <p>Instances may differ in parallel degree and batch limit. They take groups in order of
 * per-token time at batch 1, fastest first (ties by index), so the longest trajectories land on
 * the fastest instances; for that order the result is exact (equal to the {@code O(m n^2)}
 * dynamic program), and with identical instances it is the optimum over all contiguous
 * partitions.
 *
 * <p>Search: the optimum is one of the group costs. A probe at threshold {@code T} fills
 * instances greedily (each group grows while its cost stays {@code <= T}; costs only grow with
 * the group, so greedy reaches furthest), which in {@code O(n + m)} either succeeds, giving an
 * upper bound equal to its largest group cost, or fails, giving a lower bound equal to the
 * smallest cost that would have let a group grow. Bisecting the bit patterns of the doubles
 * between the bounds ends in at most 64 probes with the bounds equal: the exact optimum.
 * Among the optimal placements, the groups are then balanced toward a token share proportional
 * to instance speed (see {@code balance}), so no instance idles because another was packed to the
 * makespan.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates an {@link
 * ArgSort} and arrays sized by the capacities; {@link #place} allocates nothing and returns a
 * view valid until the next call. Bad input throws {@link IllegalArgumentException} before any
 * state changes.
 */
public final class TrajectoryPlacer {
    private final int maxTrajectories;
    private final int maxInstances;
    private final SegmentCost cost;
    private final SortedLengths lengths;
    private final SortedLengths.Probe probe = this::probe;
    private final ArgSort instanceSort;
    private final int[] order;
    private final double[] sorted;
    private final double[] prefix;
    private final double[] squares;
    private int probeN;
    private int probeM;
    private final double[] kv;
    private double context;
    private final double[] instanceKey;
    private final int[] instanceOrder;
    private final int[] degreeIndex;
    private final int[] limit;
    private final int[] segmentEnd;
    private final int[] minEnd;
    private final Placement placement;
    private int probes;

    /**
     * A placer for up to {@code maxTrajectories} trajectories on {@code maxInstances}
     * instances whose batch limits are at most {@code maxBatch} (at most 2^20), priced by {@code table}.
     */
    public TrajectoryPlacer(int maxTrajectories, int maxInstances, int maxBatch, DecodeTimeTable table) {
        this.maxTrajectories = Checks.nonNegative("maxTrajectories", maxTrajectories);
        this.maxInstances = Checks.positive("maxInstances", maxInstances);
        cost = new SegmentCost(table, maxBatch);
        lengths = new SortedLengths(maxTrajectories);
        instanceSort = new ArgSort(maxInstances);
        order = lengths.order;
        sorted = lengths.sorted;
        prefix = lengths.prefix;
        squares = lengths.squares;
        kv = new double[maxInstances];
        instanceKey = new double[maxInstances];
        instanceOrder = new int[maxInstances];
        degreeIndex = new int[maxInstances];
        limit = new int[maxInstances];
        segmentEnd = new int[maxInstances];
        minEnd = new int[maxInstances];
        placement = new Placement(maxTrajectories, maxInstances);
    }

    /**
     * Places {@code n} trajectories with {@code predictedTokens[0, n)} on {@code m} instances,
     * instance {@code j} having parallel degree {@code degrees[j]} (a degree of the table) and
     * batch limit {@code maxBatch[j]}.
     *
     * @throws IllegalArgumentException on sizes over capacity, short arrays, negative/NaN/infinite (or over 2^53)
     *     lengths, degrees missing from the table or batch limits outside {@code [1, maxBatch]}
     */
    public Placement place(double[] predictedTokens, int n, int[] degrees, int[] maxBatch, int m) {
        return place(predictedTokens, n, degrees, maxBatch, null, 0.0, m);
    }

    /**
     * As {@link #place(double[], int, int[], int[], int)} with a KV-cache budget per instance:
     * {@code kvTokens[j]} tokens of cache ({@code 0}: unbounded; {@code null}: all unbounded),
     * every trajectory starting from {@code contextTokens} tokens of prompt. Groups whose members
     * cannot share the memory are priced by the memory bound of {@link SegmentCost}.
     */
    public Placement place(double[] predictedTokens, int n, int[] degrees, int[] maxBatch, long[] kvTokens,
                           double contextTokens, int m) {
        Checks.inRange("n", n, 0, maxTrajectories);
        Checks.inRange("m", m, 1, maxInstances);
        SortedLengths.check(predictedTokens, n);
        Checks.length("degrees", Checks.notNull("degrees", degrees).length, m);
        Checks.length("maxBatch", Checks.notNull("maxBatch", maxBatch).length, m);
        final DecodeTimeTable table = cost.table();
        for (int j = 0; j < m; j++) {
            if (table.degreeIndex(degrees[j]) < 0) {
                throw Checks.element("degrees", j, "is not a degree of the decode-time table", degrees[j]);
            }
            if (maxBatch[j] < 1 || maxBatch[j] > cost.maxBatch()) {
                throw Checks.element("maxBatch", j, "must be in [1, " + cost.maxBatch() + "]", maxBatch[j]);
            }
        }
        if (kvTokens != null) {
            Checks.length("kvTokens", kvTokens.length, m);
            for (int j = 0; j < m; j++) {
                if (kvTokens[j] < 0) {
                    throw Checks.element("kvTokens", j, "must be >= 0", kvTokens[j]);
                }
            }
        }
        Checks.inRange("contextTokens", contextTokens, 0.0, Double.MAX_VALUE);
        context = contextTokens;

        for (int j = 0; j < m; j++) {
            instanceKey[j] = cost.secondsPerToken(table.degreeIndex(degrees[j]), 1);
        }
        instanceSort.sort(instanceKey, m, instanceOrder, false);
        for (int p = 0; p < m; p++) {
            int j = instanceOrder[p];
            degreeIndex[p] = table.degreeIndex(degrees[j]);
            limit[p] = maxBatch[j];
            kv[p] = kvTokens == null ? 0.0 : kvTokens[j];
        }
        lengths.load(predictedTokens, n);

        probes = 0;
        probeN = n;
        probeM = m;
        double hi = n == 0 ? 0.0 : groupCost(0, 0, n);
        double fastest = Double.POSITIVE_INFINITY;
        for (int p = 0; p < m; p++) {
            fastest = Math.min(fastest, cost.secondsPerToken(degreeIndex[p], 1));
        }
        double lo = n == 0 ? 0.0 : Math.min(hi, sorted[0] * fastest);
        hi = SortedLengths.minimize(lo, hi, probe);
        balance(hi, n, m);
        placement.fill(this, n, m, hi);
        return placement;
    }

    /**
     * Among the placements of makespan {@code t}, picks the one whose groups come closest to a
     * share of the tokens proportional to instance speed: the greedy probe would pack the first
     * instances up to {@code t} and leave the last ones idle, which is optimal only if the
     * predictions are exact. A backward greedy pass gives, per instance, the earliest end that
     * still lets the later instances cover the rest; each group then ends at its balanced
     * target, clamped between that end and its own greedy reach, so the makespan stays {@code t}.
     */
    private void balance(double t, int n, int m) {
        int e = n;
        for (int p = m - 1; p >= 0; p--) {
            minEnd[p] = e;
            int s = e;
            while (s > 0 && groupCost(p, s - 1, e) <= t) {
                s--;
            }
            e = s;
        }
        double weightLeft = 0;
        for (int p = 0; p < m; p++) {
            weightLeft += 1.0 / cost.secondsPerToken(degreeIndex[p], 1);
        }
        int a = 0;
        for (int p = 0; p < m; p++) {
            double weight = 1.0 / cost.secondsPerToken(degreeIndex[p], 1);
            double share = (prefix[n] - prefix[a]) * (weight / weightLeft);
            weightLeft -= weight;
            int b = Math.max(a, minEnd[p]);
            while (b < n && prefix[b] - prefix[a] < share && groupCost(p, a, b + 1) <= t) {
                b++;
            }
            segmentEnd[p] = b;
            a = b;
        }
    }

    /** Probes used by the last call (for benchmarks and tests). */
    public int lastProbeCount() {
        return probes;
    }

    /**
     * Greedy fill at threshold {@code t}: returns the largest group cost (at most {@code t}) when every
     * trajectory fits, otherwise the smallest cost above {@code t} that blocked a group.
     */
    private double probe(double t) {
        final int n = probeN;
        final int m = probeM;
        probes++;
        final double[] len = sorted;
        final double[] pre = prefix;
        final double[] sq = squares;
        final double ctx = context;
        int a = 0;
        double worst = 0.0;
        double blocked = Double.POSITIVE_INFINITY;
        for (int p = 0; p < m; p++) {
            final int d = degreeIndex[p];
            final int lim = limit[p];
            final double cap = kv[p];
            int b = a;
            double c = 0.0;
            if (a < n) {
                final double lmax = len[a];
                final double base = pre[a];
                final double baseSq = sq[a];
                while (b < n) {
                    double next = cost.cost(d, lim, cap, ctx, lmax, pre[b + 1] - base, sq[b + 1] - baseSq, b + 1 - a);
                    if (next > t) {
                        blocked = Math.min(blocked, next);
                        break;
                    }
                    c = next;
                    b++;
                }
            }
            worst = Math.max(worst, c);
            segmentEnd[p] = b;
            a = b;
        }
        return a == n ? worst : blocked;
    }

    /** Cost of ranks {@code [a, b)} on the instance at placement position {@code p}. */
    private double groupCost(int p, int a, int b) {
        return b == a ? 0.0 : cost.cost(degreeIndex[p], limit[p], kv[p], context, sorted[a],
                prefix[b] - prefix[a], squares[b] - squares[a], b - a);
    }

    /**
     * A placement: trajectories in rank order (longest predicted first) and, per instance (in
     * the caller's instance numbering), the contiguous rank range it runs. A view, valid until
     * the next {@link #place}.
     */
    public static final class Placement extends RankedSegments {
        private Placement(int maxTrajectories, int maxInstances) {
            super(maxTrajectories, maxInstances);
        }

        private void fill(TrajectoryPlacer p, int n, int m, double makespan) {
            this.n = n;
            this.instances = m;
            this.makespan = makespan;
            System.arraycopy(p.order, 0, ranked, 0, n);
            int a = 0;
            for (int q = 0; q < m; q++) {
                int j = p.instanceOrder[q];
                int b = p.segmentEnd[q];
                start[j] = a;
                end[j] = b;
                seconds[j] = p.groupCost(q, a, b);
                for (int r = a; r < b; r++) {
                    instanceOf[ranked[r]] = j;
                }
                a = b;
            }
        }
    }
}
