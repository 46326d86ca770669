package io.keel.planners.ep;

import io.keel.core.Checks;
import io.keel.planners.ep.internal.GreedyResult;
import io.keel.planners.ep.internal.ResidentSet;

/**
 * The result of one {@link QuotaPlanner} call: a reusable view over the planner's arrays, valid
 * until its next successful {@code plan} call (a call that fails validation leaves it as it was,
 * unless the planner borrows its input and the caller changed that array: {@link
 * QuotaPlanner#plan(int[])}).
 *
 * <p>What it holds, for a layout of R ranks, E experts, S redundant slots per rank:
 * <ul>
 *   <li>Instances per expert: instance 0 is the master on the home rank, instances
 *       {@code 1 .. instanceCount(e) - 1} are replicas in ascending rank order. Each has a rank,
 *       a quota (tokens it computes; the quotas of an expert sum to its load) and a physical slot
 *       ({@link #physicalToLogical(int)} is the inverse map).</li>
 *   <li>The token split, when the plan was made from a per-source matrix: {@link #tokens} is how
 *       many of the tokens that source rank {@code s} routed to expert {@code e} go to instance
 *       {@code j}. Each instance first takes tokens that originate on its own rank, the rest are
 *       shared by largest remainder, ties by rank (the exact rule is at {@link #tokens}).
 *       {@link #tokensPrefix} and {@link #writeReroutePrefix} give the inclusive prefix over
 *       instances that a reroute kernel binary-searches with a token's ordinal. Replicated experts
 *       keep an instance x source table (R counts per instance; at most R x S + min(R x S, E)
 *       instances), the others read the source matrix.</li>
 *   <li>Transfers: one per replica whose state is not already resident: expert, from (home
 *       rank), to (replica rank), bytes. A relay planner consumes this list.</li>
 *   <li>Rank loads before and after, max/mean imbalance, the domain lower bound.</li>
 * </ul>
 *
 * <p>Threading: read it on the planner's thread. Allocation: none (every accessor reads
 * preallocated arrays).
 */
public final class ReplicationPlan {
    private final ExpertLayout layout;
    private final int ranks;
    private final int experts;
    /** The validated source matrix of the call (row-major R x E): the planner's copy or the caller's array, never copied here. */
    private int[] sourceLoads;
    private final int[] expertLoad;
    private final int[] masterQuota;
    private final int[] instCount;
    /** Per expert: its index among the replicated experts, or -1. */
    private final int[] replicatedIndex;
    /** The experts with replicas, ascending, and how many: what the next plan has to undo. */
    private final int[] replicatedExperts;
    private int replicatedCount;
    /** Per replicated expert: where its replicas start in the replica arrays (instance j at start + j - 1). */
    private final int[] replicaStart;
    private final int[] replicaRank;
    private final int[] replicaQuota;
    private final int[] replicaPhys;
    /** Per replicated expert (in expert order), where its table starts in {@link #split}, and one past the last. */
    private final int[] splitBase;
    /** Per replicated expert: {@code split[splitBase[rep] + j * ranks + s]}, tokens of source s on instance j. */
    private final int[] split;
    private final int[] phy2log;
    private final long[] initialLoad;
    private final long[] finalLoad;
    private final int[] transferExpert;
    private final int[] transferFrom;
    private final int[] transferTo;
    private int transferCount;
    private int replicaCount;
    private int maxInstances;
    private boolean sourceSplit;
    /** Whether the last plan came from per-expert totals (false before any plan). */
    private boolean totalsPlan;
    private long totalTokens;
    private long lowerBound;
    private long threshold;
    private long initialMax;
    private long finalMax;
    private long offSource;
    private int probes;

