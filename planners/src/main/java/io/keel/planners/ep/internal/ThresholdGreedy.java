package io.keel.planners.ep.internal;

import io.keel.core.ArgSort;
import io.keel.planners.ep.ExpertLayout;

/**
 * The feasibility test of the quota planner's threshold search: given a bound {@code T} on every
 * rank's load, sheds each overloaded rank's excess into replicas of its own experts placed on
 * ranks of the same domain that have slack and a free redundant slot, and reports whether every
 * rank ends at or below {@code T}. What it placed stays in the {@code rec*} arrays.
 *
 * <p>Greedy rules, all ties to the lower index: overloaded ranks in order of initial load
 * (smallest excess first by default, or heaviest first); their experts heaviest first; a chunk of {@code min(max(excess, minTokens),
 * master quota)} tokens goes to a resident rank when one qualifies, else to the rank with the
 * smallest slack that takes the whole chunk (best fit, so one replica closes the excess and
 * large slacks stay for large excesses), else to the rank with the largest slack (filled to
 * {@code T}). A receiver never holds the expert already and has at least {@code minTokens} of
 * slack, so every replica carries at least {@code minTokens}.
 *
 * <p>Receivers are kept in a rank-ordered list of the domain's ranks that still have a slot and
 * {@code minTokens} of slack, so a choice scans only live candidates; a rank that already holds
 * the expert is recognised by a per-expert stamp, in O(1). Experts within a rank and ranks
 * within a domain are ordered by stable insertion sorts when the groups are small (<= 64), by
 * {@link ArgSort} otherwise.
 *
 * <p>Cost per {@link #run}: O(R + E + replicas x domainSize). Internal: not exported. One thread
 * per instance; the constructor allocates every array, calls allocate nothing.
 */
public final class ThresholdGreedy {
    private final int ranks;
    private final int experts;
    private final int slots;
    private final int domainSize;
    final int[] home;
    private final int[] rankStart;
    private final int[] byRank;
    private final int[] rankOrder;
    private static final int SMALL_SORT = 64;
    private final int[] cursor;
    private final int[] byRankById;
    private final int maxMasters;
    private final int[] holder;
    private int stamp;
    private final int[] sortIndex;
    private final ArgSort sort;
    final long[] initialLoad;
    final int[] weight;
    final long[] load;
    private final int[] free;
    final int[] masterQuota;
    private final boolean[] resident;
    private final int[] candidates;
    private int candidateCount;
    private long deficit;
    private int residentCount;
    int minTokens = 1;

    /** Expert of replica {@code i}, for {@code i < recCount}. */
    public final int[] recExpert;
    /** Rank of replica {@code i}. */
    public final int[] recRank;
    /** Tokens of replica {@code i}. */
    public final int[] recAmount;
    /** Replicas placed by the last {@link #run}. */
    public int recCount;

    /** Scratch for a layout. */
    public ThresholdGreedy(ExpertLayout layout) {
        ranks = layout.ranks();
        experts = layout.experts();
        slots = layout.slotsPerRank();
        domainSize = layout.domainSize();
        home = new int[experts];
        rankStart = new int[ranks + 1];
        for (int e = 0; e < experts; e++) {
            home[e] = layout.homeRank(e);
        }
        for (int r = 0; r < ranks; r++) {
            rankStart[r + 1] = rankStart[r] + layout.mastersOn(r);
        }
        byRank = new int[experts];
        byRankById = new int[experts];
        int[] at = rankStart.clone();
        for (int e = 0; e < experts; e++) {
            byRankById[at[home[e]]++] = e;
        }
        maxMasters = layout.maxMastersPerRank();
        holder = new int[ranks];
        rankOrder = new int[ranks];
        cursor = new int[Math.max(ranks, layout.domains())];
        sortIndex = new int[Math.max(ranks, experts)];
        sort = new ArgSort(Math.max(ranks, experts));
        initialLoad = new long[ranks];
        weight = new int[experts];
        load = new long[ranks];
        free = new int[ranks];
        masterQuota = new int[experts];
        resident = new boolean[ranks * experts];
        candidates = new int[domainSize];
        int maxReplicas = ranks * slots;
        recExpert = new int[maxReplicas];
        recRank = new int[maxReplicas];
        recAmount = new int[maxReplicas];
    }

