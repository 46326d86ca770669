package io.keel.planners.ep.internal;

import io.keel.planners.ep.ExpertLayout;

/**
 * Exact planning for tiny layouts (at most {@link #MAX_RANKS} ranks, {@link #MAX_EXPERTS} experts
 * and {@link #MAX_SLOTS} slots per rank), where the greedy threshold test can miss the optimum:
 * tries every replica placement (each rank picks up to S experts of its domain that it is not
 * home to), scores it with Hall's condition and keeps the lexicographically smallest (max rank
 * load, replicas), first found on ties. With every replica pre-assigned {@code minTokens} tokens,
 * a placement reaches bound {@code T} iff for every rank set Q, the remaining tokens of the
 * experts held only inside Q plus Q's pre-assigned tokens fit in {@code T |Q|}. The winning
 * placement's quotas come from an Edmonds-Karp max flow (experts to holders, rank capacity T).
 *
 * <p>Cost: up to ~2 million placements x 15 rank sets (the worst tiny case), usually far fewer.
 * Its result is a {@link GreedyResult}, read by the planner as it reads the greedy's. Internal; one
 * thread per instance; allocation only in the constructor.
 */
public final class TinyExact {
    /** Largest layout solved exactly. */
    public static final int MAX_RANKS = 4;
    /** Largest layout solved exactly. */
    public static final int MAX_EXPERTS = 8;
    /** Largest layout solved exactly. */
    public static final int MAX_SLOTS = 2;

    private final ExpertLayout layout;
    private final int ranks;
    private final int experts;
    private final int slots;
    private final int[] mask;
    private final int[] bestMask;
    private final int[] replicasOf;
    private final int[] replicasOn;
    private final long[] subsetLoad;
    private final int nodes;
    private final long[] cap;
    private final long[] flow;
    private final int[] parent;
    private final int[] queue;
    private final int[] home;
    private final int min;
    private final GreedyResult result;
    private long lowerBound;
    private long bestT;
    private int bestReplicas;
    private int[] weight;

    /** Whether {@code layout} is tiny enough. */
    public static boolean applies(ExpertLayout layout) {
        return layout.ranks() <= MAX_RANKS && layout.experts() <= MAX_EXPERTS && layout.slotsPerRank() <= MAX_SLOTS;
    }

    /** Scratch for a tiny layout whose replicas carry at least {@code minTokens} (at least 1). */
    public TinyExact(ExpertLayout layout, int minTokens) {
        if (!applies(layout)) {
            throw new IllegalArgumentException("layout is not tiny: " + layout);
        }
        this.layout = layout;
        ranks = layout.ranks();
        experts = layout.experts();
        slots = layout.slotsPerRank();
        mask = new int[experts];
        bestMask = new int[experts];
        replicasOf = new int[experts];
        replicasOn = new int[ranks];
        subsetLoad = new long[1 << ranks];
        nodes = experts + ranks + 2;
        cap = new long[nodes * nodes];
        flow = new long[nodes * nodes];
        parent = new int[nodes];
        queue = new int[nodes];
        home = new int[experts];
        for (int e = 0; e < experts; e++) {
            home[e] = layout.homeRank(e);
        }
        min = Math.max(1, minTokens);
        result = new GreedyResult(ranks, experts, ranks * slots);
    }

    /**
     * Solves the call with expert totals {@code weights} (read, not kept past the call) and domain
     * lower bound {@code lower}; returns the max rank load and leaves the placement in
     * {@link #result()}.
     */
    public long solve(int[] weights, long lower) {
        weight = weights;
        lowerBound = lower;
        bestT = Long.MAX_VALUE;
        bestReplicas = Integer.MAX_VALUE;
        for (int e = 0; e < experts; e++) {
            mask[e] = 1 << home[e];
            replicasOf[e] = 0;
        }
        java.util.Arrays.fill(replicasOn, 0);
        place(0, 0, 0, 0);
        return write();
    }

    /** The placement of the last {@link #solve}. */
    public GreedyResult result() {
        return result;
    }

