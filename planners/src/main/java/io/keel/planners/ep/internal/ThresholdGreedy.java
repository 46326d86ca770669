package io.keel.planners.ep.internal;

import io.keel.core.ArgSort;
import io.keel.planners.ep.ExpertLayout;

/**
 * The feasibility test of the quota planner's threshold search: given a bound {@code T} on every
 * rank's load, sheds each overloaded rank's excess into replicas of its own experts placed on
 * ranks of the same domain that have slack and a free redundant slot, and reports whether every
 * rank ends at or below {@code T}. What it placed is read through a {@link GreedyResult} view
 * ({@link #last()}, or {@link #kept()} for the result kept aside).
 *
 * <p>Greedy rules, all ties to the lower index: overloaded ranks in order of initial load
 * (smallest excess first by default, or heaviest first); their experts heaviest first; a chunk
 * of {@code min(max(excess, minTokens), master quota)} tokens goes to a resident rank when one
 * qualifies, else to the rank with the smallest slack that takes the whole chunk (best fit, so
 * one replica closes the excess and large slacks stay for large excesses); when none takes it,
 * to the smallest slack that together with the largest covers the chunk (filled to {@code T};
 * the rest then fits in one more replica), else to the largest slack (filled to {@code T}). A
 * receiver never holds the expert already and has at least {@code minTokens} of slack, so every
 * replica carries at least {@code minTokens}.
 *
 * <p>Receivers are kept in a list of the domain's ranks that still have a slot and
 * {@code minTokens} of slack, ordered by (slack, rank): the best fit is a binary search, the
 * largest slack the list's end, and a receiver whose slack shrinks moves by one insertion step. A
 * rank that already holds the expert is recognised by a per-expert stamp, in O(1), and skipped.
 * Experts within a rank and ranks within a domain are ordered by stable insertion sorts when the
 * groups are small (at most 64), by {@link ArgSort} otherwise. {@link #keep} sets one result aside (by swapping two views, no
 * copy), so the planner can compare greedy orders without running one twice.
 *
 * <p>Cost per {@link #run}: O(R + E + replicas x (log domainSize + domainSize moves)); with a
 * resident set, O(R + E + replicas x domainSize). Internal: not exported. One thread
 * per instance; the constructor allocates every array, calls allocate nothing.
 */
public final class ThresholdGreedy {
    private final int ranks;
    private final int experts;
    private final int slots;
    private final int domainSize;
    private final int[] home;
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
    private final long[] initialLoad;
    private final int[] weight;
    private final int[] free;
    private final ResidentSet resident;
    private final int[] candRank;
    private final long[] candSlack;
    private int candidateCount;
    /** The result the next {@link #run} writes, and the one {@link #keep} set aside. */
    private GreedyResult work;
    private GreedyResult kept;
    private long keptT = -1;
    private long deficit;
    private int minTokens = 1;

    /** Scratch for a layout; reads {@code resident} (shared with the planner) on every run. */
    public ThresholdGreedy(ExpertLayout layout, ResidentSet resident) {
        this.resident = resident;
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
        free = new int[ranks];
        candRank = new int[domainSize];
        candSlack = new long[domainSize];
        work = new GreedyResult(ranks, experts, ranks * slots);
        kept = new GreedyResult(ranks, experts, ranks * slots);
    }

    /** Smallest replica (at least 1). */
    public void minTokens(int min) {
        minTokens = Math.max(1, min);
    }

