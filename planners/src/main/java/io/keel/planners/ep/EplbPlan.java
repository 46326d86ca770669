package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * The result of one {@link EplbPlanner#rebalance} call, in DeepSeek EPLB's three outputs: per layer
 * {@code phy2log[p]} (logical expert of physical slot {@code p}; GPU {@code g} owns slots
 * {@code [g * replicas / gpus, (g + 1) * replicas / gpus)}), {@code log2phy[e][k]} (physical slot
 * of the k-th replica of expert {@code e}, -1 past its count, {@code k < maxLogicalCount()}) and
 * {@code logcnt[e]}. A reusable view over the planner's arrays, valid until its next successful
 * call.
 *
 * <p>Threading: the planner's thread. Allocation: none.
 */
public final class EplbPlan {
    final int experts;
    final int replicas;
    final int[] phy2log;
    final int[] phyRank;
    final int[] logcnt;
    final int[] log2phy;
    final int log2phyStride;
    int layers;
    int maxLogcnt;
    boolean hierarchical;

    EplbPlan(int maxLayers, int experts, int replicas) {
        this.experts = experts;
        this.replicas = replicas;
        log2phyStride = replicas - experts + 1;
        phy2log = new int[maxLayers * replicas];
        phyRank = new int[maxLayers * replicas];
        logcnt = new int[maxLayers * experts];
        log2phy = new int[maxLayers * experts * log2phyStride];
    }

    /** Layers in this plan. */
    public int layers() {
        return layers;
    }

    /** Logical experts per layer. */
    public int experts() {
        return experts;
    }

    /** Physical experts (replicas) per layer. */
    public int replicas() {
        return replicas;
    }

    /** Whether EPLB's hierarchical policy ran ({@code groups % nodes == 0}); else the global one. */
    public boolean hierarchical() {
        return hierarchical;
    }

    /** Logical expert in physical slot {@code p} of layer {@code layer}. */
    public int phy2log(int layer, int p) {
        Checks.index("layer", layer, layers);
        return phy2log[layer * replicas + Checks.index("p", p, replicas)];
    }

    /** Replica rank (0 = first copy) of physical slot {@code p}. */
    public int phyRank(int layer, int p) {
        Checks.index("layer", layer, layers);
        return phyRank[layer * replicas + Checks.index("p", p, replicas)];
    }

    /** Copies of logical expert {@code e} in layer {@code layer}. */
    public int logcnt(int layer, int e) {
        Checks.index("layer", layer, layers);
        return logcnt[layer * experts + Checks.index("e", e, experts)];
    }

    /** The largest {@link #logcnt} over all layers: the third dimension of {@code log2phy}. */
    public int maxLogicalCount() {
        return maxLogcnt;
    }

    /** Physical slot of copy {@code k} of expert {@code e}, or -1 when {@code k >= logcnt}. */
    public int log2phy(int layer, int e, int k) {
        Checks.index("layer", layer, layers);
        Checks.index("e", e, experts);
        Checks.index("k", k, maxLogcnt);
        return log2phy[(layer * experts + e) * log2phyStride + k];
    }
}
