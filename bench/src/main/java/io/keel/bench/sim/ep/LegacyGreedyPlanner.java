package io.keel.bench.sim.ep;

import io.keel.core.ArgSort;
import io.keel.core.SortableBits;
import io.keel.planners.ep.ExpertLayout;

/**
 * Baseline: UltraEP's legacy CPU solver as its authors describe it, written here from that
 * description. Every redundant slot of a domain is used: slots go one at a time to the expert
 * of the domain with the largest load per copy; each expert's load is split evenly over its
 * copies (the integer remainder stays with the master); masters stay home and replicas are placed
 * largest first, each on the least-loaded rank of the domain that has a free slot and does not
 * hold the expert. Ties go to the lower expert, the earlier slot and the lower rank.
 *
 * <p>Written as fast as we can write this algorithm, since keel is timed against it: each
 * domain's experts are listed once, at construction; both greedy choices use a binary heap of
 * (key, id) pairs stored inline; which ranks hold an expert is a bitset over its domain (one
 * word per expert up to 64 ranks), reset with the expert's master; ranks on top of the heap that
 * hold the replica's expert are set aside for that replica only. Cost per {@link #plan}: O(R +
 * (E + replicas) log E + replicas log domainSize), plus the ranks set aside.
 *
 * <p>Results: {@link #maxRankLoad()}, {@link #replicaCount()}, {@link #rankLoad(int)}. One thread
 * per instance; the constructor allocates, {@link #plan} allocates nothing.
 */
public final class LegacyGreedyPlanner {
    private final ExpertLayout layout;
    private final int ranks;
    private final int domain;
    private final int slots;
    private final int words;
    private final int[] domainExperts;
    private final int[] domainStart;
    private final PairHeap perCopy;
    private final PairHeap leastLoaded;
    private final int[] setAside;
    private final int[] copies;
    private final long[] load;
    private final int[] free;
    private final long[] holds;
    private final int[] replicaExpert;
    /** The shares of the domain being placed, by its replicas' positions in {@link #replicaExpert}. */
    private final long[] replicaLoad;
    private final int[] order;
    private final ArgSort sort;
    private int replicas;
    private long max;

    /** A baseline planner for {@code layout}. */
    public LegacyGreedyPlanner(ExpertLayout layout) {
        this.layout = layout;
        ranks = layout.ranks();
        int experts = layout.experts();
        domain = layout.domainSize();
        slots = layout.slotsPerRank();
        words = (domain + 63) >>> 6;
        domainStart = new int[layout.domains() + 1];
        domainExperts = new int[experts];
        listExpertsByDomain(experts);
        perCopy = new PairHeap(experts);
        leastLoaded = new PairHeap(domain);
        setAside = new int[domain];
        copies = new int[experts];
        load = new long[ranks];
        free = new int[ranks];
        holds = new long[experts * words];
        int maxReplicas = ranks * slots;
        replicaExpert = new int[maxReplicas];
        replicaLoad = new long[domain * slots];
        order = new int[domain * slots];
        sort = new ArgSort(domain * slots);
    }

    /** Domain {@code d}'s experts, ascending, are {@code domainExperts[domainStart[d], domainStart[d + 1])}. */
    private void listExpertsByDomain(int experts) {
        for (int e = 0; e < experts; e++) {
            domainStart[layout.domainOf(layout.homeRank(e)) + 1]++;
        }
        for (int d = 0; d < layout.domains(); d++) {
            domainStart[d + 1] += domainStart[d];
        }
        int[] next = domainStart.clone();
        for (int e = 0; e < experts; e++) {
            domainExperts[next[layout.domainOf(layout.homeRank(e))]++] = e;
        }
    }

    /** Plans from per-expert totals; returns the max rank load. */
    public long plan(int[] totals) {
        java.util.Arrays.fill(load, 0);
        java.util.Arrays.fill(free, slots);
        replicas = 0;
        int unplaced = 0;
        for (int d = 0; d < ranks / domain; d++) {
            int first = replicas;
            apportion(d, totals);
            chargeMasters(d, totals);
            int n = replicas - first;
            for (int i = 0; i < n; i++) {
                int e = replicaExpert[first + i];
                replicaLoad[i] = totals[e] / copies[e];
            }
            sort.sort(replicaLoad, n, order, true);
            unplaced += place(d * domain, first, n);
        }
        replicas -= unplaced;
        max = 0;
        for (int r = 0; r < ranks; r++) {
            max = Math.max(max, load[r]);
        }
        return max;
    }

    /**
     * Gives domain {@code d}'s redundant slots one at a time to its expert with the largest load
     * per copy, appending each slot's expert to {@link #replicaExpert}; an expert takes at most
     * one copy per rank of the domain.
     */
    private void apportion(int d, int[] totals) {
        perCopy.clear();
        for (int i = domainStart[d]; i < domainStart[d + 1]; i++) {
            int e = domainExperts[i];
            copies[e] = 1;
            perCopy.push(largestFirst(totals[e]), e);
        }
        for (int k = 0; k < domain * slots && !perCopy.isEmpty(); k++) {
            int e = perCopy.top();
            copies[e]++;
            if (copies[e] < domain) {
                perCopy.replaceTop(largestFirst((double) totals[e] / copies[e]));
            } else {
                perCopy.pop();
            }
            replicaExpert[replicas++] = e;
        }
    }

