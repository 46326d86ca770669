package io.keel.planners.relay;

import io.keel.core.ArgSort;
import io.keel.core.Checks;

/**
 * Builds the relay fan-out trees of one layer's expert-state transfers.
 *
 * <p>Input: a {@link RelayRequest} (expert {@code e}'s state from its source rank to each of its
 * {@code k} targets, state bytes S, chunk bytes) and a {@link RelayPolicy}. Output: a
 * {@link RelayPlan} with one tree per expert (any depth for {@link RelayPolicy#BALANCED_TREES},
 * source to relays to leaves for the others), per-rank egress and ingress bytes, the makespan
 * estimate of the chunk-pipelined model and a lower bound (the model is described on
 * {@link RelayPlan}). The bandwidths of every rank's egress and ingress links are fixed at
 * construction.
 *
 * <p>Guarantees, for every policy: each target receives the state exactly once, from the source
 * or from a target nearer the source (no cycles); bytes are accounted exactly
 * ({@code sum egress = sum ingress = transfers x S}); the makespan is at least the lower bound;
 * the makespan of {@link RelayPolicy#BALANCED_TREES} is at most that of {@link RelayPolicy#DIRECT},
 * {@link RelayPolicy#ULTRAEP_SQRT} and {@link RelayPolicy#BALANCED_DEPTH_TWO}, and that of
 * {@link RelayPolicy#BALANCED_DEPTH_TWO} at most that of the first two. Deterministic: ties go to
 * the lower rank, then the earlier transfer.
 *
 * <p>Cost: DIRECT and ULTRAEP_SQRT are O(transfers + experts + ranks + sum k^2).
 * BALANCED_DEPTH_TWO runs up to five rounds of O(sum k^3) over the trees, and a search stops after
 * a round that does not improve; k is at most the scale-up domain size. BALANCED_TREES adds up to
 * {@value #DEEP_ROUNDS} rounds of O(sum k^2) and runs the depth-2 search only when its deep trees
 * do not already reach the depth-2 bound ({@link RelayPlan#depthTwoBoundSeconds()}), which no
 * depth-2 tree can beat.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates scratch for
 * {@code maxExperts} trees, {@code maxTransfers} transfers and {@code ranks} ranks, and the
 * plan; {@code plan} calls allocate nothing.
 */
public final class RelayPlanner {
    /** UltraEP's cap on relays per expert. */
    static final int SQRT_MAX_RELAYS = 8;
    /** UltraEP relays only experts with at least this many targets. */
    static final int SQRT_MIN_TARGETS = 4;
    /** UltraEP relays only when the critical fan-out drops by at least this much. */
    static final int SQRT_MIN_GAIN = 2;
    /** Rip-up-and-replace rounds of the depth-2 search. */
    static final int BALANCED_ROUNDS = 3;
    /** Rip-up-and-replace rounds of the deep trees' copy assignment. */
    static final int DEEP_ROUNDS = 4;

    private final int ranks;
    private final int maxExperts;
    private final int maxTransfers;
    private final double[] egressBw;
    private final double[] ingressBw;
    /** Seconds per byte of each egress link: the search multiplies instead of dividing. */
    private final double[] egressSecondsPerByte;
    private final RelayPlan plan;
    private final ArgSort treeSort;

    // Grouped view of the request: trees in expert order, their targets in request order.
    private final int[] bucket;
    private final int[] gStart;
    private final int[] gCount;
    private final int[] gExpert;
    private final int[] gSource;
    private final long[] gSourceOffset;
    private final int[] gTarget;
    private final long[] gTargetOffset;
    private final int[] gTree;
    private final int[] rankStamp;
    private int stampGeneration;

    // Tree shapes: parentPos[p] = -1 when the source feeds grouped target p, else the grouped
    // position of its relay.
    private final int[] parentPos;
    private final int[] bestParent;
    private final int[] leafCount;
    private final int[] children;
    private final long[] egress;
    private final long[] ingress;
    private final double[] tIn;
    private final int[] treeOrder;
    private final int[] treeKey;
    private final int[] sorted;
    private final long[] proj;
    private final int[] owner;
    private final int[] sourced;
    private final int[] cursor;
    // Deep trees: copies each target sends, copies each tree's source sends, the model's per-path
    // scratch (slowest hop and sum of hops up to each target) and child lists for the layout.
    private final int[] sends;
    private final int[] sourceSends;
    private final double[] pathMax;
    private final double[] pathSum;
    private final int[] stack;
    private final int[] firstKid;
    private final int[] nextKid;

