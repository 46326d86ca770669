package io.keel.planners.ep;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.keel.core.Checks;
import io.keel.planners.ep.internal.LargestRemainderSplit;
import io.keel.planners.ep.internal.ThresholdGreedy;
import io.keel.planners.ep.internal.TinyExact;

/**
 * Quota-driven expert replication (UltraEP's planner, re-derived): from the tokens each source
 * rank routed to each expert in this microbatch, decides which experts get replicas on which
 * ranks and exactly how many tokens every instance computes, so the max rank load comes down to
 * (or close to) the domain lower bound.
 *
 * <p>Objective, in order: the max rank load, then the number of replicas (each moves an
 * expert's state), then tokens computed off their source rank. The max rank load is found by a
 * threshold search: the smallest bound {@code T >= max(lowerBound, (1 + eps) lowerBound)} (probed
 * upward by steps sized from the unplaced excess, then bisected) for which a deterministic greedy sheds every overloaded
 * rank's excess into replicas on ranks of the same scale-up domain with slack and a free slot
 * (see {@code ThresholdGreedy}); at that bound the greedy runs with overloaded ranks in both
 * orders (smallest excess first, heaviest first) and the plan with fewer replicas is kept. Replicas carry at least {@code minTokensPerReplica} tokens. The
 * token split then gives each instance the tokens that originate on its own rank first
 * (locality), and shares the rest by largest remainder, ties by rank (the exact rule is at
 * {@link ReplicationPlan#tokens}), so the per-(source, expert, instance) counts are exact.
 *
 * <p>The greedy is a heuristic: on tiny layouts (at most 4 ranks, 8 experts, 2 slots per rank) the
 * planner instead enumerates every placement and is exact (lexicographically fewest replicas at
 * the smallest max rank load, {@code eps} ignored); the property tests check that against an
 * independent exhaustive search.
 *
 * <p>Input: {@code loads[s * E + e]} (int32, row-major, R x E) as {@code int[]} or
 * {@link MemorySegment}, or per-expert totals ({@link #planTotals}); every value must be >= 0 and
 * each expert's total must fit in an int. A bad input throws {@link IllegalArgumentException}
 * before any state changes, so the planner and its last plan stay intact.
 *
 * <p>Threading: one thread per planner. Allocation: the constructor allocates every array
 * (O(R x E + E x domainSize + R x S x R)); {@code plan} calls allocate nothing. Deterministic:
 * identical inputs give identical plans on every JVM (integer arithmetic, ties by index).
 */
public final class QuotaPlanner {
    /**
     * Planner options.
     *
     * @param minTokensPerReplica smallest quota a replica may get (UltraEP: 1024; 0 = any)
     * @param eps accepted relative slack over the lower bound (0 = search for the exact best)
     * @param localityAware whether instances take their own rank's tokens first
     */
    public record Options(int minTokensPerReplica, double eps, boolean localityAware) {
        /** UltraEP's defaults: 1024 tokens per replica, exact search, locality-aware split. */
        public static final Options DEFAULTS = new Options(1024, 0.0, true);

        /** Validates the options. */
        public Options {
            Checks.nonNegative("minTokensPerReplica", minTokensPerReplica);
            Checks.inRange("eps", eps, 0.0, 1.0);
        }

        /** These options with another minimum replica size. */
        public Options withMinTokensPerReplica(int min) {
            return new Options(min, eps, localityAware);
        }

        /** These options with another tolerance. */
        public Options withEps(double e) {
            return new Options(minTokensPerReplica, e, localityAware);
        }

        /** These options with the locality-aware split on or off. */
        public Options withLocalityAware(boolean on) {
            return new Options(minTokensPerReplica, eps, on);
        }
    }

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final ExpertLayout layout;
    private final Options options;
    private final int ranks;
    private final int experts;
    private final int domainSize;
    private final ThresholdGreedy greedy;
    private final TinyExact tiny;
    private final ReplicationPlan plan;
    private final long[] scratchTotals;
    private final int[] expertTotals;
    private final long[] rankLoads;
    private final int[] usedSlots;
    private final int[] residualSource;
    private final int[] residualNeed;
    private final LargestRemainderSplit splitter;
    private int[] staging;

