package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * What a single node failure would cost a placement: the experts of a layer whose every copy sits
 * on one node (so that node's loss leaves them with none). {@link #worstNodeLoss} is the largest
 * such count over the nodes, the figure to compare with and without
 * {@link EplbRebalancer}'s {@code spreadHotExperts}. Experts with no copy at all are not counted
 * (they are lost already). O(slots + experts + nodes) per layer.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates; calls allocate nothing.
 */
public final class NodeFailureExposure {
    private final int experts;
    private final SlotLayout layout;
    private final int[] nodeOf;
    private final int[] lost;
    private int worstNode;

    /** For placements of {@code experts} experts on {@code layout}. */
    public NodeFailureExposure(int experts, SlotLayout layout) {
        this.experts = Checks.positive("experts", experts);
        this.layout = Checks.notNull("layout", layout);
        nodeOf = new int[experts];
        lost = new int[layout.nodes()];
    }

    /**
     * The most experts of layer {@code layer} ({@code phy2log[layer * slots + p]}, values in
     * {@code [-1, experts)}) that one node's failure would leave without a copy; {@link #worstNode}
     * names that node (the lowest on ties).
     */
    public int worstNodeLoss(int[] phy2log, int layer) {
        final int slots = layout.slots();
        Checks.nonNegative("layer", layer);
        Checks.length("phy2log", Checks.notNull("phy2log", phy2log).length, (layer + 1L) * slots);
        final int base = layer * slots;
        for (int p = 0; p < slots; p++) {
            int e = phy2log[base + p];
            if (e < -1 || e >= experts) {
                throw Checks.element("phy2log", base + p, "must be in [-1, " + experts + ")", e);
            }
        }
        java.util.Arrays.fill(nodeOf, -1);
        final int perNode = layout.ranksPerNode();
        for (int p = 0; p < slots; p++) {
            int e = phy2log[base + p];
            if (e >= 0) {
                int n = layout.rankOfSlot(p) / perNode;
                nodeOf[e] = nodeOf[e] == -1 || nodeOf[e] == n ? n : -2;
            }
        }
        java.util.Arrays.fill(lost, 0);
        for (int e = 0; e < experts; e++) {
            if (nodeOf[e] >= 0) {
                lost[nodeOf[e]]++;
            }
        }
        int worst = 0;
        for (int n = 1; n < lost.length; n++) {
            if (lost[n] > lost[worst]) {
                worst = n;
            }
        }
        worstNode = worst;
        return lost[worst];
    }

    /** The node of the last {@link #worstNodeLoss}. */
    public int worstNode() {
        return worstNode;
    }
}