    /**
     * A planner for {@code ranks} ranks with the given link bandwidths in bytes per second (copied),
     * up to {@code maxExperts} expert ids and {@code maxTransfers} transfers per call.
     *
     * @throws IllegalArgumentException on a size out of range or a bandwidth that is not finite and > 0
     */
    public RelayPlanner(int ranks, double[] egressBytesPerSecond, double[] ingressBytesPerSecond,
                        int maxExperts, int maxTransfers) {
        Checks.positive("ranks", ranks);
        Checks.inRange("maxExperts", maxExperts, 1, Integer.MAX_VALUE - 9);
        Checks.nonNegative("maxTransfers", maxTransfers);
        Checks.sameLength("egressBytesPerSecond", Checks.notNull("egressBytesPerSecond", egressBytesPerSecond).length, ranks);
        Checks.sameLength("ingressBytesPerSecond", Checks.notNull("ingressBytesPerSecond", ingressBytesPerSecond).length, ranks);
        double slowest = Double.MAX_VALUE;
        for (int r = 0; r < ranks; r++) {
            checkBandwidth("egressBytesPerSecond", r, egressBytesPerSecond[r]);
            checkBandwidth("ingressBytesPerSecond", r, ingressBytesPerSecond[r]);
            slowest = Math.min(slowest, egressBytesPerSecond[r]);
        }
        this.ranks = ranks;
        this.maxExperts = maxExperts;
        this.maxTransfers = maxTransfers;
        this.egressBw = egressBytesPerSecond.clone();
        this.ingressBw = ingressBytesPerSecond.clone();
        this.egressSecondsPerByte = new double[ranks];
        for (int r = 0; r < ranks; r++) {
            egressSecondsPerByte[r] = 1.0 / egressBw[r];
        }
        int maxTrees = Math.min(maxExperts, maxTransfers);
        this.plan = new RelayPlan(ranks, maxTrees, maxTransfers, slowest);
        this.treeSort = new ArgSort(maxTrees);
        bucket = new int[maxExperts + 1];
        gStart = new int[maxTrees];
        gCount = new int[maxTrees];
        gExpert = new int[maxTrees];
        gSource = new int[maxTrees];
        gSourceOffset = new long[maxTrees];
        gTarget = new int[maxTransfers];
        gTargetOffset = new long[maxTransfers];
        gTree = new int[maxTransfers];
        rankStamp = new int[ranks];
        parentPos = new int[maxTransfers];
        bestParent = new int[maxTransfers];
        leafCount = new int[maxTransfers];
        children = new int[maxTrees];
        egress = new long[ranks];
        ingress = new long[ranks];
        tIn = new double[ranks];
        treeOrder = new int[maxTrees];
        treeKey = new int[maxTrees];
        sorted = new int[ranks];
        proj = new long[ranks];
        owner = new int[ranks];
        sourced = new int[ranks];
        cursor = new int[maxTransfers];
        sends = new int[maxTransfers];
        sourceSends = new int[maxTrees];
        pathMax = new double[maxTransfers];
        pathSum = new double[maxTransfers];
        stack = new int[maxTransfers];
        firstKid = new int[maxTransfers + maxTrees];
        nextKid = new int[maxTransfers];
    }

    /** A planner whose every link has the same bandwidth. */
    public static RelayPlanner uniform(int ranks, double bytesPerSecond, int maxExperts, int maxTransfers) {
        Checks.positive("ranks", ranks);
        double[] bw = new double[ranks];
        java.util.Arrays.fill(bw, bytesPerSecond);
        return new RelayPlanner(ranks, bw, bw, maxExperts, maxTransfers);
    }

    private static void checkBandwidth(String name, int r, double v) {
        Checks.positiveFinite(name, r, v);
    }

    /** Ranks this planner plans for. */
    public int ranks() {
        return ranks;
    }

    /** Largest expert id + 1 accepted. */
    public int maxExperts() {
        return maxExperts;
    }

    /** Largest number of transfers per call. */
    public int maxTransfers() {
        return maxTransfers;
    }

