package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * Where the physical expert slots of one MoE layer live: {@code ranks} GPUs, GPU {@code r} holding
 * {@code slotsOf(r)} slots (ranks may differ, as with heterogeneous memory), numbered rank by rank
 * ({@code phy2log} index {@code p} belongs to the rank whose slot range contains it), and
 * {@code ranksPerNode} consecutive ranks forming one node, the failure domain a node loss takes
 * down.
 *
 * <p>Immutable; safe to share between threads. Allocation: the constructor copies the slot counts
 * and builds the slot-to-rank table; readers allocate nothing.
 */
public final class SlotLayout {
    private final int[] slotsOf;
    private final int[] firstSlot;
    private final int[] rankOfSlot;
    private final int ranksPerNode;
    private final boolean uniform;

    /**
     * Ranks with {@code slotsPerRank[r]} slots each (>= 1; copied), {@code ranksPerNode} of them per
     * node (a divisor of the rank count).
     */
    public SlotLayout(int[] slotsPerRank, int ranksPerNode) {
        int ranks = Checks.positive("slotsPerRank.length", Checks.notNull("slotsPerRank", slotsPerRank).length);
        Checks.inRange("ranksPerNode", ranksPerNode, 1, ranks);
        if (ranks % ranksPerNode != 0) {
            throw new IllegalArgumentException("ranksPerNode must divide the rank count (" + ranks + "), was "
                    + ranksPerNode);
        }
        long total = 0;
        boolean same = true;
        for (int r = 0; r < ranks; r++) {
            if (slotsPerRank[r] < 1) {
                throw Checks.element("slotsPerRank", r, "must be >= 1", slotsPerRank[r]);
            }
            total += slotsPerRank[r];
            same &= slotsPerRank[r] == slotsPerRank[0];
        }
        if (total > 1 << 24) {
            throw new IllegalArgumentException("at most 2^24 slots per layer, was " + total);
        }
        this.slotsOf = slotsPerRank.clone();
        this.ranksPerNode = ranksPerNode;
        this.uniform = same;
        firstSlot = new int[ranks + 1];
        rankOfSlot = new int[(int) total];
        for (int r = 0, p = 0; r < ranks; r++) {
            firstSlot[r] = p;
            for (int k = 0; k < slotsPerRank[r]; k++) {
                rankOfSlot[p++] = r;
            }
        }
        firstSlot[ranks] = (int) total;
    }

    /** {@code ranks} ranks of {@code slotsPerRank} slots each, {@code ranksPerNode} per node. */
    public static SlotLayout uniform(int ranks, int slotsPerRank, int ranksPerNode) {
        Checks.positive("ranks", ranks);
        Checks.positive("slotsPerRank", slotsPerRank);
        int[] s = new int[ranks];
        java.util.Arrays.fill(s, slotsPerRank);
        return new SlotLayout(s, ranksPerNode);
    }

    /** Ranks (GPUs). */
    public int ranks() {
        return slotsOf.length;
    }

    /** Physical slots per layer, all ranks together. */
    public int slots() {
        return rankOfSlot.length;
    }

    /** Slots of rank {@code r}. */
    public int slotsOf(int r) {
        return slotsOf[Checks.index("r", r, slotsOf.length)];
    }

    /** First slot of rank {@code r}; its slots are {@code [firstSlot(r), firstSlot(r) + slotsOf(r))}. */
    public int firstSlot(int r) {
        return firstSlot[Checks.index("r", r, slotsOf.length)];
    }

    /** The rank that holds slot {@code p}. */
    public int rankOf(int p) {
        return rankOfSlot[Checks.index("p", p, rankOfSlot.length)];
    }

    /** Ranks per node. */
    public int ranksPerNode() {
        return ranksPerNode;
    }

    /** Nodes (failure domains). */
    public int nodes() {
        return slotsOf.length / ranksPerNode;
    }

    /** The node of rank {@code r}. */
    public int nodeOf(int r) {
        return Checks.index("r", r, slotsOf.length) / ranksPerNode;
    }

    /** Whether every rank has the same number of slots (EPLB's own layout). */
    public boolean uniform() {
        return uniform;
    }

    /** A copy of the per-rank slot counts. Allocates; for setup code. */
    public int[] slotsPerRank() {
        return slotsOf.clone();
    }

    // Unchecked readers for this package's hot loops.
    int rankOfSlot(int p) {
        return rankOfSlot[p];
    }

    int first(int r) {
        return firstSlot[r];
    }

    int end(int r) {
        return firstSlot[r + 1];
    }
}