    /** Smallest replica (at least 1). */
    public void minTokens(int min) {
        minTokens = Math.max(1, min);
    }

    /** Marks (rank, expert) as holding the expert's state already. */
    public void resident(int rank, int expert, boolean value) {
        int i = rank * experts + expert;
        if (resident[i] != value) {
            resident[i] = value;
            residentCount += value ? 1 : -1;
        }
    }

    /** Whether (rank, expert) is resident. */
    public boolean isResident(int rank, int expert) {
        return resident[rank * experts + expert];
    }

    /** Clears the resident set. */
    public void clearResident() {
        java.util.Arrays.fill(resident, false);
        residentCount = 0;
    }

    /** Loads the call's expert totals and initial rank loads and orders experts and ranks. */
    public void prepare(int[] expertTotals, long[] rankLoads) {
        System.arraycopy(expertTotals, 0, weight, 0, experts);
        System.arraycopy(rankLoads, 0, initialLoad, 0, ranks);
        final int[] idx = sortIndex;
        if (maxMasters <= SMALL_SORT) {
            // Few masters per rank: a stable insertion sort inside each rank's group beats a radix sort.
            System.arraycopy(byRankById, 0, byRank, 0, experts);
            for (int r = 0; r < ranks; r++) {
                for (int i = rankStart[r] + 1, end = rankStart[r + 1]; i < end; i++) {
                    int e = byRank[i];
                    int w = weight[e];
                    int j = i;
                    while (j > rankStart[r] && weight[byRank[j - 1]] < w) {
                        byRank[j] = byRank[j - 1];
                        j--;
                    }
                    byRank[j] = e;
                }
            }
        } else {
            sort.sort(weight, experts, idx, true);
            System.arraycopy(rankStart, 0, cursor, 0, ranks);
            for (int i = 0; i < experts; i++) {
                int e = idx[i];
                byRank[cursor[home[e]]++] = e;
            }
        }
        if (domainSize <= SMALL_SORT) {
            for (int lo = 0; lo < ranks; lo += domainSize) {
                rankOrder[lo] = lo;
                for (int r = lo + 1, end = lo + domainSize; r < end; r++) {
                    long l = initialLoad[r];
                    int j = r;
                    while (j > lo && initialLoad[rankOrder[j - 1]] < l) {
                        rankOrder[j] = rankOrder[j - 1];
                        j--;
                    }
                    rankOrder[j] = r;
                }
            }
        } else {
            sort.sort(initialLoad, ranks, idx, true);
            for (int d = 0, n = ranks / domainSize; d < n; d++) {
                cursor[d] = d * domainSize;
            }
            for (int i = 0; i < ranks; i++) {
                int r = idx[i];
                rankOrder[cursor[r / domainSize]++] = r;
            }
        }
    }

    /** Master quota of {@code e} after the last run. */
    public int masterQuota(int e) {
        return masterQuota[e];
    }

    /** Load of rank {@code r} after the last run. */
    public long load(int r) {
        return load[r];
    }

    /**
     * Excess the last failed {@link #run} could not place, summed over its overloaded ranks: a
     * bound of {@code t + deficit / domainSize} or more is needed to place it.
     */
    public long deficit() {
        return deficit;
    }

    /** Tries bound {@code t}, overloaded ranks smallest excess first; true when every rank ends at or below it. */
    public boolean run(long t) {
        return run(t, true);
    }