    /** A min-heap key that puts larger loads per copy first. */
    private static long largestFirst(double perCopyLoad) {
        return ~SortableBits.ofDouble(perCopyLoad);
    }

    /** Charges domain {@code d}'s masters their share and resets each expert's holders to its home. */
    private void chargeMasters(int d, int[] totals) {
        int lo = d * domain;
        for (int i = domainStart[d]; i < domainStart[d + 1]; i++) {
            int e = domainExperts[i];
            int h = layout.homeRank(e);
            load[h] += totals[e] - (long) (totals[e] / copies[e]) * (copies[e] - 1);
            java.util.Arrays.fill(holds, e * words, (e + 1) * words, 0L);
            mark(e, h - lo);
        }
    }

    /**
     * Places the {@code n} replicas from {@code first}, in {@link #order}, on the domain whose
     * first rank is {@code lo}; returns how many found no rank.
     */
    private int place(int lo, int first, int n) {
        leastLoaded.clear();
        for (int r = 0; r < domain; r++) {
            leastLoaded.push(load[lo + r], r);
        }
        int unplaced = 0;
        for (int i = 0; i < n; i++) {
            int idx = first + order[i];
            int e = replicaExpert[idx];
            int held = 0;
            while (!leastLoaded.isEmpty() && holds(e, leastLoaded.top())) {
                setAside[held++] = leastLoaded.pop();
            }
            if (leastLoaded.isEmpty()) {
                // No rank can take it: the copy's share stays with the master.
                load[layout.homeRank(e)] += replicaLoad[order[i]];
                unplaced++;
            } else {
                int best = lo + leastLoaded.top();
                free[best]--;
                mark(e, best - lo);
                load[best] += replicaLoad[order[i]];
                if (free[best] == 0) {
                    leastLoaded.pop();
                } else {
                    leastLoaded.replaceTop(load[best]);
                }
            }
            for (int j = 0; j < held; j++) {
                leastLoaded.push(load[lo + setAside[j]], setAside[j]);
            }
        }
        return unplaced;
    }

    /** Whether expert {@code e} is on rank {@code local} of its domain. */
    private boolean holds(int e, int local) {
        return (holds[e * words + (local >>> 6)] & 1L << local) != 0;
    }

    private void mark(int e, int local) {
        holds[e * words + (local >>> 6)] |= 1L << local;
    }

    /** Largest rank load of the last plan. */
    public long maxRankLoad() {
        return max;
    }

    /** Replicas placed by the last plan. */
    public int replicaCount() {
        return replicas;
    }

    /** Load of rank {@code r} in the last plan. */
    public long rankLoad(int r) {
        return load[r];
    }

    /**
     * A binary min-heap of (key, id) pairs, equal keys by the lower id, keys stored with the ids:
     * push, read and replace the top, pop; no index, as neither greedy choice needs one. Not
     * keel's {@code IndexedHeap}, on purpose: this class is a peer keel is timed against, and with
     * {@code IndexedHeap} (same plans on 1,048 inputs) its p50 at 256 / 1,024 rose from 44-73 to
     * 68-73 us in JMH (2026-11-29 18:45); the lean heap keeps the baseline at its best.
     */
    private static final class PairHeap {
        private final long[] keys;
        private final int[] ids;
        private int size;

        PairHeap(int capacity) {
            keys = new long[capacity];
            ids = new int[capacity];
        }

        void clear() {
            size = 0;
        }

        boolean isEmpty() {
            return size == 0;
        }

        /** The id on top (the heap is not empty). */
        int top() {
            return ids[0];
        }

        void push(long key, int id) {
            int at = size++;
            while (at > 0) {
                int parent = (at - 1) >>> 1;
                if (!before(key, id, keys[parent], ids[parent])) {
                    break;
                }
                keys[at] = keys[parent];
                ids[at] = ids[parent];
                at = parent;
            }
            keys[at] = key;
            ids[at] = id;
        }

        /** Gives the top id a new key (the heap is not empty). */
        void replaceTop(long key) {
            siftDown(key, ids[0]);
        }

        /** Removes and returns the top id (the heap is not empty). */
        int pop() {
            int id = ids[0];
            size--;
            if (size > 0) {
                siftDown(keys[size], ids[size]);
            }
            return id;
        }

        /** Puts (key, id) at the root and moves it down to its place. */
        private void siftDown(long key, int id) {
            int at = 0;
            while (true) {
                int child = 2 * at + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && before(keys[child + 1], ids[child + 1], keys[child], ids[child])) {
                    child++;
                }
                if (!before(keys[child], ids[child], key, id)) {
                    break;
                }
                keys[at] = keys[child];
                ids[at] = ids[child];
                at = child;
            }
            keys[at] = key;
            ids[at] = id;
        }

        private static boolean before(long keyA, int idA, long keyB, int idB) {
            return keyA < keyB || keyA == keyB && idA < idB;
        }
    }
}