    /** Loads the call's expert totals and initial rank loads and orders experts and ranks. */
    public void prepare(int[] expertTotals, long[] rankLoads) {
        System.arraycopy(expertTotals, 0, weight, 0, experts);
        System.arraycopy(rankLoads, 0, initialLoad, 0, ranks);
        keptT = -1;
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

    /** The result of the last {@link #run}. */
    public GreedyResult last() {
        return work;
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
        work.start(initialLoad, weight);
        java.util.Arrays.fill(free, slots);
        deficit = 0;
        for (int lo = 0; lo < ranks; lo += domainSize) {
            startReceivers(lo, t);
            int over = lo;
            while (over < lo + domainSize && initialLoad[rankOrder[over]] > t) {
                over++;
            }
            for (int i = 0, n = over - lo; i < n; i++) {
                shed(rankOrder[smallestFirst ? over - 1 - i : lo + i], t);
            }
        }
        return deficit == 0;
    }

    /**
     * The receivers of the domain starting at rank {@code lo}: its ranks with a slot and at least
     * {@code minTokens} of slack under {@code t}, ordered by (slack, rank). Nothing of the domain
     * has moved yet, so they are the tail of {@code rankOrder} (descending initial load, ties by
     * ascending rank) in its own order. Ranks that shed their excess join later.
     */
    private void startReceivers(int lo, long t) {
        final GreedyResult res = work;
        final int min = minTokens;
        int n = 0;
        if (slots > 0) {
            for (int k = lo + domainSize - 1; k >= lo && t - res.load(rankOrder[k]) >= min; k--) {
                n++;
            }
            for (int i = 0, k = lo + domainSize - n; i < n; i++, k++) {
                candRank[i] = rankOrder[k];
                candSlack[i] = t - res.load(candRank[i]);
            }
        }
        candidateCount = n;
    }

    /**
     * Sheds overloaded rank {@code r}'s excess over {@code t} into replicas of its experts,
     * heaviest first; what it cannot place adds to the deficit, and a rank left with slack joins
     * the receivers.
     */
    private void shed(int r, long t) {
        final GreedyResult res = work;
        final int min = minTokens;
        long excess = res.load(r) - t;
        for (int k = rankStart[r], kEnd = rankStart[r + 1]; k < kEnd && excess > 0; k++) {
            final int e = byRank[k];
            final int mark = nextStamp();
            holder[r] = mark; // the master holds e too: never a receiver of it
            while (excess > 0 && res.masterQuota(e) >= min) {
                long want = Math.min(Math.max(excess, min), res.masterQuota(e));
                int i = pickReceiver(e, want, mark);
                if (i < 0) {
                    break;
                }
                excess -= give(e, r, i, want, mark);
            }
        }
        if (excess > 0) {
            deficit += excess;
        } else if (slots > 0 && t - res.load(r) >= min) {
            addCandidate(r, t - res.load(r));
        }
    }

    /** Moves up to {@code want} tokens of {@code e} from rank {@code r} to receiver {@code i}; returns how many. */
    private int give(int e, int r, int i, long want, int mark) {
        final int q = candRank[i];
        final long slack = candSlack[i];
        final int amount = (int) Math.min(want, slack);
        work.move(e, r, q, amount);
        free[q]--;
        holder[q] = mark;
        final long left = slack - amount;
        if (free[q] > 0 && left >= minTokens) {
            shiftDown(i, q, left);
        } else {
            removeCandidate(i);
        }
        return amount;
    }

    /**
     * Sets the last run's result aside as the one for bound {@code t} (it becomes {@link #kept()};
     * the next run writes over the view kept before), so the planner can come back to it without
     * running the greedy again.
     */
    public void keep(long t) {
        GreedyResult k = kept;
        kept = work;
        work = k;
        keptT = t;
    }

    /** The bound of the kept result, or -1 when none was kept since {@link #prepare}. */
    public long keptBound() {
        return keptT;
    }

    /** The result set aside by {@link #keep}. */
    public GreedyResult kept() {
        return kept;
    }

    private void removeCandidate(int i) {
        final int n = --candidateCount;
        System.arraycopy(candRank, i + 1, candRank, i, n - i);
        System.arraycopy(candSlack, i + 1, candSlack, i, n - i);
    }

    /** Candidate {@code i} (rank {@code q}) now has a smaller {@code slack}: moves it left to its place. */
    private void shiftDown(int i, int q, long slack) {
        final int[] cr = candRank;
        final long[] cs = candSlack;
        while (i > 0 && (cs[i - 1] > slack || (cs[i - 1] == slack && cr[i - 1] > q))) {
            cr[i] = cr[i - 1];
            cs[i] = cs[i - 1];
            i--;
        }
        cr[i] = q;
        cs[i] = slack;
    }

    /** Inserts {@code q} with {@code slack} in (slack, rank) order. */
    private void addCandidate(int q, long slack) {
        shiftDown(candidateCount++, q, slack);
    }

    /**
     * The candidate index of the receiver for a chunk of {@code want} tokens of {@code e}, or -1.
     * With a resident set, a resident rank first (smallest slack that takes the chunk, else the
     * largest). Otherwise the smallest slack that takes the whole chunk; when none does, the
     * smallest slack that together with the largest covers it (two pieces, and the large slacks
     * stay for the large excesses still to come), else the largest. Ties to the lower rank; a
     * rank already holding {@code e} never qualifies.
     */
    private int pickReceiver(int e, long want, int mark) {
        if (!resident.isEmpty()) {
            int i = pickResident(e, want, mark);
            if (i >= 0) {
                return i;
            }
        }
        final int[] cr = candRank;
        final long[] cs = candSlack;
        final int[] held = holder;
        final int n = candidateCount;
        final int a = firstAtLeast(want, n);
        for (int i = a; i < n; i++) {
            final int q = cr[i];
            if (held[q] != mark) {
                return i;
            }
        }
        // No fit. The largest slack, lowest rank among equals (the start of its run of equal slack).
        int top = -1;
        for (int i = a - 1; i >= 0 && top < 0; ) {
            final long s = cs[i];
            int j = i;
            while (j > 0 && cs[j - 1] == s) {
                j--;
            }
            for (int k = j; k <= i; k++) {
                final int q = cr[k];
                if (held[q] != mark) {
                    top = k;
                    break;
                }
            }
            i = j - 1;
        }
        if (top < 0) {
            return -1;
        }
        for (int i = firstAtLeast(want - cs[top], top); i < top; i++) {
            final int q = cr[i];
            if (held[q] != mark) {
                return i;
            }
        }
        return top;
    }

    /** The first candidate index below {@code n} whose slack is at least {@code want} ({@code n} if none). */
    private int firstAtLeast(long want, int n) {
        final long[] cs = candSlack;
        int a = 0;
        int b = n;
        while (a < b) {
            final int mid = (a + b) >>> 1;
            final boolean below = cs[mid] < want;
            a = below ? mid + 1 : a;
            b = below ? b : mid;
        }
        return a;
    }

    /** The resident receiver for the chunk: smallest slack that takes it, else the largest; -1 if none. */
    private int pickResident(int e, long want, int mark) {
        int fit = -1;
        int big = -1;
        final int[] cr = candRank;
        final long[] cs = candSlack;
        final int[] held = holder;
        // Ascending (slack, rank): the first resident that fits is the best fit, and the first of
        // the largest slack is the lowest rank among equals.
        for (int k = 0, n = candidateCount; k < n && fit < 0; k++) {
            final int q = cr[k];
            if (held[q] == mark || !resident.contains(q, e)) {
                continue;
            }
            if (cs[k] >= want) {
                fit = k;
            } else if (big < 0 || cs[k] > cs[big]) {
                big = k;
            }
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
