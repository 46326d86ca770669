package io.keel.planners.ep;

import java.lang.foreign.MemorySegment;

import io.keel.core.Checks;
import io.keel.planners.ep.internal.ColumnSum;
import io.keel.planners.ep.internal.GreedyResult;
import io.keel.planners.ep.internal.LargestRemainderSplit;
import io.keel.planners.ep.internal.ResidentSet;
import io.keel.planners.ep.internal.ThresholdGreedy;
import io.keel.planners.ep.internal.TinyExact;

/**
 * Quota-driven expert replication (UltraEP's planner, re-derived): from the tokens each source
 * rank routed to each expert in this microbatch, decides which experts get replicas on which
 * ranks and exactly how many tokens every instance computes, so the max rank load comes down to
 * (or close to) the domain lower bound.
 *
 * <p>Objective, in order: the max rank load, then the number of replicas (each moves an
 * expert's state), then tokens computed off their source rank.
 *
 * <p>How {@link #plan} gets there, top-down:
 * <ol>
 *   <li>Stage a copy of the input (or, with {@link Options#borrowInput()}, read it in place) and
 *       validate it in one pass that sums each expert's column.</li>
 *   <li>Threshold search: the smallest bound {@code T >= max(lowerBound, (1 + eps) lowerBound)}
 *       for which a deterministic greedy ({@code ThresholdGreedy}) sheds every overloaded rank's
 *       excess into replicas on ranks of the same scale-up domain that have slack and a free
 *       slot. Bounds are probed upward by steps sized from the excess the last probe could not
 *       place, then bisected.</li>
 *   <li>Fewest replicas at that bound: the greedy runs with overloaded ranks in both orders
 *       (smallest excess first, heaviest first) and the result with fewer replicas is kept.
 *       Every replica carries at least {@code minTokensPerReplica} tokens.</li>
 *   <li>The plan is written in three steps: replica placement (instances and quotas), slots and
 *       transfers, and the token split with the totals. The split gives each instance the tokens
 *       that originate on its own rank first (locality) and shares the rest by largest
 *       remainder, ties by rank (the exact rule is at {@link ReplicationPlan#tokens}), so the
 *       per-(source, expert, instance) counts are exact.</li>
 * </ol>
 *
 * <p>The greedy is a heuristic: on tiny layouts (at most 4 ranks, 8 experts, 2 slots per rank) the
 * planner instead enumerates every placement and is exact (lexicographically fewest replicas at
 * the smallest max rank load, {@code eps} ignored); the property tests check that against an
 * independent exhaustive search.
 *
 * <p>Input: {@code loads[s * E + e]} (int32, row-major, R x E) as {@code int[]} or
 * {@link MemorySegment}, or per-expert totals ({@link #planTotals}); every value must be >= 0 and
 * each expert's total must fit in an int. A bad input throws {@link IllegalArgumentException}
 * before any state changes, so the planner and its last plan stay intact (unless, with {@link
 * Options#borrowInput()}, the caller changed the array the last plan reads: see {@link #plan(int[])}).
 * {@link Options} gained its fourth component, {@code borrowInput}, on 2026-11-29: its
 * three-argument constructor stays, but a record pattern needs all four components.
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
     * @param borrowInput whether {@link #plan(int[])} reads the caller's array instead of a copy
     *     of it (see there); {@code false} by default
     */
    public record Options(int minTokensPerReplica, double eps, boolean localityAware, boolean borrowInput) {
        /** UltraEP's defaults: 1024 tokens per replica, exact search, locality-aware split, input copied. */
        public static final Options DEFAULTS = new Options(1024, 0.0, true);

        /** Validates the options. */
        public Options {
            Checks.nonNegative("minTokensPerReplica", minTokensPerReplica);
            Checks.inRange("eps", eps, 0.0, 1.0);
        }

        /** Options that copy the input ({@code borrowInput} false). */
        public Options(int minTokensPerReplica, double eps, boolean localityAware) {
            this(minTokensPerReplica, eps, localityAware, false);
        }

        /** These options with another minimum replica size. */
        public Options withMinTokensPerReplica(int min) {
            return new Options(min, eps, localityAware, borrowInput);
        }

        /** These options with another tolerance. */
        public Options withEps(double e) {
            return new Options(minTokensPerReplica, e, localityAware, borrowInput);
        }

        /** These options with the locality-aware split on or off. */
        public Options withLocalityAware(boolean on) {
            return new Options(minTokensPerReplica, eps, on, borrowInput);
        }

        /** These options with {@link QuotaPlanner#plan(int[])} reading the caller's array, or a copy. */
        public Options withBorrowInput(boolean on) {
            return new Options(minTokensPerReplica, eps, localityAware, on);
        }
    }

    /** Replicated experts whose source columns one pass down the matrix gathers (see {@link #gathered}). */
    private static final int GATHER_BLOCK = 32;

    private final ExpertLayout layout;
    private final Options options;
    private final int ranks;
    private final int experts;
    private final int domainSize;
    private final ResidentSet resident;
    private final ThresholdGreedy greedy;
    private final TinyExact tiny;
    private final ReplicationPlan plan;
    private final ColumnSum columnSum;
    private final long[] columnTotals;
    private final int[] expertTotals;
    private final long[] rankLoads;
    private final int[] usedSlots;
    private final int[] replicaCursor;
    private final int[] residualSource;
    // Replicated experts' source columns, gathered GATHER_BLOCK at a time in one pass down the rows
    // (column j of a block at gathered[j * ranks ..]): reading a column alone strides a whole row
    // per element, and rows a power of two apart share the same few cache sets.
    private final int[] gathered;
    private final int[] gatheredExpert;
    private final int[] residualNeed;
    private final int[] instanceLocal;
    private final LargestRemainderSplit splitter;
    private final int[] bufferA;
    private final int[] bufferB;
    private int probes;

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
        resident = new ResidentSet(ranks, experts);
        greedy = new ThresholdGreedy(layout, resident);
        greedy.minTokens(options.minTokensPerReplica());
        tiny = TinyExact.applies(layout) ? new TinyExact(layout, options.minTokensPerReplica()) : null;
        plan = new ReplicationPlan(layout);
        columnSum = ColumnSum.create(experts);
        columnTotals = new long[experts];
        expertTotals = new int[experts];
        rankLoads = new long[ranks];
        usedSlots = new int[ranks];
        int maxReplicated = Math.min(ranks * layout.slotsPerRank(), experts);
        replicaCursor = new int[maxReplicated + 1];
        residualSource = new int[ranks];
        gathered = new int[GATHER_BLOCK * ranks];
        gatheredExpert = new int[GATHER_BLOCK];
        residualNeed = new int[domainSize];
        instanceLocal = new int[domainSize];
        splitter = new LargestRemainderSplit(ranks);
        bufferA = plan.sourceLoads();
        bufferB = new int[ranks * experts];
    }

    /**
     * Which form sums and validates the input's columns in this JVM: "Panama N-bit int lanes" with
     * {@code --add-modules jdk.incubator.vector}, "scalar ..." without it, with
     * {@code -Dkeel.planners.scalar=true} or on a CPU without 128-bit vectors (the same plans).
     */
    public static String columnSumImplementation() {
        return ColumnSum.implementation();
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
        this.resident.set(rank, expert, resident);
    }

    /** Empties the resident set. */
    public void clearResident() {
        resident.clear();
    }

    /**
     * Plans from {@code loads[s * E + e]}, exactly R x E values.
     *
     * <p>One pass over the matrix sums and validates its columns; with {@code --add-modules
     * jdk.incubator.vector} it runs in SIMD {@code int} lanes, without it (or with
     * {@code -Dkeel.planners.scalar=true}, or on a CPU without 128-bit vectors) in a scalar loop:
     * the same plans.
     *
     * <p>By default the planner copies {@code loads} (into one of two buffers of its own, so a
     * rejected call leaves the last plan's source matrix intact). With {@link
     * Options#borrowInput()} it reads {@code loads} in place and the plan keeps reading it: an
     * expert with one instance answers {@link ReplicationPlan#tokens} and {@link
     * ReplicationPlan#writeReroutePrefix} from it. That saves a copy of the matrix per call (at 256
     * ranks x 1,024 experts, 1 MiB, about a third of the call: 109-120 to 72-76 us), and asks the caller not to change
     * {@code loads} while it reads the plan: refilling the array for the next call changes the
     * previous plan's answers, also when that call then rejects the new values.
     */
    public ReplicationPlan plan(int[] loads) {
        Checks.notNull("loads", loads);
        Checks.sameLength("loads", loads.length, ranks * experts);
        int[] source = options.borrowInput() ? loads : spareBuffer();
        boolean valid = columnSum.sum(loads, options.borrowInput() ? null : source, ranks, columnTotals);
        return planFrom(source, valid);
    }

    /**
     * Plans from an int32 row-major R x E segment (native order, e.g. pinned host memory). A
     * segment is always copied, {@link Options#borrowInput()} or not: its memory may be freed, or
     * written by a device, while the plan is read.
     */
    public ReplicationPlan plan(MemorySegment loads) {
        Checks.notNull("loads", loads);
        long need = (long) ranks * experts * Integer.BYTES;
        if (loads.byteSize() != need) {
            throw new IllegalArgumentException("loads byteSize must be " + need + ", was " + loads.byteSize());
        }
        if (!loads.scope().isAlive()) {
            throw new IllegalArgumentException("loads: its arena is closed");
        }
        if (!loads.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalArgumentException("loads: its confined arena belongs to another thread");
        }
        int[] stage = spareBuffer();
        boolean valid = columnSum.sum(loads, stage, ranks, columnTotals);
        return planFrom(stage, valid);
    }

    /** The planner's buffer that the last plan does not read (it may read the other, or a borrowed array). */
    private int[] spareBuffer() {
        return plan.sourceLoads() == bufferA ? bufferB : bufferA;
    }

    /**
     * Plans from {@code source}, whose column totals {@link ColumnSum} has just written; when they
     * do not all fit an int ({@code valid} false) rejects it, naming a negative value if there is
     * one, else the column over an int. On success {@code source} becomes the plan's source matrix.
     */
    private ReplicationPlan planFrom(int[] source, boolean valid) {
        if (!valid) {
            for (int v : source) {
                if (v < 0) {
                    throw negative(source);
                }
            }
            checkTotals("loads");
        }
        plan.setSourceLoads(source);
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
            columnTotals[e] = totals[e];
        }
        return solve(false);
    }

    private void checkTotals(String name) {
        for (int e = 0; e < experts; e++) {
            if (columnTotals[e] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + ": the tokens routed to expert " + e + " (column " + e
                        + ") total " + columnTotals[e] + ", over an int");
            }
        }
    }

    /** Plans from the validated column totals (and, with {@code split}, the plan's source matrix). */
    private ReplicationPlan solve(boolean split) {
        long total = rankLoadsFromTotals();
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
        long t;
        GreedyResult placed;
        if (tiny != null) {
            probes = 1;
            t = tiny.solve(expertTotals, lower);
            placed = tiny.result();
        } else {
            greedy.prepare(expertTotals, rankLoads);
            t = search(lower, initialMax);
            placed = fewestReplicas(t);
        }
        final ReplicationPlan p = plan;
        p.placeInstances(placed, expertTotals, replicaCursor);
        p.assignSlots(resident, usedSlots);
        long off = split ? splitTokens(p) : 0;
        p.setTotals(placed, rankLoads, split, total, lower, t, initialMax, off, probes);
        return p;
    }

    /** Expert totals as ints and each rank's load with every expert on its master; returns all tokens. */
    private long rankLoadsFromTotals() {
        final int[] w = expertTotals;
        java.util.Arrays.fill(rankLoads, 0);
        long total = 0;
        for (int e = 0; e < experts; e++) {
            w[e] = (int) columnTotals[e];
            rankLoads[layout.homeRank(e)] += w[e];
            total += w[e];
        }
        return total;
    }

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
            greedy.keep(t);
            return true;
        }
        return false;
    }

    /**
     * The greedy's result at bound {@code t} with the fewer replicas of its two sender orders,
     * smallest-first kept on ties. The search kept its smallest-first result at {@code t} when it
     * probed {@code t}.
     */
    private GreedyResult fewestReplicas(long t) {
        if (greedy.keptBound() != t) {
            if (!greedy.run(t, true)) {
                throw new IllegalStateException("threshold " + t + " is not feasible");
            }
            greedy.keep(t);
        }
        boolean heaviestOk = greedy.run(t, false);
        if (!heaviestOk || greedy.last().replicaCount() >= greedy.kept().replicaCount()) {
            return greedy.kept();
        }
        return greedy.last();
    }

    /**
     * Splits every replicated expert's tokens over its instances, and returns the tokens computed
     * off their source rank over all experts (an expert with one instance computes its other
     * ranks' tokens on its home rank).
     */
    private long splitTokens(ReplicationPlan p) {
        final int[] src = p.sourceLoads();
        long off = 0;
        for (int e = 0; e < experts; e++) {
            if (p.instanceCount(e) == 1) {
                off += expertTotals[e] - src[layout.homeRank(e) * experts + e];
            }
        }
        for (int first = 0, m = p.replicatedExpertCount(); first < m; first += GATHER_BLOCK) {
            int block = Math.min(GATHER_BLOCK, m - first);
            gather(p, src, first, block);
            for (int j = 0; j < block; j++) {
                off += splitExpert(p, j * ranks, gatheredExpert[j], first + j);
            }
        }
        return off;
    }

    /** Copies the source columns of replicated experts {@code first .. first + block} into {@link #gathered}, row by row. */
    private void gather(ReplicationPlan p, int[] src, int first, int block) {
        final int[] ids = gatheredExpert;
        final int[] out = gathered;
        for (int j = 0; j < block; j++) {
            ids[j] = p.replicatedExpert(first + j);
        }
        for (int s = 0, row = 0; s < ranks; s++, row += experts) {
            for (int j = 0, o = s; j < block; j++, o += ranks) {
                out[o] = src[row + ids[j]];
            }
        }
    }

    /**
     * Splits expert {@code e}'s tokens (its source column at {@code gathered[column ..]}) over its
     * instances; returns the tokens sent off their source.
     */
    private long splitExpert(ReplicationPlan p, int column, int e, int rep) {
        final int c = p.instanceCount(e);
        final int[] left = residualSource;
        final int[] need = residualNeed;
        final int[] local = instanceLocal;
        System.arraycopy(gathered, column, left, 0, ranks);
        final boolean locality = options.localityAware();
        int total = 0;
        for (int j = 0; j < c; j++) {
            int r = p.instanceRank(e, j);
            int quota = p.instanceQuota(e, j);
            int take = locality ? Math.min(left[r], quota) : 0;
            local[j] = take;
            left[r] -= take;
            need[j] = quota - take;
            total += need[j];
        }
        final int base = p.reserveSplit(rep, c);
        final int[] table = p.splitTable();
        splitter.split(left, total, need, c, table, base);
        long kept = 0;
        for (int j = 0; j < c; j++) {
            int i = base + j * ranks + p.instanceRank(e, j);
            table[i] += local[j];
            kept += table[i];
        }
        return p.expertLoad(e) - kept;
    }
}