    private void place(int r, int from, int used, int replicas) {
        if (bestT == lowerBound && replicas >= bestReplicas) {
            return;
        }
        if (r == ranks) {
            long t = evaluate();
            if (t < bestT || (t == bestT && replicas < bestReplicas)) {
                bestT = t;
                bestReplicas = replicas;
                System.arraycopy(mask, 0, bestMask, 0, experts);
            }
            return;
        }
        place(r + 1, 0, 0, replicas);
        if (used == slots) {
            return;
        }
        for (int e = from; e < experts; e++) {
            int h = layout.homeRank(e);
            if (h == r || layout.domainOf(h) != layout.domainOf(r)
                    || (long) (replicasOf[e] + 1) * min > weight[e]) {
                continue;
            }
            mask[e] |= 1 << r;
            replicasOf[e]++;
            replicasOn[r]++;
            place(r, e + 1, used + 1, replicas + 1);
            replicasOn[r]--;
            replicasOf[e]--;
            mask[e] &= ~(1 << r);
        }
    }

    /** Smallest bound this placement reaches (Hall's condition with pre-assigned minimums). */
    private long evaluate() {
        final long[] sub = subsetLoad;
        final int all = 1 << ranks;
        java.util.Arrays.fill(sub, 0);
        for (int e = 0; e < experts; e++) {
            long demand = weight[e] - (long) replicasOf[e] * min;
            int m = mask[e];
            // Add the expert's remaining tokens to every rank set that contains all its holders.
            int rest = (all - 1) & ~m;
            for (int extra = rest; ; extra = (extra - 1) & rest) {
                sub[m | extra] += demand;
                if (extra == 0) {
                    break;
                }
            }
        }
        long worst = 0;
        for (int q = 1; q < all; q++) {
            long load = sub[q];
            for (int r = 0; r < ranks; r++) {
                if ((q & (1 << r)) != 0) {
                    load += (long) replicasOn[r] * min;
                }
            }
            int size = Integer.bitCount(q);
            worst = Math.max(worst, (load + size - 1) / size);
        }
        return worst;
    }

    private long write() {
        final long t = bestT;
        final int n = nodes;
        final int source = 0;
        final int sink = n - 1;
        java.util.Arrays.fill(cap, 0);
        java.util.Arrays.fill(flow, 0);
        java.util.Arrays.fill(replicasOn, 0);
        for (int e = 0; e < experts; e++) {
            int c = Integer.bitCount(bestMask[e]) - 1;
            replicasOf[e] = c;
            cap[source * n + 1 + e] = weight[e] - (long) c * min;
            for (int r = 0; r < ranks; r++) {
                if ((bestMask[e] & (1 << r)) != 0) {
                    cap[(1 + e) * n + 1 + experts + r] = Long.MAX_VALUE / 4;
                    if (r != home[e]) {
                        replicasOn[r]++;
                    }
                }
            }
        }
        for (int r = 0; r < ranks; r++) {
            cap[(1 + experts + r) * n + sink] = t - (long) replicasOn[r] * min;
        }
        while (augment(source, sink)) {
            // Edmonds-Karp: shortest augmenting paths until none is left.
        }
        final GreedyResult out = result;
        out.startEmpty();
        for (int e = 0; e < experts; e++) {
            for (int r = 0; r < ranks; r++) {
                if ((bestMask[e] & (1 << r)) != 0) {
                    long f = flow[(1 + e) * n + 1 + experts + r];
                    boolean master = r == home[e];
                    out.add(e, r, (int) (master ? f : f + min), master);
                }
            }
        }
        return t;
    }

    private boolean augment(int source, int sink) {
        final int n = nodes;
        java.util.Arrays.fill(parent, -1);
        parent[source] = source;
        int head = 0;
        int tail = 0;
        queue[tail++] = source;
        while (head < tail && parent[sink] < 0) {
            int u = queue[head++];
            for (int v = 0; v < n; v++) {
                if (parent[v] < 0 && cap[u * n + v] - flow[u * n + v] > 0) {
                    parent[v] = u;
                    queue[tail++] = v;
                }
            }
        }
        if (parent[sink] < 0) {
            return false;
        }
        long push = Long.MAX_VALUE;
        for (int v = sink; v != source; v = parent[v]) {
            int u = parent[v];
            push = Math.min(push, cap[u * n + v] - flow[u * n + v]);
        }
        for (int v = sink; v != source; v = parent[v]) {
            int u = parent[v];
            flow[u * n + v] += push;
            flow[v * n + u] -= push;
        }
        return true;
    }
}
