package io.keel.planners.relay;

import io.keel.core.Checks;

/**
 * The result of one {@link RelayPlanner} call: a reusable view, valid until the planner's next
 * successful call (a call that fails validation leaves it as it was).
 *
 * <p>One tree per expert that has transfers, in ascending expert order. A tree has any depth:
 * the source sends to its children, and every target may forward the state to children of its
 * own, chunk by chunk as the chunks arrive. The targets of tree {@code t} are numbered
 * {@code 0 .. targetCount(t) - 1} breadth first:
 * <ul>
 *   <li>{@code 0 .. stageOneCount(t) - 1}: the source's children (hop 1);</li>
 *   <li>then, for each target in that order, its children as one block
 *       {@code childStart(t, j) .. childStart(t, j) + childCount(t, j) - 1}; so a target's parent
 *       always has a lower index, and the targets of hop {@code h} come before those of
 *       {@code h + 1};</li>
 *   <li>within every block (the source's included) the forwarders (targets with children) come
 *       first. In a depth-2 tree the relays are therefore targets {@code 0 .. relayCount(t) - 1}.</li>
 * </ul>
 *
 * <p>Times come from the planner's chunk-pipelined model: rank {@code r}'s egress link needs
 * {@code egressBytes(r) / egressBandwidth(r)} seconds and its ingress link
 * {@code ingressBytes(r) / ingressBandwidth(r)}, shared fairly by its streams. An edge (parent to
 * target) takes {@code a = max(out(parent), in(target))}, the later of its two links. Target
 * {@code j} at the end of a path of {@code h} edges with times {@code a_1 .. a_h} is a pipeline of
 * chunks and finishes at {@code max_i a_i + f (sum_i a_i - max_i a_i)} with
 * {@code f = min(1, chunkBytes / stateBytes)}: the slowest hop moves the whole state, every other
 * hop adds one chunk's worth of its time (for a chain of {@code h} equal hops,
 * {@code S/B (1 + (h - 1) f)}; for two hops {@code max(a + f b, b + f a)}). The makespan is the
 * latest target. The lower bound holds for any schedule: every target must receive its bytes,
 * every source must send at least one copy of each of its experts, and all copies leave through
 * the egress links of ranks that hold the state. "Units" divide seconds by
 * {@link #unitSeconds()}, the time to move one state over the slowest egress link (S / B).
 *
 * <p>Threading: read it on the planner's thread. Allocation: none.
 */
public final class RelayPlan {
    final int ranks;
    final int maxTrees;
    final int[] treeExpert;
    final int[] treeSource;
    final long[] treeSourceOffset;
    final int[] treeStart;
    final int[] treeCount;
    final int[] treeStageOne;
    final int[] treeRelays;
    final int[] treeDepth;
    final int[] target;
    final long[] targetOffset;
    final int[] parent;
    final int[] childStart;
    final int[] childCount;
    final int[] hops;
    final long[] egressBytes;
    final long[] ingressBytes;
    final double unitSeconds;
    RelayPolicy policy = RelayPolicy.DIRECT;
    int trees;
    int transfers;
    long stateBytes = 1;
    long chunkBytes = RelayRequest.DEFAULT_CHUNK_BYTES;
    double makespan;
    double lowerBound;
    double depthTwoBound;

    RelayPlan(int ranks, int maxTrees, int maxTransfers, double unitBytesPerSecond) {
        this.ranks = ranks;
        this.maxTrees = maxTrees;
        this.unitSeconds = 1.0 / unitBytesPerSecond;
        treeExpert = new int[maxTrees];
        treeSource = new int[maxTrees];
        treeSourceOffset = new long[maxTrees];
        treeStart = new int[maxTrees];
        treeCount = new int[maxTrees];
        treeStageOne = new int[maxTrees];
        treeRelays = new int[maxTrees];
        treeDepth = new int[maxTrees];
        target = new int[maxTransfers];
        targetOffset = new long[maxTransfers];
        parent = new int[maxTransfers];
        childStart = new int[maxTransfers];
        childCount = new int[maxTransfers];
        hops = new int[maxTransfers];
        egressBytes = new long[ranks];
        ingressBytes = new long[ranks];
    }

    /** The policy that made this plan. */
    public RelayPolicy policy() {
        return policy;
    }

    /** Ranks of the planner. */
    public int ranks() {
        return ranks;
    }

    /** Trees: experts with at least one transfer. */
    public int treeCount() {
        return trees;
    }

    /** Transfers (targets) over all trees. */
    public int transferCount() {
        return transfers;
    }

    /** Bytes of one expert's state. */
    public long stateBytes() {
        return stateBytes;
    }

    /** Relay chunk bytes. */
    public long chunkBytes() {
        return chunkBytes;
    }

    /** Chunks of one state: {@code ceil(stateBytes / chunkBytes)}. */
    public int chunksPerState() {
        return (int) Math.ceilDiv(stateBytes, chunkBytes); // the planner refuses more than an int of chunks
    }