    /** The plan view every call returns (same object). */
    public RelayPlan plan() {
        return plan;
    }

    /**
     * Plans the trees of {@code request} under {@code policy}.
     *
     * @throws IllegalArgumentException on a request over capacity, an expert or rank out of range,
     *     a transfer to its own source, two sources or source offsets for one expert, or a target
     *     named twice for one expert; the previous plan is left as it was
     */
    public RelayPlan plan(RelayRequest request, RelayPolicy policy) {
        Checks.notNull("request", request);
        Checks.notNull("policy", policy);
        int trees = group(request);
        int n = request.size;
        long s = request.stateBytes;
        double f = Math.min(1.0, (double) request.chunkBytes / s);
        // Bounds depend on the request only (ingress is the same for every shape).
        fillIngress(n, s);
        double lowerBound = lowerBound(trees, n, s);
        double depthTwoBound = Math.max(lowerBound, depthTwoBound(trees, s));
        switch (policy) {
            case DIRECT -> direct(n);
            case ULTRAEP_SQRT -> ultraep(trees, s);
            case BALANCED_DEPTH_TWO -> keel(trees, n, s, f, false, depthTwoBound);
            case BALANCED_TREES -> keel(trees, n, s, f, true, depthTwoBound);
        }
        // Recomputes egress and ingress from the final shapes (the policies use egress as scratch).
        double makespan = modelMakespan(trees, n, s, f, parentPos);
        publish(policy, trees, n, s, request.chunkBytes, makespan, lowerBound, depthTwoBound);
        return plan;
    }

    /** Validates the request and groups it by expert; writes only scratch. Returns the tree count. */
    private int group(RelayRequest q) {
        final int n = q.size;
        Checks.inRange("request.size", n, 0, maxTransfers);
        if (n > 0 && q.stateBytes > Long.MAX_VALUE / n) {
            throw new IllegalArgumentException("stateBytes x transfers overflows a long, stateBytes was " + q.stateBytes);
        }
        if (Math.ceilDiv(q.stateBytes, q.chunkBytes) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("stateBytes / chunkBytes must be at most " + Integer.MAX_VALUE
                    + " chunks, was " + Math.ceilDiv(q.stateBytes, q.chunkBytes));
        }
        java.util.Arrays.fill(bucket, 0);
        for (int i = 0; i < n; i++) {
            int e = q.expert[i];
            if (e >= maxExperts) {
                throw Checks.element("request.expert", i, "must be < maxExperts " + maxExperts, e);
            }
            if (q.from[i] >= ranks) {
                throw Checks.element("request.from", i, "must be < ranks " + ranks, q.from[i]);
            }
            if (q.to[i] >= ranks) {
                throw Checks.element("request.to", i, "must be < ranks " + ranks, q.to[i]);
            }
            if (q.to[i] == q.from[i]) {
                throw Checks.element("request.to", i, "must differ from its source rank", q.to[i]);
            }
            bucket[e + 1]++;
        }
        int trees = 0;
        for (int e = 0; e < maxExperts; e++) {
            int c = bucket[e + 1];
            bucket[e + 1] = bucket[e] + c;
            if (c > 0) {
                trees++;
            }
        }
        // Stable counting sort by expert: bucket[e] becomes the next free position of expert e.
        for (int i = 0; i < n; i++) {
            int p = bucket[q.expert[i]]++;
            gTarget[p] = q.to[i];
            gTargetOffset[p] = q.targetOffset[i];
            cursor[p] = i;
        }
        int t = 0;
        int p = 0;
        while (p < n) {
            int first = cursor[p];
            int e = q.expert[first];
            int end = p;
            int gen = nextStamp();
            while (end < n && q.expert[cursor[end]] == e) {
                int i = cursor[end];
                if (q.from[i] != q.from[first]) {
                    throw Checks.element("request.from", i, "must equal the source of expert " + e + " (" + q.from[first] + ")", q.from[i]);
                }
                if (q.sourceOffset[i] != q.sourceOffset[first]) {
                    throw Checks.element("request.sourceOffset", i, "must equal the source offset of expert " + e + " (" + q.sourceOffset[first] + ")", q.sourceOffset[i]);
                }
                if (rankStamp[q.to[i]] == gen) {
                    throw Checks.element("request.to", i, "names a target of expert " + e + " twice", q.to[i]);
                }
                rankStamp[q.to[i]] = gen;
                gTree[end] = t;
                end++;
            }
            gStart[t] = p;
            gCount[t] = end - p;
            gExpert[t] = e;
            gSource[t] = q.from[first];
            gSourceOffset[t] = q.sourceOffset[first];
            t++;
            p = end;
        }
        return trees;
    }