    /** A planner with {@link Options#DEFAULTS}. */
    public QuotaPlanner(ExpertLayout layout) {
        this(layout, Options.DEFAULTS);
    }

    /** A planner for {@code layout}; allocates everything it will use. */
    public QuotaPlanner(ExpertLayout layout, Options options) {
        this.layout = Checks.notNull("layout", layout);
        this.options = Checks.notNull("options", options);
        ranks = layout.ranks();
        experts = layout.experts();
        domainSize = layout.domainSize();
        if ((long) ranks * experts > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("ranks * experts too large, was " + (long) ranks * experts);
        }
        greedy = new ThresholdGreedy(layout);
        greedy.minTokens(options.minTokensPerReplica());
        tiny = TinyExact.applies(layout) ? new TinyExact(layout) : null;
        plan = new ReplicationPlan(layout);
        scratchTotals = new long[experts];
        expertTotals = new int[experts];
        rankLoads = new long[ranks];
        usedSlots = new int[ranks];
        residualSource = new int[ranks];
        residualNeed = new int[domainSize];
        splitter = new LargestRemainderSplit(ranks);
        staging = new int[ranks * experts];
    }

    /** The layout planned for. */
    public ExpertLayout layout() {
        return layout;
    }

    /** The options in force. */
    public Options options() {
        return options;
    }

    /** The last plan (before any successful call: every expert on its master with no load). */
    public ReplicationPlan lastPlan() {
        return plan;
    }

    /**
     * Declares that {@code rank} already holds {@code expert}'s state (a replica left from an
     * earlier plan): a replica there moves no bytes and the planner prefers it.
     */
    public void setResident(int rank, int expert, boolean resident) {
        Checks.index("rank", rank, ranks);
        Checks.index("expert", expert, experts);
        greedy.resident(rank, expert, resident);
    }

    /** Empties the resident set. */
    public void clearResident() {
        greedy.clearResident();
    }

    /** Plans from {@code loads[s * E + e]}, exactly R x E values. */
    public ReplicationPlan plan(int[] loads) {
        Checks.notNull("loads", loads);
        Checks.sameLength("loads", loads.length, ranks * experts);
        System.arraycopy(loads, 0, staging, 0, loads.length);
        return planStaged();
    }

    /** Plans from an int32 row-major R x E segment (native order, e.g. pinned host memory). */
    public ReplicationPlan plan(MemorySegment loads) {
        Checks.notNull("loads", loads);
        long need = (long) ranks * experts * Integer.BYTES;
        if (loads.byteSize() != need) {
            throw new IllegalArgumentException("loads byteSize must be " + need + ", was " + loads.byteSize());
        }
        MemorySegment.copy(loads, INT, 0, staging, 0, ranks * experts);
        return planStaged();
    }

    /** Validates the staged copy of the input; on success it becomes the plan's source matrix. */
    private ReplicationPlan planStaged() {
        final int[] copy = staging;
        final long[] sum = scratchTotals;
        java.util.Arrays.fill(sum, 0);
        // One vectorizable pass: values are summed as unsigned, so a negative one adds at least
        // 2^31 and shows as a column total over Integer.MAX_VALUE, the same test as an overflow;
        // which of the two it was is found again only on failure. (A long[] accumulator over an
        // int[] source also lets C2 vectorize: the arrays cannot alias.)
        for (int s = 0, row = 0; s < ranks; s++, row += experts) {
            for (int e = 0; e < experts; e++) {
                sum[e] += copy[row + e] & 0xFFFF_FFFFL;
            }
        }
        for (int e = 0; e < experts; e++) {
            if (sum[e] > Integer.MAX_VALUE) {
                for (int v : copy) {
                    if (v < 0) {
                        throw negative(copy);
                    }
                }
                checkTotals("loads");
            }
        }
        return solve(true);
    }

    private static IllegalArgumentException negative(int[] values) {
        int i = 0;
        while (values[i] >= 0) {
            i++;
        }
        return Checks.element("loads", i, "must be >= 0", values[i]);
    }

