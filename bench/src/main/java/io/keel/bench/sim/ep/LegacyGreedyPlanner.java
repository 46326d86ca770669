package io.keel.bench.sim.ep;

import io.keel.core.IndexedHeap;
import io.keel.planners.ep.ExpertLayout;

/**
 * Baseline: UltraEP's legacy CPU solver as its authors describe it, written here from that
 * description. Every redundant slot of a domain is used: slots go one at a time to the expert
 * of the domain with the largest load per copy; each expert's load is split evenly over its
 * copies (the integer remainder stays with the master); masters stay home and replicas are placed
 * largest first, each on the least-loaded rank of the domain that has a free slot and does not
 * hold the expert.
 *
 * <p>Results: {@link #maxRankLoad()}, {@link #replicaCount()}, {@link #rankLoad(int)}. One thread
 * per instance; the constructor allocates, {@link #plan} allocates nothing.
 */
public final class LegacyGreedyPlanner {
    private final ExpertLayout layout;
    private final int ranks;
    private final int experts;
    private final int domain;
    private final int slots;
    private final IndexedHeap perCopy;
    private final int[] copies;
    private final long[] load;
    private final int[] free;
    private final int[] replicaExpert;
    private final long[] replicaLoad;
    private final int[] order;
    private final io.keel.core.ArgSort sort;
    private final boolean[] holds;
    private int replicas;
    private long max;

    /** A baseline planner for {@code layout}. */
    public LegacyGreedyPlanner(ExpertLayout layout) {
        this.layout = layout;
        ranks = layout.ranks();
        experts = layout.experts();
        domain = layout.domainSize();
        slots = layout.slotsPerRank();
        perCopy = new IndexedHeap(experts, IndexedHeap.Order.MAX);
        copies = new int[experts];
        load = new long[ranks];
        free = new int[ranks];
        int maxReplicas = ranks * slots;
        replicaExpert = new int[maxReplicas];
        replicaLoad = new long[maxReplicas];
        order = new int[maxReplicas];
        sort = new io.keel.core.ArgSort(maxReplicas);
        holds = new boolean[ranks * experts];
    }

    /** Plans from per-expert totals; returns the max rank load. */
    public long plan(int[] totals) {
        java.util.Arrays.fill(load, 0);
        java.util.Arrays.fill(free, slots);
        java.util.Arrays.fill(holds, false);
        java.util.Arrays.fill(copies, 1);
        replicas = 0;
        int unplaced = 0;
        for (int d = 0; d < ranks / domain; d++) {
            int lo = d * domain;
            for (int e = 0; e < experts; e++) {
                if (layout.domainOf(layout.homeRank(e)) == d) {
                    perCopy.insertDouble(e, totals[e]);
                }
            }
            int first = replicas;
            for (int k = 0; k < domain * slots && !perCopy.isEmpty(); k++) {
                int e = perCopy.poll();
                copies[e]++;
                if (copies[e] < domain) {
                    perCopy.insertDouble(e, (double) totals[e] / copies[e]);
                }
                replicaExpert[replicas++] = e;
            }
            while (!perCopy.isEmpty()) {
                perCopy.poll();
            }
            for (int e = 0; e < experts; e++) {
                int h = layout.homeRank(e);
                if (h >= lo && h < lo + domain) {
                    load[h] += totals[e] - (long) (totals[e] / copies[e]) * (copies[e] - 1);
                    holds[h * experts + e] = true;
                }
            }
            int n = replicas - first;
            for (int i = 0; i < n; i++) {
                int e = replicaExpert[first + i];
                replicaLoad[first + i] = totals[e] / copies[e];
            }
            sort.sort(replicaLoad, n, order, true);
            for (int i = 0; i < n; i++) {
                int idx = first + order[i];
                int e = replicaExpert[idx];
                int best = -1;
                for (int r = lo; r < lo + domain; r++) {
                    if (free[r] > 0 && !holds[r * experts + e] && (best < 0 || load[r] < load[best])) {
                        best = r;
                    }
                }
                if (best < 0) {
                    // No rank can take it: the copy's share stays with the master.
                    load[layout.homeRank(e)] += replicaLoad[idx];
                    unplaced++;
                    continue;
                }
                free[best]--;
                holds[best * experts + e] = true;
                load[best] += replicaLoad[idx];
            }
        }
        replicas -= unplaced;
        max = 0;
        for (int r = 0; r < ranks; r++) {
            max = Math.max(max, load[r]);
        }
        return max;
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
}