    private int nextStamp() {
        if (++stampGeneration == 0) {
            java.util.Arrays.fill(rankStamp, 0);
            stampGeneration = 1;
        }
        return stampGeneration;
    }

    private void direct(int n) {
        java.util.Arrays.fill(parentPos, 0, n, -1);
    }

    /** UltraEP's rule, experts in id order, running sender bytes per rank. */
    private void ultraep(int trees, long s) {
        final long[] sender = egress;
        java.util.Arrays.fill(sender, 0);
        for (int t = 0; t < trees; t++) {
            final int start = gStart[t];
            final int k = gCount[t];
            final int src = gSource[t];
            int r = sqrtRelays(k);
            for (int j = 0; j < k; j++) {
                parentPos[start + j] = -1;
                leafCount[start + j] = -1;
            }
            if (r == 0) {
                sender[src] += k * s;
                continue;
            }
            // leafCount doubles as "selected" (>= 0) while choosing relays.
            for (int i = 0; i < r; i++) {
                int best = -1;
                for (int j = 0; j < k; j++) {
                    int p = start + j;
                    if (leafCount[p] >= 0) {
                        continue;
                    }
                    if (best < 0 || sender[gTarget[p]] < sender[gTarget[best]]
                            || (sender[gTarget[p]] == sender[gTarget[best]] && gTarget[p] < gTarget[best])) {
                        best = p;
                    }
                }
                leafCount[best] = 0;
                sorted[i] = best;
                proj[i] = sender[gTarget[best]];
            }
            int leafOrder = 0;
            for (int j = 0; j < k; j++) {
                int p = start + j;
                if (leafCount[p] >= 0) {
                    continue;
                }
                int o;
                if (leafOrder < r) {
                    o = leafOrder;
                } else {
                    o = 0;
                    for (int i = 1; i < r; i++) {
                        int a = sorted[i];
                        int b = sorted[o];
                        if (proj[i] < proj[o] || (proj[i] == proj[o] && (leafCount[a] < leafCount[b]
                                || (leafCount[a] == leafCount[b] && gTarget[a] < gTarget[b])))) {
                            o = i;
                        }
                    }
                }
                leafOrder++;
                parentPos[p] = sorted[o];
                leafCount[sorted[o]]++;
                proj[o] += s;
            }
            sender[src] += r * s;
            for (int i = 0; i < r; i++) {
                sender[gTarget[sorted[i]]] += leafCount[sorted[i]] * s;
            }
        }
    }

    /** UltraEP's relay count for {@code k} targets: 0 means direct. */
    static int sqrtRelays(int k) {
        if (k < SQRT_MIN_TARGETS) {
            return 0;
        }
        int r = (int) Math.sqrt(k);
        while ((r + 1) * (r + 1) <= k) {
            r++;
        }
        while (r * r > k) {
            r--;
        }
        r = Math.min(Math.min(Math.max(r, 1), SQRT_MAX_RELAYS), k - 1);
        int critical = Math.max(r, (k - r + r - 1) / r);
        return k - critical >= SQRT_MIN_GAIN ? r : 0;
    }