    /** Plans from per-expert totals (no per-source split; {@link ReplicationPlan#tokens} unavailable). */
    public ReplicationPlan planTotals(int[] totals) {
        Checks.notNull("totals", totals);
        Checks.sameLength("totals", totals.length, experts);
        for (int e = 0; e < experts; e++) {
            if (totals[e] < 0) {
                throw Checks.element("totals", e, "must be >= 0", totals[e]);
            }
            scratchTotals[e] = totals[e];
        }
        return solve(false);
    }

    private void checkTotals(String name) {
        for (int e = 0; e < experts; e++) {
            if (scratchTotals[e] > Integer.MAX_VALUE) {
                throw Checks.element(name, e, "column total overflows an int (tokens routed to expert " + e + ")",
                        scratchTotals[e]);
            }
        }
    }

    private ReplicationPlan solve(boolean split) {
        final ReplicationPlan p = plan;
        if (split) {
            // Validated: the staged copy becomes the plan's source matrix.
            int[] previous = p.sourceLoads;
            p.sourceLoads = staging;
            staging = previous;
        }
        final int[] w = expertTotals;
        java.util.Arrays.fill(rankLoads, 0);
        long total = 0;
        for (int e = 0; e < experts; e++) {
            w[e] = (int) scratchTotals[e];
            rankLoads[layout.homeRank(e)] += w[e];
            total += w[e];
        }
        long lower = 0;
        long initialMax = 0;
        for (int d = 0, lo = 0; d < layout.domains(); d++, lo += domainSize) {
            long sum = 0;
            for (int r = lo; r < lo + domainSize; r++) {
                sum += rankLoads[r];
                initialMax = Math.max(initialMax, rankLoads[r]);
            }
            lower = Math.max(lower, (sum + domainSize - 1) / domainSize);
        }
        greedy.prepare(w, rankLoads);
        long t;
        if (tiny != null) {
            probes = 1;
            t = tiny.solve(greedy, lower);
        } else {
            t = search(lower, initialMax);
        }
        fill(p, split, t, lower, initialMax, total);
        return p;
    }

    private int probes;

    private long search(long lower, long initialMax) {
        probes = 0;
        long start = Math.max(lower, (long) Math.floor(lower * (1.0 + options.eps())));
        if (start >= initialMax) {
            return initialMax;
        }
        if (probe(start)) {
            return start;
        }
        // A failed probe reports the excess it could not place; spreading it over the domain
        // gives the next bound to try (at least doubling the step, so the bracket closes fast).
        long bad = start;
        long good = initialMax;
        long step = 1;
        while (true) {
            long jump = Math.max(step, (greedy.deficit() + domainSize - 1) / domainSize);
            long t = bad + jump;
            if (t >= initialMax) {
                break;
            }
            if (probe(t)) {
                good = t;
                break;
            }
            bad = t;
            step = jump << 1;
        }
        while (good - bad > 1) {
            long mid = bad + ((good - bad) >>> 1);
            if (probe(mid)) {
                good = mid;
            } else {
                bad = mid;
            }
        }
        return good;
    }

    private boolean probe(long t) {
        probes++;
        if (greedy.run(t)) {
            greedy.save(t);
            return true;
        }
        return false;
    }

