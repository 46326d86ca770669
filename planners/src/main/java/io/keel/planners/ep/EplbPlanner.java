package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * DeepSeek EPLB's {@code rebalance_experts(weight, num_replicas, num_groups, num_nodes, num_gpus)}
 * on historical per-layer loads, with the same results: the hierarchical policy when
 * {@code groups % nodes == 0} (pack expert groups to nodes, replicate within each node by largest
 * load per copy, pack physical experts to GPUs), else the global policy (the same with one group
 * and one node). Arithmetic is float32 like EPLB's ({@code weight.float()}); the packing sorts
 * put equal weights in the order PyTorch 1.13's CPU {@code sort(descending=True)} gives them
 * (libstdc++'s {@code std::sort}: index order up to 16 items, not above; {@link TorchCpuSort}), and
 * every argmin/argmax takes the first index as torch's {@code max(dim)} and Python's {@code min}
 * do, so {@code phy2log} matches {@code eplb.py}'s element for element on loads whose float32 sums
 * are exact (integer loads below 2^24 per group); a cross-check test runs {@code eplb.py} itself.
 *
 * <p>Use: the migration path from EPLB, and the baseline the quota planner is measured against.
 * Unlike {@link QuotaPlanner} it plans replica counts from past loads and splits each expert's
 * tokens evenly over its copies.
 *
 * <p>Threading: one thread per planner. Allocation: the constructor allocates every array
 * (O(maxLayers x replicas x (replicas - experts + 1)) for {@code log2phy}); calls allocate
 * nothing.
 */
public final class EplbPlanner {
    private final int maxLayers;
    private final int experts;
    private final int replicas;
    private final int groups;
    private final int nodes;
    private final int gpus;
    private final EplbPlan plan;
    private final float[] weights;
    private final TorchCpuSort sort;
    private final int[] order;
    private final float[] groupTokens;
    private final int[] groupPack;
    private final int[] groupRank;
    private final int[] log2mlog;
    private final int[] mlog2log;
    private final float[] mlogTokens;
    private final int[] phy2mlog;
    private final int[] phyRank;
    private final int[] mlogcnt;
    private final float[] phyTokens;
    private final int[] phyPack;
    private final int[] phyRankInPack;
    private final int[] pphy2phy;
    private final float[] packWeight;
    private final int[] packItems;

    /**
     * A planner for up to {@code maxLayers} layers of {@code experts} logical experts, placed as
     * {@code replicas} physical experts on {@code gpus} GPUs in {@code nodes} nodes, experts
     * forming {@code groups} groups.
     *
     * @throws IllegalArgumentException on sizes EPLB rejects ({@code replicas % gpus},
     *     {@code gpus % nodes}, {@code experts % groups} for the hierarchical policy,
     *     {@code replicas < experts})
     */
    public EplbPlanner(int maxLayers, int experts, int replicas, int groups, int nodes, int gpus) {
        this.maxLayers = Checks.positive("maxLayers", maxLayers);
        this.experts = Checks.positive("experts", experts);
        this.replicas = Checks.positive("replicas", replicas);
        Checks.positive("groups", groups);
        Checks.positive("nodes", nodes);
        this.gpus = Checks.positive("gpus", gpus);
        if (replicas < experts) {
            throw new IllegalArgumentException("replicas must be >= experts (" + experts + "), was " + replicas);
        }
        boolean hierarchical = groups % nodes == 0;
        this.groups = hierarchical ? groups : 1;
        this.nodes = hierarchical ? nodes : 1;
        if (experts % this.groups != 0) {
            throw new IllegalArgumentException("experts (" + experts + ") must be a multiple of groups, was " + groups);
        }
        if (gpus % this.nodes != 0) {
            throw new IllegalArgumentException("gpus must be a multiple of nodes (" + nodes + "), was " + gpus);
        }
        if (replicas % gpus != 0) {
            throw new IllegalArgumentException("replicas must be a multiple of gpus (" + gpus + "), was " + replicas);
        }
        if (replicas % this.nodes != 0 || experts % this.nodes != 0) {
            throw new IllegalArgumentException("experts and replicas must be multiples of nodes, were "
                    + experts + " and " + replicas);
        }
        if ((long) maxLayers * experts * (replicas - experts + 1) > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("maxLayers * experts * (replicas - experts + 1) too large");
        }
        plan = new EplbPlan(maxLayers, experts, replicas);
        plan.hierarchical = hierarchical;
        weights = new float[experts];
        int n = Math.max(replicas, experts);
        sort = new TorchCpuSort(n);
        order = new int[n];
        groupTokens = new float[this.groups];
        groupPack = new int[this.groups];
        groupRank = new int[this.groups];
        log2mlog = new int[experts];
        mlog2log = new int[experts];
        mlogTokens = new float[experts];
        phy2mlog = new int[replicas];
        phyRank = new int[replicas];
        mlogcnt = new int[experts];
        phyTokens = new float[replicas];
        phyPack = new int[replicas];
        phyRankInPack = new int[replicas];
        pphy2phy = new int[replicas];
        packWeight = new float[n];
        packItems = new int[n];
    }

    /** The last plan. */
    public EplbPlan lastPlan() {
        return plan;
    }

    /** Rebalances {@code layers} layers of {@code weight[layer * experts + e]} (as EPLB's {@code weight.float()}). */
    public EplbPlan rebalance(int[] weight, int layers) {
        checkShape(Checks.notNull("weight", weight).length, layers);
        for (int i = 0; i < weight.length; i++) {
            if (weight[i] < 0) {
                throw Checks.element("weight", i, "must be >= 0", weight[i]);
            }
        }
        for (int l = 0; l < layers; l++) {
            for (int e = 0; e < experts; e++) {
                weights[e] = weight[l * experts + e];
            }
            layer(l);
        }
        return finish(layers);
    }

    /** Rebalances {@code layers} layers of float loads (finite, >= 0). */
    public EplbPlan rebalance(float[] weight, int layers) {
        checkShape(Checks.notNull("weight", weight).length, layers);
        for (int i = 0; i < weight.length; i++) {
            Checks.nonNegativeFinite("weight", i, weight[i]);
        }
        for (int l = 0; l < layers; l++) {
            System.arraycopy(weight, l * experts, weights, 0, experts);
            layer(l);
        }
        return finish(layers);
    }

    private void checkShape(int length, int layers) {
        Checks.inRange("layers", layers, 1, maxLayers);
        Checks.sameLength("weight", length, layers * experts);
    }

    private void layer(int l) {
        final int groupSize = experts / groups;
        final int groupsPerNode = groups / nodes;
        final int expertsPerNode = experts / nodes;
        final int replicasPerNode = replicas / nodes;
        final int gpusPerNode = gpus / nodes;
        final int phyPerGpu = replicas / gpus;
        // Step 1: groups to nodes.
        for (int g = 0; g < groups; g++) {
            float s = 0f;
            for (int i = g * groupSize, end = i + groupSize; i < end; i++) {
                s += weights[i];
            }
            groupTokens[g] = s;
        }
        balancedPacking(groupTokens, 0, groups, nodes, groupPack, groupRank, 0);
        for (int e = 0; e < experts; e++) {
            int g = e / groupSize;
            int m = (groupPack[g] * groupsPerNode + groupRank[g]) * groupSize + e % groupSize;
            log2mlog[e] = m;
            mlog2log[m] = e;
        }
        for (int m = 0; m < experts; m++) {
            mlogTokens[m] = weights[mlog2log[m]];
        }
        final int rowBase = l * replicas;
        for (int n = 0; n < nodes; n++) {
            // Step 2: replicate within the node.
            final int mBase = n * expertsPerNode;
            final int pBase = n * replicasPerNode;
            for (int i = 0; i < expertsPerNode; i++) {
                phy2mlog[pBase + i] = i;
                phyRank[pBase + i] = 0;
                mlogcnt[mBase + i] = 1;
            }
            for (int p = expertsPerNode; p < replicasPerNode; p++) {
                int best = 0;
                float bestLoad = mlogTokens[mBase] / mlogcnt[mBase];
                for (int i = 1; i < expertsPerNode; i++) {
                    float v = mlogTokens[mBase + i] / mlogcnt[mBase + i];
                    if (v > bestLoad) {
                        best = i;
                        bestLoad = v;
                    }
                }
                phy2mlog[pBase + p] = best;
                phyRank[pBase + p] = mlogcnt[mBase + best];
                mlogcnt[mBase + best]++;
            }
            // Step 3: physical experts to GPUs.
            for (int p = 0; p < replicasPerNode; p++) {
                int m = mBase + phy2mlog[pBase + p];
                phyTokens[pBase + p] = mlogTokens[m] / mlogcnt[m];
            }
            balancedPacking(phyTokens, pBase, replicasPerNode, gpusPerNode, phyPack, phyRankInPack, pBase);
            for (int p = 0; p < replicasPerNode; p++) {
                int pp = phyPack[pBase + p] * phyPerGpu + phyRankInPack[pBase + p];
                pphy2phy[pBase + pp] = p;
            }
            for (int pp = 0; pp < replicasPerNode; pp++) {
                int p = pphy2phy[pBase + pp];
                int m = phy2mlog[pBase + p] + mBase;
                plan.phy2log[rowBase + pBase + pp] = mlog2log[m];
                plan.phyRank[rowBase + pBase + pp] = phyRank[pBase + p];
            }
        }
        for (int e = 0; e < experts; e++) {
            plan.logcnt[l * experts + e] = mlogcnt[log2mlog[e]];
        }
    }

    /**
     * EPLB's balanced packing of {@code n} items ({@code w[from, from + n)}) into {@code packs}
     * packs of {@code n / packs} items: heaviest first (torch's order on ties), each into the lightest pack that
     * has room (first index on ties). Writes pack and rank in pack at {@code out[outFrom + i]}.
     */
    private void balancedPacking(float[] w, int from, int n, int packs, int[] pack, int[] rankInPack, int outFrom) {
        final int perPack = n / packs;
        if (perPack == 1) {
            for (int i = 0; i < n; i++) {
                pack[outFrom + i] = i;
                rankInPack[outFrom + i] = 0;
            }
            return;
        }
        sort.sortDescending(w, from, n, order);
        java.util.Arrays.fill(packWeight, 0, packs, 0f);
        java.util.Arrays.fill(packItems, 0, packs, 0);
        for (int k = 0; k < n; k++) {
            int item = order[k];
            int best = -1;
            float bestWeight = 0f;
            for (int p = 0; p < packs; p++) {
                if (packItems[p] < perPack && (best < 0 || packWeight[p] < bestWeight)) {
                    best = p;
                    bestWeight = packWeight[p];
                }
            }
            pack[outFrom + item] = best;
            rankInPack[outFrom + item] = packItems[best];
            packWeight[best] += w[from + item];
            packItems[best]++;
        }
    }

    private EplbPlan finish(int layers) {
        int max = 0;
        for (int i = 0, n = layers * experts; i < n; i++) {
            max = Math.max(max, plan.logcnt[i]);
        }
        final int stride = plan.log2phyStride;
        java.util.Arrays.fill(plan.log2phy, 0, layers * experts * stride, -1);
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < replicas; p++) {
                int e = plan.phy2log[l * replicas + p];
                plan.log2phy[(l * experts + e) * stride + plan.phyRank[l * replicas + p]] = p;
            }
        }
        plan.layers = layers;
        plan.maxLogcnt = max;
        return plan;
    }
}