    /**
     * Joint egress balancing over all trees of the layer. Candidates, compared under the model:
     * DIRECT; with {@code deep}, trees of any depth ({@link #deep}); UltraEP's trees; and, unless
     * the best so far already reaches {@code depthTwoBound} (which no depth-2 shape beats), the
     * depth-2 rip-up-and-replace search. Each tree, biggest first, is taken out and placed again
     * against the egress of all the others, choosing how many targets the source feeds (the
     * others hang under the least busy of them); it runs from two starts: UltraEP's trees, and
     * every source reserving one copy of each of its experts (so hot sources look busy before any
     * tree is placed). The best shape seen wins, DIRECT when it is no worse.
     */
    private void keel(int trees, int n, long s, double f, boolean deep, double depthTwoBound) {
        for (int r = 0; r < ranks; r++) {
            tIn[r] = ingress[r] / ingressBw[r];
        }
        for (int t = 0; t < trees; t++) {
            treeKey[t] = gCount[t];
        }
        treeSort.sort(treeKey, trees, treeOrder, true);

        java.util.Arrays.fill(parentPos, 0, n, -1);
        double best = modelMakespan(trees, n, s, f, parentPos);
        System.arraycopy(parentPos, 0, bestParent, 0, n);

        if (deep) {
            deep(trees, s);
            best = consider(trees, n, s, f, best);
        }
        ultraep(trees, s);
        best = consider(trees, n, s, f, best);
        if (!deep || best > depthTwoBound) {
            for (int t = 0; t < trees; t++) {
                int c = 0;
                for (int p = gStart[t], end = p + gCount[t]; p < end; p++) {
                    c += parentPos[p] < 0 ? 1 : 0;
                }
                children[t] = c;
            }
            // consider() left egress at the UltraEP shapes' bytes: the search starts from there.
            best = search(trees, n, s, f, best, BALANCED_ROUNDS - 1);

            java.util.Arrays.fill(egress, 0);
            for (int t = 0; t < trees; t++) {
                egress[gSource[t]] += s;
                children[t] = 0;
            }
            search(trees, n, s, f, best, BALANCED_ROUNDS);
        }
        System.arraycopy(bestParent, 0, parentPos, 0, n);
    }

    /**
     * Trees of any depth. Every holder of a state (its source and, once they have it, its targets)
     * can send copies; a tree with {@code k} targets needs {@code k} sends, at least one from the
     * source. The sources' mandatory copies are reserved first; then each tree, biggest first,
     * gives each of its other {@code k - 1} copies to the holder whose egress would end first
     * (ties: the source, then the holder already sending most, then the lower rank), against the
     * copies of all other trees; rounds of rip-up and re-placement follow while the busiest egress
     * link gets faster. Each tree is then laid out breadth first with the busiest forwarders
     * nearest the source ({@link #layOut}). Leaves the shapes in {@link #parentPos}.
     */
    private void deep(int trees, long s) {
        java.util.Arrays.fill(egress, 0);
        for (int t = 0; t < trees; t++) {
            egress[gSource[t]] += s;
            sourceSends[t] = 1;
            for (int p = gStart[t], end = p + gCount[t]; p < end; p++) {
                sends[p] = 0;
            }
        }
        double previous = Double.POSITIVE_INFINITY;
        for (int round = 0; round < DEEP_ROUNDS; round++) {
            for (int i = 0; i < trees; i++) {
                int t = treeOrder[i];
                if (gCount[t] > 1) {
                    assignCopies(t, s);
                }
            }
            double m = 0;
            for (int r = 0; r < ranks; r++) {
                m = Math.max(m, egress[r] * egressSecondsPerByte[r]);
            }
            if (m >= previous) {
                break;
            }
            previous = m;
        }
        for (int t = 0; t < trees; t++) {
            layOut(t);
        }
    }

    /** Takes tree {@code t}'s optional copies back and gives each to the holder whose egress ends first. */
    private void assignCopies(int t, long s) {
        final int start = gStart[t];
        final int end = start + gCount[t];
        final int src = gSource[t];
        egress[src] -= (sourceSends[t] - 1) * s;
        sourceSends[t] = 1;
        for (int p = start; p < end; p++) {
            egress[gTarget[p]] -= sends[p] * s;
            sends[p] = 0;
        }
        for (int copy = 1; copy < gCount[t]; copy++) {
            int best = -1;
            double bestTime = (egress[src] + s) * egressSecondsPerByte[src];
            for (int p = start; p < end; p++) {
                int r = gTarget[p];
                double time = (egress[r] + s) * egressSecondsPerByte[r];
                if (time < bestTime || (time == bestTime && best >= 0 && (sends[p] > sends[best]
                        || (sends[p] == sends[best] && r < gTarget[best])))) {
                    best = p;
                    bestTime = time;
                }
            }
            if (best < 0) {
                sourceSends[t]++;
                egress[src] += s;
            } else {
                sends[best]++;
                egress[gTarget[best]] += s;
            }
        }
    }