    /**
     * Tries bound {@code t} with overloaded ranks in ascending ({@code smallestFirst}) or
     * descending order of initial load. Smallest first usually needs fewer replicas: small
     * excesses take the small slacks that best fit them and leave the large slacks whole for the
     * heaviest ranks; the planner tries the other order at its final bound and keeps the fewer.
     */
    public boolean run(long t, boolean smallestFirst) {
        System.arraycopy(initialLoad, 0, load, 0, ranks);
        System.arraycopy(weight, 0, masterQuota, 0, experts);
        java.util.Arrays.fill(free, slots);
        recCount = 0;
        deficit = 0;
        final int min = minTokens;
        for (int d = 0, domains = ranks / domainSize; d < domains; d++) {
            final int lo = d * domainSize;
            // Receivers: ranks of the domain with a slot and at least min of slack, in rank order;
            // ranks that shed their excess join below (they end at t or just under it).
            candidateCount = 0;
            if (slots > 0) {
                for (int q = lo, end = lo + domainSize; q < end; q++) {
                    if (t - load[q] >= min) {
                        candidates[candidateCount++] = q;
                    }
                }
            }
            int kk = lo;
            while (kk < lo + domainSize && initialLoad[rankOrder[kk]] > t) {
                kk++;
            }
            for (int ii = 0, nn = kk - lo; ii < nn; ii++) {
                final int r = rankOrder[smallestFirst ? kk - 1 - ii : lo + ii];
                long excess = load[r] - t;
                for (int k = rankStart[r], kEnd = rankStart[r + 1]; k < kEnd && excess > 0; k++) {
                    final int e = byRank[k];
                    final int mark = nextStamp();
                    while (excess > 0 && masterQuota[e] >= min) {
                        long want = Math.min(Math.max(excess, min), masterQuota[e]);
                        int q = pickReceiver(e, t, want, mark);
                        if (q < 0) {
                            break;
                        }
                        int amount = (int) Math.min(want, t - load[q]);
                        int n = recCount++;
                        recExpert[n] = e;
                        recRank[n] = q;
                        recAmount[n] = amount;
                        load[q] += amount;
                        load[r] -= amount;
                        masterQuota[e] -= amount;
                        free[q]--;
                        holder[q] = mark;
                        excess -= amount;
                        if (free[q] == 0 || t - load[q] < min) {
                            dropCandidate(q);
                        }
                    }
                }
                if (excess > 0) {
                    deficit += excess;
                } else if (slots > 0 && t - load[r] >= min) {
                    addCandidate(r);
                }
            }
        }
        return deficit == 0;
    }

    private void dropCandidate(int q) {
        final int[] c = candidates;
        int n = candidateCount;
        int i = 0;
        while (c[i] != q) {
            i++;
        }
        System.arraycopy(c, i + 1, c, i, n - i - 1);
        candidateCount = n - 1;
    }

    private void addCandidate(int q) {
        final int[] c = candidates;
        int i = candidateCount++;
        while (i > 0 && c[i - 1] > q) {
            c[i] = c[i - 1];
            i--;
        }
        c[i] = q;
    }

    private int pickReceiver(int e, long t, long want, int mark) {
        final int h = home[e];
        int fit = -1;
        long fitSlack = Long.MAX_VALUE;
        int big = -1;
        long bigSlack = -1;
        int resFit = -1;
        long resFitSlack = Long.MAX_VALUE;
        int resBig = -1;
        long resBigSlack = -1;
        final boolean anyResident = residentCount > 0;
        final int[] c = candidates;
        final int[] held = holder;
        for (int k = 0, n = candidateCount; k < n; k++) {
            final int q = c[k];
            if (q == h || held[q] == mark) {
                continue;
            }
            long slack = t - load[q];
            if (anyResident && resident[q * experts + e]) {
                if (slack >= want) {
                    if (slack < resFitSlack) {
                        resFit = q;
                        resFitSlack = slack;
                    }
                } else if (slack > resBigSlack) {
                    resBig = q;
                    resBigSlack = slack;
                }
            }
            if (slack >= want) {
                if (slack < fitSlack) {
                    fit = q;
                    fitSlack = slack;
                }
            } else if (slack > bigSlack) {
                big = q;
                bigSlack = slack;
            }
        }
        if (resFit >= 0) {
            return resFit;
        }
        if (resBig >= 0) {
            return resBig;
        }
        return fit >= 0 ? fit : big;
    }

    /** A fresh mark for one expert's replicas in this run: ranks marked with it hold the expert. */
    private int nextStamp() {
        if (stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(holder, 0);
            stamp = 0;
        }
        return ++stamp;
    }
}
