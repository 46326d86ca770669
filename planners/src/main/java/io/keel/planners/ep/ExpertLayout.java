package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * Where the experts of one MoE layer live: {@code ranks} expert-parallel ranks, {@code experts}
 * logical experts each with one master instance on its home rank, {@code slotsPerRank}
 * redundant slots per rank for replicas, scale-up domains of {@code domainSize} consecutive ranks
 * (an NVLink domain: a replica never leaves its expert's home domain) and the bytes of one
 * expert's state (what a replica transfer moves).
 *
 * <p>Physical slots: rank {@code r} owns {@code mastersOn(r) + slotsPerRank} consecutive physical
 * slots starting at {@link #physicalBase(int)}; its masters come first in expert order, then its
 * redundant slots.
 *
 * <p>Immutable and thread-safe once built; the factories validate everything and allocate the
 * layout's arrays.
 */
public final class ExpertLayout {
    private final int ranks;
    private final int experts;
    private final int slotsPerRank;
    private final int domainSize;
    private final long expertStateBytes;
    private final int[] home;
    private final int[] mastersOn;
    private final int[] masterOrdinal;
    private final int[] physicalBase;
    private final int maxMasters;

    private ExpertLayout(int ranks, int[] home, int slotsPerRank, int domainSize, long expertStateBytes) {
        this.ranks = ranks;
        this.experts = home.length;
        this.slotsPerRank = slotsPerRank;
        this.domainSize = domainSize;
        this.expertStateBytes = expertStateBytes;
        this.home = home;
        this.mastersOn = new int[ranks];
        this.masterOrdinal = new int[experts];
        for (int e = 0; e < experts; e++) {
            masterOrdinal[e] = mastersOn[home[e]]++;
        }
        this.physicalBase = new int[ranks + 1];
        int m = 0;
        for (int r = 0; r < ranks; r++) {
            physicalBase[r + 1] = physicalBase[r] + mastersOn[r] + slotsPerRank;
            m = Math.max(m, mastersOn[r]);
        }
        this.maxMasters = m;
    }

    /**
     * The default placement: expert {@code e} lives on rank {@code e / (experts / ranks)}
     * (contiguous blocks, as DeepEP and UltraEP lay them out).
     *
     * @throws IllegalArgumentException on non-positive sizes, {@code experts % ranks != 0},
     *     {@code ranks % domainSize != 0}, negative slots or bytes
     */
    public static ExpertLayout contiguous(int ranks, int experts, int slotsPerRank, int domainSize,
                                          long expertStateBytes) {
        Checks.positive("ranks", ranks);
        Checks.positive("experts", experts);
        if (experts % ranks != 0) {
            throw new IllegalArgumentException("experts must be a multiple of ranks (" + ranks + "), was " + experts);
        }
        checkShape(ranks, slotsPerRank, domainSize, expertStateBytes);
        int per = experts / ranks;
        int[] home = new int[experts];
        for (int e = 0; e < experts; e++) {
            home[e] = e / per;
        }
        return new ExpertLayout(ranks, home, slotsPerRank, domainSize, expertStateBytes);
    }

    /**
     * An explicit placement: expert {@code e}'s master lives on {@code homeRank[e]} (copied).
     *
     * @throws IllegalArgumentException on a home rank out of range or a bad size
     */
    public static ExpertLayout withHomes(int ranks, int[] homeRank, int slotsPerRank, int domainSize,
                                         long expertStateBytes) {
        Checks.positive("ranks", ranks);
        Checks.notNull("homeRank", homeRank);
        Checks.positive("experts", homeRank.length);
        checkShape(ranks, slotsPerRank, domainSize, expertStateBytes);
        for (int e = 0; e < homeRank.length; e++) {
            if (homeRank[e] < 0 || homeRank[e] >= ranks) {
                throw Checks.element("homeRank", e, "must be in [0, " + ranks + ")", homeRank[e]);
            }
        }
        return new ExpertLayout(ranks, homeRank.clone(), slotsPerRank, domainSize, expertStateBytes);
    }

    private static void checkShape(int ranks, int slotsPerRank, int domainSize, long expertStateBytes) {
        Checks.nonNegative("slotsPerRank", slotsPerRank);
        Checks.inRange("domainSize", domainSize, 1, ranks);
        if (ranks % domainSize != 0) {
            throw new IllegalArgumentException("ranks (" + ranks + ") must be a multiple of domainSize, was " + domainSize);
        }
        Checks.nonNegative("expertStateBytes", expertStateBytes);
        // Physical slot ids are ints.
        if ((long) ranks * slotsPerRank > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("ranks * slotsPerRank too large, was " + (long) ranks * slotsPerRank);
        }
    }

    /** Expert-parallel ranks. */
    public int ranks() {
        return ranks;
    }

    /** Logical experts. */
    public int experts() {
        return experts;
    }

    /** Redundant (replica) slots per rank. */
    public int slotsPerRank() {
        return slotsPerRank;
    }

    /** Ranks per scale-up domain. */
    public int domainSize() {
        return domainSize;
    }

    /** Number of scale-up domains. */
    public int domains() {
        return ranks / domainSize;
    }

    /** Bytes of one expert's state: what one replica transfer moves. */
    public long expertStateBytes() {
        return expertStateBytes;
    }

    /** Home rank (master) of expert {@code e}. */
    public int homeRank(int e) {
        return home[e];
    }

    /** Domain of rank {@code r}. */
    public int domainOf(int r) {
        return r / domainSize;
    }

    /** Masters whose home is rank {@code r}. */
    public int mastersOn(int r) {
        return mastersOn[r];
    }

    /** Largest number of masters on one rank. */
    public int maxMastersPerRank() {
        return maxMasters;
    }

    /** Physical slots in all: masters plus every rank's redundant slots. */
    public int physicalSlots() {
        return physicalBase[ranks];
    }

    /** First physical slot of rank {@code r} (its masters, then its redundant slots). */
    public int physicalBase(int r) {
        return physicalBase[r];
    }

    /** Physical slot of expert {@code e}'s master. */
    public int masterPhysical(int e) {
        return physicalBase[home[e]] + masterOrdinal[e];
    }

    /** Physical slot of redundant slot {@code k} of rank {@code r}. */
    public int redundantPhysical(int r, int k) {
        return physicalBase[r] + mastersOn[r] + k;
    }

    @Override
    public String toString() {
        return "ExpertLayout[ranks=" + ranks + ", experts=" + experts + ", slotsPerRank=" + slotsPerRank
                + ", domainSize=" + domainSize + ", expertStateBytes=" + expertStateBytes + "]";
    }
}