    /**
     * Lays tree {@code t} out from its send counts: the source feeds the {@code sourceSends} first
     * targets of the order "most sends first (ties: earlier transfer)", and each target, in that
     * order, feeds the next {@code sends} ones. Forwarders come before leaves, so every target is
     * reached and the busiest forwarders sit nearest the source.
     */
    private void layOut(int t) {
        final int start = gStart[t];
        final int k = gCount[t];
        for (int j = 0; j < k; j++) {
            int p = start + j;
            int i = j;
            while (i > 0 && sends[p] > sends[sorted[i - 1]]) {
                sorted[i] = sorted[i - 1];
                i--;
            }
            sorted[i] = p;
        }
        int next = 0;
        for (int c = 0; c < sourceSends[t]; c++) {
            parentPos[sorted[next++]] = -1;
        }
        for (int q = 0; next < k; q++) {
            int from = sorted[q];
            for (int c = 0; c < sends[from]; c++) {
                parentPos[sorted[next++]] = from;
            }
        }
    }

    /** Up to {@code rounds} rounds of rip-up and replace; stops early once a round does not improve. */
    private double search(int trees, int n, long s, double f, double best, int rounds) {
        double previous = Double.POSITIVE_INFINITY;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < trees; i++) {
                int t = treeOrder[i];
                if (gCount[t] == 1 && children[t] == 1) {
                    continue; // one target: always fed by the source, nothing to re-place
                }
                ripUp(t, s);
                place(t, s, f);
            }
            double m = modelMakespan(trees, n, s, f, parentPos);
            if (m < best) {
                System.arraycopy(parentPos, 0, bestParent, 0, n);
                best = m;
            }
            if (m >= previous) {
                break;
            }
            previous = m;
        }
        return best;
    }

    /** Keeps the current shapes when strictly better than {@code best}; returns the new best. */
    private double consider(int trees, int n, long s, double f, double best) {
        double m = modelMakespan(trees, n, s, f, parentPos);
        if (m < best) {
            System.arraycopy(parentPos, 0, bestParent, 0, n);
            return m;
        }
        return best;
    }

    /** Removes tree {@code t}'s egress (its reservation before its first placement). */
    private void ripUp(int t, long s) {
        int src = gSource[t];
        if (children[t] == 0) {
            egress[src] -= s;
            return;
        }
        egress[src] -= children[t] * s;
        for (int p = gStart[t], end = p + gCount[t]; p < end; p++) {
            if (parentPos[p] >= 0) {
                egress[gTarget[parentPos[p]]] -= s;
            }
        }
    }

    /** Places tree {@code t} with the number of source children that minimises its model makespan. */
    private void place(int t, long s, double f) {
        final int start = gStart[t];
        final int k = gCount[t];
        final int src = gSource[t];
        // Targets by current egress time, least busy first (ties: lower rank): relay candidates.
        for (int j = 0; j < k; j++) {
            int p = start + j;
            double key = egress[gTarget[p]] * egressSecondsPerByte[gTarget[p]];
            int i = j;
            while (i > 0 && less(key, gTarget[p], sorted[i - 1])) {
                sorted[i] = sorted[i - 1];
                i--;
            }
            sorted[i] = p;
        }
        int bestC = k;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int c = k; c >= 1; c--) {
            double cost = evaluate(c, k, src, s, f, false);
            if (cost < bestCost) {
                bestCost = cost;
                bestC = c;
            }
        }
        evaluate(bestC, k, src, s, f, true);
        children[t] = bestC;
        egress[src] += bestC * s;
        for (int i = 0; i < bestC; i++) {
            egress[gTarget[sorted[i]]] = proj[i];
        }
    }

    private boolean less(double key, int rank, int p) {
        double other = egress[gTarget[p]] * egressSecondsPerByte[gTarget[p]];
        return key < other || (key == other && rank < gTarget[p]);
    }

    /**
     * Model makespan of the current tree with the {@code c} least busy targets fed by the source
     * and the others each under the child whose egress ends first; with {@code commit} it also
     * writes the tree's parents and leaves each child's projected egress bytes in {@code proj}.
     */
    private double evaluate(int c, int k, int src, long s, double f, boolean commit) {
        final double srcTime = (egress[src] + c * s) * egressSecondsPerByte[src];
        for (int i = 0; i < c; i++) {
            proj[i] = egress[gTarget[sorted[i]]];
        }
        for (int j = c; j < k; j++) {
            int o = 0;
            double oTime = (proj[0] + s) * egressSecondsPerByte[gTarget[sorted[0]]];
            for (int i = 1; i < c; i++) {
                double time = (proj[i] + s) * egressSecondsPerByte[gTarget[sorted[i]]];
                if (time < oTime) {
                    o = i;
                    oTime = time;
                }
            }
            owner[j] = o;
            proj[o] += s;
        }
        double cost = 0;
        for (int i = 0; i < c; i++) {
            cost = Math.max(cost, Math.max(srcTime, tIn[gTarget[sorted[i]]]));
        }
        for (int j = c; j < k; j++) {
            int relay = gTarget[sorted[owner[j]]];
            double a = Math.max(srcTime, tIn[relay]);
            double b = Math.max(proj[owner[j]] * egressSecondsPerByte[relay], tIn[gTarget[sorted[j]]]);
            cost = Math.max(cost, Math.max(a + f * b, b + f * a));
        }
        if (commit) {
            for (int i = 0; i < c; i++) {
                parentPos[sorted[i]] = -1;
            }
            for (int j = c; j < k; j++) {
                parentPos[sorted[j]] = sorted[owner[j]];
            }
        }
        return cost;
    }

    /** Ingress bytes of every rank: one state per transfer, whatever the shapes. */
    private void fillIngress(int n, long s) {
        java.util.Arrays.fill(ingress, 0);
        for (int p = 0; p < n; p++) {
            ingress[gTarget[p]] += s;
        }
    }

    /**
     * Makespan of the trees given by {@code parents} under the model (pipelined paths, see
     * {@link RelayPlan}); fills {@link #egress}/{@link #ingress}. Each target's path is resolved
     * once, parents first, with an explicit stack.
     */
    private double modelMakespan(int trees, int n, long s, double f, int[] parents) {
        for (int r = 0; r < ranks; r++) {
            egress[r] = 0;
            ingress[r] = 0;
        }
        for (int p = 0; p < n; p++) {
            int sender = parents[p] < 0 ? gSource[gTree[p]] : gTarget[parents[p]];
            egress[sender] += s;
            ingress[gTarget[p]] += s;
            pathSum[p] = -1;
        }
        double m = 0;
        for (int p = 0; p < n; p++) {
            int depth = 0;
            for (int q = p; q >= 0 && pathSum[q] < 0; q = parents[q]) {
                stack[depth++] = q;
            }
            while (depth > 0) {
                int q = stack[--depth];
                int to = gTarget[q];
                int up = parents[q];
                int sender = up < 0 ? gSource[gTree[q]] : gTarget[up];
                double a = Math.max(egress[sender] / egressBw[sender], ingress[to] / ingressBw[to]);
                double max = up < 0 ? a : Math.max(pathMax[up], a);
                double sum = up < 0 ? a : pathSum[up] + a;
                pathMax[q] = max;
                pathSum[q] = sum;
                m = Math.max(m, max + f * (sum - max));
            }
        }
        return m;
    }

    /** Lower bound (see {@link RelayPlan}): ingress, one copy out of each source, aggregate egress. */
    private double lowerBound(int trees, int n, long s) {
        java.util.Arrays.fill(sourced, 0);
        double lb = 0;
        for (int t = 0; t < trees; t++) {
            sourced[gSource[t]]++;
        }
        int gen = nextStamp();
        double holderBw = 0;
        for (int t = 0; t < trees; t++) {
            int src = gSource[t];
            if (rankStamp[src] != gen) {
                rankStamp[src] = gen;
                holderBw += egressBw[src];
            }
        }
        for (int p = 0; p < n; p++) {
            int to = gTarget[p];
            if (rankStamp[to] != gen) {
                rankStamp[to] = gen;
                holderBw += egressBw[to];
            }
        }
        for (int r = 0; r < ranks; r++) {
            lb = Math.max(lb, ingress[r] / ingressBw[r]);
            lb = Math.max(lb, sourced[r] * s / egressBw[r]);
        }
        if (n > 0) {
            lb = Math.max(lb, (double) n * s / holderBw);
        }
        return lb;
    }

    /**
     * A bound for depth-2 trees only: a tree whose source feeds {@code c} of its {@code k}
     * targets costs the source {@code c} copies and some relay {@code ceil((k - c) / c)}, so the
     * best such tree of the most demanding expert takes {@code min over c} of the larger, with
     * relays at the fastest egress link.
     */
    private double depthTwoBound(int trees, long s) {
        double fastest = 0;
        for (int r = 0; r < ranks; r++) {
            fastest = Math.max(fastest, egressBw[r]);
        }
        double bound = 0;
        for (int t = 0; t < trees; t++) {
            int k = gCount[t];
            double perSourceCopy = s * egressSecondsPerByte[gSource[t]];
            double best = Double.POSITIVE_INFINITY;
            for (int c = 1; c <= k; c++) {
                int relayCopies = (k - c + c - 1) / c;
                best = Math.min(best, Math.max(c * perSourceCopy, relayCopies * s / fastest));
            }
            bound = Math.max(bound, best);
        }
        return bound;
    }

    /** Writes the plan view: trees in expert order, targets breadth first (see {@link RelayPlan}). */
    private void publish(RelayPolicy policy, int trees, int n, long s, long chunk, double makespan,
                         double lowerBound, double depthTwoBound) {
        final RelayPlan v = plan;
        for (int t = 0; t < trees; t++) {
            layOutView(v, t);
        }
        System.arraycopy(egress, 0, v.egressBytes, 0, ranks);
        System.arraycopy(ingress, 0, v.ingressBytes, 0, ranks);
        v.lowerBound = lowerBound;
        v.depthTwoBound = depthTwoBound;
        v.policy = policy;
        v.trees = trees;
        v.transfers = n;
        v.stateBytes = s;
        v.chunkBytes = chunk;
        v.makespan = makespan;
    }

    /**
     * Numbers tree {@code t}'s targets breadth first from {@link #parentPos} and writes them to the
     * view. Child lists: {@code firstKid[p]} for target p, {@code firstKid[maxTransfers + t]} for
     * the source, linked through {@code nextKid} in transfer order; {@code cursor[j]} is the
     * grouped position of the view's target j, and {@code stack[p]} its inverse.
     */
    private void layOutView(RelayPlan v, int t) {
        final int start = gStart[t];
        final int end = start + gCount[t];
        final int root = maxTransfers + t;
        firstKid[root] = -1;
        for (int p = start; p < end; p++) {
            firstKid[p] = -1;
            leafCount[p] = 0;
        }
        for (int p = end - 1; p >= start; p--) {
            int up = parentPos[p] < 0 ? root : parentPos[p];
            nextKid[p] = firstKid[up];
            firstKid[up] = p;
            if (parentPos[p] >= 0) {
                leafCount[parentPos[p]]++;
            }
        }
        int next = appendKids(root, start, 0);
        int relays = 0;
        int depth = 0;
        for (int j = 0; j < gCount[t]; j++) {
            int p = cursor[start + j];
            int q = start + j;
            int up = parentPos[p];
            v.target[q] = gTarget[p];
            v.targetOffset[q] = gTargetOffset[p];
            v.parent[q] = up < 0 ? -1 : stack[up] - start;
            v.hops[q] = up < 0 ? 1 : v.hops[stack[up]] + 1;
            depth = Math.max(depth, v.hops[q]);
            v.childCount[q] = leafCount[p];
            v.childStart[q] = leafCount[p] == 0 ? 0 : next;
            if (leafCount[p] > 0) {
                relays++;
                next = appendKids(p, start, next);
            }
        }
        v.treeExpert[t] = gExpert[t];
        v.treeSource[t] = gSource[t];
        v.treeSourceOffset[t] = gSourceOffset[t];
        v.treeStart[t] = start;
        v.treeCount[t] = gCount[t];
        v.treeStageOne[t] = countKids(root);
        v.treeRelays[t] = relays;
        v.treeDepth[t] = depth;
    }

    /** Appends {@code node}'s children to the tree's order at {@code next}, forwarders first; returns the new end. */
    private int appendKids(int node, int start, int next) {
        for (int pass = 0; pass < 2; pass++) {
            for (int p = firstKid[node]; p >= 0; p = nextKid[p]) {
                if ((leafCount[p] > 0) == (pass == 0)) {
                    cursor[start + next] = p;
                    stack[p] = start + next;
                    next++;
                }
            }
        }
        return next;
    }

    private int countKids(int node) {
        int c = 0;
        for (int p = firstKid[node]; p >= 0; p = nextKid[p]) {
            c++;
        }
        return c;
    }
}
