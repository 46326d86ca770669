package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * The result of one {@link QuotaPlanner} call: a reusable view over the planner's arrays, valid
 * until its next successful {@code plan} call (a call that fails validation leaves it as it was).
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
    final ExpertLayout layout;
    final int ranks;
    final int experts;
    final int stride;
    int[] sourceLoads;
    final int[] expertLoad;
    final int[] instCount;
    final int[] instRank;
    final int[] instQuota;
    final int[] instPhys;
    final int[] instLocal;
    final int[] replicatedIndex;
    /** The experts with replicas, ascending, and how many: what the next plan has to undo. */
    final int[] replicatedExperts;
    int replicatedCount;
    /** Per replicated expert (in expert order), where its table starts in {@link #split}, and one past the last. */
    final int[] splitBase;
    /** Per replicated expert: {@code split[splitBase[rep] + j * ranks + s]}, tokens of source s on instance j. */
    final int[] split;
    final int[] phy2log;
    final long[] initialLoad;
    final long[] finalLoad;
    final int[] transferExpert;
    final int[] transferFrom;
    final int[] transferTo;
    int transferCount;
    int replicaCount;
    int maxInstances;
    boolean sourceSplit;
    long totalTokens;
    long lowerBound;
    long threshold;
    long initialMax;
    long finalMax;
    long offSource;
    int probes;

    ReplicationPlan(ExpertLayout layout) {
        this.layout = layout;
        ranks = layout.ranks();
        experts = layout.experts();
        stride = layout.domainSize();
        sourceLoads = new int[ranks * experts];
        expertLoad = new int[experts];
        instCount = new int[experts];
        instRank = new int[experts * stride];
        instQuota = new int[experts * stride];
        instPhys = new int[experts * stride];
        instLocal = new int[experts * stride];
        replicatedIndex = new int[experts];
        replicatedExperts = new int[experts];
        int maxReplicas = ranks * layout.slotsPerRank();
        // Replicated experts hold at most maxReplicas + min(maxReplicas, experts) instances.
        long cells = Math.min(maxReplicas + (long) Math.min(maxReplicas, experts), (long) experts * stride) * ranks;
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("layout too large for a per-source token split: " + cells + " cells");
        }
        splitBase = new int[Math.min(maxReplicas, experts) + 1];
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
            instRank[e * stride] = layout.homeRank(e);
            instPhys[e * stride] = layout.masterPhysical(e);
            phy2log[layout.masterPhysical(e)] = e;
            replicatedIndex[e] = -1;
        }
        for (int r = 0; r < ranks; r++) {
            finalLoad[r] = 0;
        }
        lowerBound = 0;
    }

    /** The layout this plan is for. */
    public ExpertLayout layout() {
        return layout;
    }

    /** Instances of expert {@code e}: 1 (master) plus its replicas. */
    public int instanceCount(int e) {
        return instCount[e];
    }

    /** The largest {@link #instanceCount(int)} in this plan. */
    public int maxInstanceCount() {
        return maxInstances;
    }

    /** Rank of instance {@code j} of expert {@code e} (0 = the master's home rank). */
    public int instanceRank(int e, int j) {
        return instRank[at(e, j)];
    }

    /** Quota (tokens computed) of instance {@code j} of expert {@code e}. */
    public int instanceQuota(int e, int j) {
        return instQuota[at(e, j)];
    }

    /** Physical slot of instance {@code j} of expert {@code e}. */
    public int instancePhysical(int e, int j) {
        return instPhys[at(e, j)];
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
        return expertLoad[e];
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
        at(e, j);
        int rep = replicated(s, e);
        return rep < 0 ? sourceLoads[s * experts + e] : split[splitBase[rep] + j * ranks + s];
    }

    /** Inclusive prefix of {@link #tokens} over instances {@code 0..j}. */
    public int tokensPrefix(int s, int e, int j) {
        at(e, j);
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
        Checks.length("out", Checks.notNull("out", out).length, experts * stride);
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
        return initialLoad[r];
    }

    /** Load of rank {@code r} under this plan: the sum of its instances' quotas. */
    public long rankLoad(int r) {
        return finalLoad[r];
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
            throw new IllegalStateException("the plan was made from per-expert totals: no per-source split");
        }
    }

    private int at(int e, int j) {
        Checks.index("e", e, experts);
        Checks.index("j", j, instCount[e]);
        return e * stride + j;
    }
}