    private void fill(ReplicationPlan p, boolean split, long t, long lower, long initialMax, long total) {
        if (tiny == null) {
            // Fewest replicas at the chosen bound: both sender orders, smallest-first kept on
            // ties. The search saved its smallest-first result at t (when it probed t).
            if (greedy.savedBound() != t) {
                if (!greedy.run(t, true)) {
                    throw new IllegalStateException("threshold " + t + " is not feasible");
                }
                greedy.save(t);
            }
            boolean heaviestOk = greedy.run(t, false);
            if (!heaviestOk || greedy.recCount >= greedy.savedReplicas()) {
                greedy.restore();
            }
        }
        final int g = domainSize;
        final int[] rec = greedy.recExpert;
        final int n = greedy.recCount;
        // Undo the last plan's replicas (only its replicated experts have any), then set the masters.
        for (int k = 0, m = p.replicatedCount; k < m; k++) {
            int e = p.replicatedExperts[k];
            int a = e * g;
            for (int j = 1, c = p.instCount[e]; j < c; j++) {
                p.phy2log[p.instPhys[a + j]] = -1;
            }
            p.instCount[e] = 1;
            p.replicatedIndex[e] = -1;
        }
        for (int e = 0, a = 0; e < experts; e++, a += g) {
            p.instQuota[a] = greedy.masterQuota(e);
        }
        System.arraycopy(expertTotals, 0, p.expertLoad, 0, experts);
        // Replicas of one expert are contiguous in the greedy's record: insert each by rank.
        for (int i = 0; i < n; i++) {
            int e = rec[i];
            int a = e * g;
            int j = p.instCount[e]++;
            int r = greedy.recRank[i];
            int q = greedy.recAmount[i];
            while (j > 1 && p.instRank[a + j - 1] > r) {
                p.instRank[a + j] = p.instRank[a + j - 1];
                p.instQuota[a + j] = p.instQuota[a + j - 1];
                j--;
            }
            p.instRank[a + j] = r;
            p.instQuota[a + j] = q;
        }
        java.util.Arrays.fill(usedSlots, 0);
        p.sourceSplit = split;
        int transfers = 0;
        int maxInst = 1;
        int replicatedExperts = 0;
        long off = 0;
        for (int e = 0; e < experts; e++) {
            int a = e * g;
            int c = p.instCount[e];
            if (c == 1) {
                if (split) {
                    off += expertTotals[e] - p.sourceLoads[layout.homeRank(e) * experts + e];
                }
                continue;
            }
            p.replicatedIndex[e] = replicatedExperts;
            p.replicatedExperts[replicatedExperts++] = e;
            maxInst = Math.max(maxInst, c);
            for (int j = 1; j < c; j++) {
                int r = p.instRank[a + j];
                int phys = layout.redundantPhysical(r, usedSlots[r]++);
                p.instPhys[a + j] = phys;
                p.phy2log[phys] = e;
                if (!greedy.isResident(r, e)) {
                    p.transferExpert[transfers] = e;
                    p.transferFrom[transfers] = layout.homeRank(e);
                    p.transferTo[transfers] = r;
                    transfers++;
                }
            }
            if (split) {
                off += splitTokens(p, e, p.replicatedIndex[e]);
            }
        }
        long max = 0;
        for (int r = 0; r < ranks; r++) {
            long l = greedy.load(r);
            p.finalLoad[r] = l;
            p.initialLoad[r] = rankLoads[r];
            max = Math.max(max, l);
        }
        p.replicatedCount = replicatedExperts;
        p.transferCount = transfers;
        p.replicaCount = n;
        p.maxInstances = maxInst;
        p.sourceSplit = split;
        p.totalTokens = total;
        p.lowerBound = lower;
        p.threshold = t;
        p.initialMax = initialMax;
        p.finalMax = max;
        p.offSource = off;
        p.probes = probes;
    }

    /** Splits expert {@code e}'s tokens over its instances; returns the tokens sent off their source. */
    private long splitTokens(ReplicationPlan p, int e, int rep) {
        final int a = e * domainSize;
        final int c = p.instCount[e];
        final int[] left = residualSource;
        final int[] need = residualNeed;
        for (int s = 0, i = e; s < ranks; s++, i += experts) {
            left[s] = p.sourceLoads[i];
        }
        int total = 0;
        for (int j = 0; j < c; j++) {
            int r = p.instRank[a + j];
            int take = options.localityAware() ? Math.min(left[r], p.instQuota[a + j]) : 0;
            p.instLocal[a + j] = take;
            left[r] -= take;
            need[j] = p.instQuota[a + j] - take;
            total += need[j];
        }
        final int base = p.splitBase[rep];
        final int[] table = p.split;
        p.splitBase[rep + 1] = base + ranks * c;
        splitter.split(left, total, need, c, table, base);
        long local = 0;
        for (int j = 0; j < c; j++) {
            int i = base + j * ranks + p.instRank[a + j];
            table[i] += p.instLocal[a + j];
            local += table[i];
        }
        return p.expertLoad[e] - local;
    }
}