    ReplicationPlan(ExpertLayout layout) {
        this.layout = layout;
        ranks = layout.ranks();
        experts = layout.experts();
        sourceLoads = new int[ranks * experts];
        expertLoad = new int[experts];
        masterQuota = new int[experts];
        instCount = new int[experts];
        replicatedIndex = new int[experts];
        replicatedExperts = new int[experts];
        int maxReplicas = ranks * layout.slotsPerRank();
        int maxReplicated = Math.min(maxReplicas, experts);
        // Replicated experts hold at most maxReplicas + min(maxReplicas, experts) instances.
        long cells = Math.min(maxReplicas + (long) maxReplicated, (long) experts * layout.domainSize()) * ranks;
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("layout too large for a per-source token split: " + cells + " cells");
        }
        replicaStart = new int[maxReplicated + 1];
        replicaRank = new int[maxReplicas];
        replicaQuota = new int[maxReplicas];
        replicaPhys = new int[maxReplicas];
        splitBase = new int[maxReplicated + 1];
        split = new int[(int) cells];
        phy2log = new int[layout.physicalSlots()];
        initialLoad = new long[ranks];
        finalLoad = new long[ranks];
        transferExpert = new int[maxReplicas];
        transferFrom = new int[maxReplicas];
        transferTo = new int[maxReplicas];
        java.util.Arrays.fill(phy2log, -1);
        for (int e = 0; e < experts; e++) {
            instCount[e] = 1;
            phy2log[layout.masterPhysical(e)] = e;
            replicatedIndex[e] = -1;
        }
    }

    // ---- Writers: the planner builds a plan through these, in this order. ----

    /** Takes {@code validated} (R x E, already checked) as this plan's source matrix (referenced, not copied). */
    void setSourceLoads(int[] validated) {
        sourceLoads = validated;
    }

    /**
     * Job 1, replica placement: every expert's load and master quota, and the replicas of
     * {@code placed} grouped by expert (ascending) and ordered by rank inside each expert. Undoes
     * the previous plan's replicas first (only its replicated experts have any).
     */
    void placeInstances(GreedyResult placed, int[] totals, int[] cursor) {
        clearReplicas();
        System.arraycopy(totals, 0, expertLoad, 0, experts);
        for (int e = 0; e < experts; e++) {
            masterQuota[e] = placed.masterQuota(e);
        }
        final int n = placed.replicaCount();
        for (int i = 0; i < n; i++) {
            instCount[placed.expert(i)]++;
        }
        int rep = 0;
        int start = 0;
        int maxInst = 1;
        for (int e = 0; e < experts && start < n; e++) {
            final int c = instCount[e];
            if (c > 1) {
                replicatedIndex[e] = rep;
                replicatedExperts[rep] = e;
                replicaStart[rep] = start;
                cursor[rep++] = start;
                start += c - 1;
                maxInst = Math.max(maxInst, c);
            }
        }
        replicaStart[rep] = start;
        replicatedCount = rep;
        replicaCount = n;
        maxInstances = maxInst;
        for (int i = 0; i < n; i++) {
            insertByRank(placed.expert(i), placed.rank(i), placed.amount(i), cursor);
        }
    }

    private void clearReplicas() {
        for (int k = 0, m = replicatedCount; k < m; k++) {
            int e = replicatedExperts[k];
            for (int i = replicaStart[k], end = replicaStart[k + 1]; i < end; i++) {
                phy2log[replicaPhys[i]] = -1;
            }
            instCount[e] = 1;
            replicatedIndex[e] = -1;
        }
        replicatedCount = 0;
    }

    /** Appends a replica of {@code e} on rank {@code r} to its expert's range, keeping the range sorted by rank. */
    private void insertByRank(int e, int r, int quota, int[] cursor) {
        final int rep = replicatedIndex[e];
        final int lo = replicaStart[rep];
        int i = cursor[rep]++;
        while (i > lo && replicaRank[i - 1] > r) {
            replicaRank[i] = replicaRank[i - 1];
            replicaQuota[i] = replicaQuota[i - 1];
            i--;
        }
        replicaRank[i] = r;
        replicaQuota[i] = quota;
    }

    /**
     * Job 2, slots and transfers: each replica, in expert then rank order, takes its rank's next
     * free redundant slot; a replica whose state is not resident on its rank is a transfer from
     * the expert's home rank. {@code usedSlots} is per-rank scratch.
     */
    void assignSlots(ResidentSet resident, int[] usedSlots) {
        java.util.Arrays.fill(usedSlots, 0);
        int transfers = 0;
        for (int rep = 0, m = replicatedCount; rep < m; rep++) {
            final int e = replicatedExperts[rep];
            for (int i = replicaStart[rep], end = replicaStart[rep + 1]; i < end; i++) {
                final int r = replicaRank[i];
                final int phys = layout.redundantPhysical(r, usedSlots[r]++);
                replicaPhys[i] = phys;
                phy2log[phys] = e;
                if (!resident.contains(r, e)) {
                    transferExpert[transfers] = e;
                    transferFrom[transfers] = layout.homeRank(e);
                    transferTo[transfers] = r;
                    transfers++;
                }
            }
        }
        transferCount = transfers;
    }

    /** Replicated experts in this plan (for the token split). */
    int replicatedExpertCount() {
        return replicatedCount;
    }

    /** The {@code rep}-th replicated expert, ascending. */
    int replicatedExpert(int rep) {
        return replicatedExperts[rep];
    }

    /**
     * Reserves the token-split table of the {@code rep}-th replicated expert ({@code count}
     * instances x R sources, after the previous expert's) and returns where it starts in
     * {@link #splitTable()}.
     */
    int reserveSplit(int rep, int count) {
        final int base = splitBase[rep];
        splitBase[rep + 1] = base + ranks * count;
        return base;
    }

    /** The token-split tables, for the planner to write the ranges {@link #reserveSplit} handed out. */
    int[] splitTable() {
        return split;
    }

    /** The validated source matrix (read only). */
    int[] sourceLoads() {
        return sourceLoads;
    }

    /**
     * Job 3, totals: rank loads before ({@code initial}) and after ({@code placed}), and the
     * figures of the call.
     */
    void setTotals(GreedyResult placed, long[] initial, boolean hasSplit, long total, long lower, long t,
                   long initialMaxLoad, long offSourceTokens, int probeCount) {
        long max = 0;
        for (int r = 0; r < ranks; r++) {
            long l = placed.load(r);
            finalLoad[r] = l;
            initialLoad[r] = initial[r];
            max = Math.max(max, l);
        }
        sourceSplit = hasSplit;
        totalsPlan = !hasSplit;
        totalTokens = total;
        lowerBound = lower;
        threshold = t;
        initialMax = initialMaxLoad;
        finalMax = max;
        offSource = offSourceTokens;
        probes = probeCount;
    }

    // ---- Readers: the public view. ----

    /** The layout this plan is for. */
    public ExpertLayout layout() {
        return layout;
    }

    /** Instances of expert {@code e}: 1 (master) plus its replicas. */
    public int instanceCount(int e) {
        return instCount[Checks.index("e", e, experts)];
    }

    /** The largest {@link #instanceCount(int)} in this plan. */
    public int maxInstanceCount() {
        return maxInstances;
    }

    /** Rank of instance {@code j} of expert {@code e} (0 = the master's home rank). */
    public int instanceRank(int e, int j) {
        int i = replica(e, j);
        return i < 0 ? layout.homeRank(e) : replicaRank[i];
    }

    /** Quota (tokens computed) of instance {@code j} of expert {@code e}. */
    public int instanceQuota(int e, int j) {
        int i = replica(e, j);
        return i < 0 ? masterQuota[e] : replicaQuota[i];
    }

    /** Physical slot of instance {@code j} of expert {@code e}. */
    public int instancePhysical(int e, int j) {
        int i = replica(e, j);
        return i < 0 ? layout.masterPhysical(e) : replicaPhys[i];
    }

    /** Logical expert in physical slot {@code p}, or -1 for an empty redundant slot. */
    public int physicalToLogical(int p) {
        return phy2log[Checks.index("p", p, phy2log.length)];
    }

    /** Replicas in all (instances beyond the masters). */
    public int replicaCount() {
        return replicaCount;
    }

    /** Tokens routed to expert {@code e}, all sources. */
    public int expertLoad(int e) {
        return expertLoad[Checks.index("e", e, experts)];
    }

    /** Whether the plan has a per-source token split (made from a source x expert matrix). */
    public boolean hasSourceSplit() {
        return sourceSplit;
    }

    /**
     * Tokens that source rank {@code s} routed to expert {@code e} and that instance {@code j}
     * computes. An expert with one instance computes all its tokens. For a replicated expert with
     * instances {@code 0 .. c - 1}:
     * <ol>
     *   <li>Locality first (when {@link QuotaPlanner.Options#localityAware()}): instance {@code j}
     *       on rank {@code r} takes {@code min(left[r], quota(j))} of its own rank's tokens, where
     *       {@code left[s]} starts as the tokens {@code s} routed to {@code e}; they come off
     *       {@code left}. Instance {@code j} still needs {@code need(j) = quota(j) - local(j)}.</li>
     *   <li>The rest by largest remainder, instance by instance: with {@code N} the tokens still
     *       left (the sum of {@code left}, equal to the needs not yet met), instance {@code j < c - 1}
     *       gets {@code floor(left[s] * need(j) / N)} from each source, plus one more from each of
     *       the {@code need(j) - sum of those floors} sources with the largest remainders
     *       {@code left[s] * need(j) mod N}, ties to the lower source rank; then {@code left} and
     *       {@code N} drop by what it took (an instance that needs nothing takes nothing). The last
     *       instance takes what is left.</li>
     * </ol>
     * The counts are exact integers on both margins: an instance's tokens sum to its quota, and a
     * source's tokens over the instances sum to what it routed to the expert.
     *
     * @throws IllegalStateException when the plan came from per-expert totals
     */
    public int tokens(int s, int e, int j) {
        replica(e, j);
        int rep = replicated(s, e);
        return rep < 0 ? sourceLoads[s * experts + e] : split[splitBase[rep] + j * ranks + s];
    }

    /** Inclusive prefix of {@link #tokens} over instances {@code 0..j}. */
    public int tokensPrefix(int s, int e, int j) {
        replica(e, j);
        int rep = replicated(s, e);
        if (rep < 0) {
            return sourceLoads[s * experts + e];
        }
        int sum = 0;
        for (int i = 0, at = splitBase[rep] + s; i <= j; i++, at += ranks) {
            sum += split[at];
        }
        return sum;
    }

    /**
     * Writes source rank {@code s}'s reroute table: {@code out[e * stride + j]} = tokens of
     * {@code s} for expert {@code e} sent to instances {@code 0..j} (the prefix of
     * {@link #tokens}), for {@code j < instanceCount(e)}; entries beyond are left alone.
     *
     * @throws IllegalArgumentException if {@code stride < maxInstanceCount()} or {@code out} is short
     */
    public void writeReroutePrefix(int s, int[] out, int stride) {
        Checks.index("s", s, ranks);
        Checks.length("stride", stride, maxInstances);
        Checks.length("out", Checks.notNull("out", out).length, (long) experts * stride);
        requireSplit();
        for (int e = 0; e < experts; e++) {
            int n = instCount[e];
            int o = e * stride;
            if (n == 1) {
                out[o] = sourceLoads[s * experts + e];
                continue;
            }
            int sum = 0;
            for (int j = 0, at = splitBase[replicatedIndex[e]] + s; j < n; j++, at += ranks) {
                sum += split[at];
                out[o + j] = sum;
            }
        }
    }

    /** Tokens computed on a rank other than the one they came from (-1 without a source split). */
    public long tokensOffSource() {
        return sourceSplit ? offSource : -1;
    }

    /** Replica transfers in this plan (replicas whose state was resident move nothing). */
    public int transferCount() {
        return transferCount;
    }

    /** Expert of transfer {@code i}. */
    public int transferExpert(int i) {
        return transferExpert[Checks.index("i", i, transferCount)];
    }

    /** Source rank of transfer {@code i}: the expert's home rank, which holds its state. */
    public int transferFrom(int i) {
        return transferFrom[Checks.index("i", i, transferCount)];
    }

    /** Destination rank of transfer {@code i}: where the replica goes. */
    public int transferTo(int i) {
        return transferTo[Checks.index("i", i, transferCount)];
    }

    /** Bytes of transfer {@code i}: the layout's expert state bytes. */
    public long transferBytes(int i) {
        Checks.index("i", i, transferCount);
        return layout.expertStateBytes();
    }

    /** Load of rank {@code r} with no replicas (every expert on its master). */
    public long initialRankLoad(int r) {
        return initialLoad[Checks.index("r", r, ranks)];
    }

    /** Load of rank {@code r} under this plan: the sum of its instances' quotas. */
    public long rankLoad(int r) {
        return finalLoad[Checks.index("r", r, ranks)];
    }

    /** All tokens of the call (sum of every expert's load). */
    public long totalTokens() {
        return totalTokens;
    }

    /** Mean rank load. */
    public double meanRankLoad() {
        return (double) totalTokens / ranks;
    }

    /** Largest rank load under this plan. */
    public long maxRankLoad() {
        return finalMax;
    }

    /** Largest rank load with no replicas. */
    public long initialMaxRankLoad() {
        return initialMax;
    }

    /**
     * The domain lower bound: max over domains of ceil(domain load / domain size). No placement
     * that keeps replicas in their home domain can have a smaller max rank load.
     */
    public long lowerBound() {
        return lowerBound;
    }

    /** The threshold the search settled on (the max rank load it guaranteed). */
    public long threshold() {
        return threshold;
    }

    /** Feasibility probes the threshold search ran for this plan. */
    public int probes() {
        return probes;
    }

    /** Max/mean rank load under this plan (1 when there are no tokens). */
    public double imbalance() {
        return ratio(finalMax);
    }

    /** Max/mean rank load with no replicas. */
    public double initialImbalance() {
        return ratio(initialMax);
    }

    /** Lower bound / mean rank load. */
    public double lowerBoundImbalance() {
        return ratio(lowerBound);
    }

    private double ratio(long max) {
        return totalTokens == 0 ? 1.0 : max / meanRankLoad();
    }

    /** Checks source {@code s} and that there is a split; returns {@code e}'s replicated index (-1: one instance). */
    private int replicated(int s, int e) {
        Checks.index("s", s, ranks);
        requireSplit();
        return replicatedIndex[e];
    }

    private void requireSplit() {
        if (!sourceSplit) {
            throw new IllegalStateException(totalsPlan
                    ? "the plan was made from per-expert totals: no per-source split"
                    : "no plan yet: plan from a loads matrix first");
        }
    }

    /** Checks {@code e} and {@code j}; returns where replica {@code j} is in the replica arrays, or -1 for the master. */
    private int replica(int e, int j) {
        Checks.index("e", e, experts);
        Checks.index("j", j, instCount[e]);
        return j == 0 ? -1 : replicaStart[replicatedIndex[e]] + j - 1;
    }
}