    /** Expert of tree {@code t}. */
    public int expert(int t) {
        return treeExpert[tree(t)];
    }

    /** Source (home) rank of tree {@code t}. */
    public int source(int t) {
        return treeSource[tree(t)];
    }

    /** Byte offset of the state in the source rank's buffer. */
    public long sourceOffset(int t) {
        return treeSourceOffset[tree(t)];
    }

    /** Targets of tree {@code t}. */
    public int targetCount(int t) {
        return treeCount[tree(t)];
    }

    /** Targets the source sends to itself (hop 1): targets {@code 0 .. stageOneCount(t) - 1}. */
    public int stageOneCount(int t) {
        return treeStageOne[tree(t)];
    }

    /**
     * Forwarders of tree {@code t}: targets with at least one child. In a depth-2 tree they are
     * the relays, targets {@code 0 .. relayCount(t) - 1}; in deeper trees they lead every block.
     */
    public int relayCount(int t) {
        return treeRelays[tree(t)];
    }

    /** Rank of target {@code j} of tree {@code t}. */
    public int target(int t, int j) {
        return target[at(t, j)];
    }

    /** Edges from the source to target {@code j}: 1 for the source's children, parent's + 1 below. */
    public int hops(int t, int j) {
        return hops[at(t, j)];
    }

    /** Byte offset in target {@code j}'s buffer where the state lands. */
    public long targetOffset(int t, int j) {
        return targetOffset[at(t, j)];
    }

    /** Who sends to target {@code j}: -1 for the source, else the index (lower than j) of its parent target. */
    public int parent(int t, int j) {
        return parent[at(t, j)];
    }

    /** First child index of target {@code j} (meaningful when {@link #childCount} is > 0). */
    public int childStart(int t, int j) {
        return childStart[at(t, j)];
    }

    /** Children target {@code j} forwards to (0 for leaves). */
    public int childCount(int t, int j) {
        return childCount[at(t, j)];
    }

    /** Hops from the source to the deepest target of tree {@code t} (1: the source feeds every target). */
    public int depth(int t) {
        return treeDepth[tree(t)];
    }

    /**
     * Hops from the source to the deepest target over all trees: 0 without trees, 1 when every
     * source sends to all its targets itself, 2 when the deepest tree is source -> relays -> leaves.
     */
    public int depth() {
        int d = 0;
        for (int t = 0; t < trees; t++) {
            d = Math.max(d, treeDepth[t]);
        }
        return d;
    }

    /** Bytes rank {@code r} sends. */
    public long egressBytes(int r) {
        return egressBytes[Checks.index("r", r, ranks)];
    }

    /** Bytes rank {@code r} receives. */
    public long ingressBytes(int r) {
        return ingressBytes[Checks.index("r", r, ranks)];
    }

    /** Largest {@link #egressBytes(int)}. */
    public long maxEgressBytes() {
        long m = 0;
        for (int r = 0; r < ranks; r++) {
            m = Math.max(m, egressBytes[r]);
        }
        return m;
    }

    /** Bytes moved over all links: {@code transferCount() * stateBytes()}. */
    public long totalBytes() {
        return transfers * stateBytes;
    }

    /** Estimated makespan in seconds (chunk-pipelined model, class comment). */
    public double makespanSeconds() {
        return makespan;
    }

    /** Lower bound on any schedule's makespan, in seconds. */
    public double lowerBoundSeconds() {
        return lowerBound;
    }

    /** One unit: seconds to move one state over the slowest egress link (S / B). */
    public double unitSeconds() {
        return unitSeconds * stateBytes;
    }

    /** {@link #makespanSeconds()} in units of S / B. */
    public double makespanUnits() {
        return makespan / unitSeconds();
    }

    /**
     * Lower bound over depth-2 trees (the shapes of every policy but BALANCED_TREES), in seconds: at least
     * {@link #lowerBoundSeconds()}, and at least what the most demanding expert's best depth-2
     * tree costs on its own (its source feeds {@code c} targets, some relay forwards
     * {@code ceil((k - c) / c)} copies, minimised over {@code c}). Deeper trees can go below it,
     * down to {@link #lowerBoundSeconds()}.
     */
    public double depthTwoBoundSeconds() {
        return depthTwoBound;
    }

    /** {@link #depthTwoBoundSeconds()} in units of S / B. */
    public double depthTwoBoundUnits() {
        return depthTwoBound / unitSeconds();
    }

    /** {@link #lowerBoundSeconds()} in units of S / B. */
    public double lowerBoundUnits() {
        return lowerBound / unitSeconds();
    }

    private int tree(int t) {
        return Checks.index("t", t, trees);
    }

    private int at(int t, int j) {
        tree(t);
        return treeStart[t] + Checks.index("j", j, treeCount[t]);
    }
}
