package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * EPLB for serving: rebalances a running placement ({@code phy2log} per layer) for new load
 * statistics under a budget of moved copies, instead of planning from scratch and moving nearly
 * everything as {@link EplbPlanner} does.
 *
 * <p><b>What it optimises, and how.</b> Per layer the served imbalance: max / mean GPU load when
 * each expert's load is split evenly over its copies (as {@link PlacementImbalance} measures it),
 * the mean over surviving ranks; across layers, the sum of their drops per copy moved. It is a
 * greedy heuristic, not an optimum. A call runs in five steps:
 * <ol>
 * <li><b>Target.</b> The balance EPLB would reach: {@link EplbPlanner}'s plan for the new loads
 *     when the layout is EPLB's own (uniform slots, no excluded rank); otherwise EPLB's global
 *     policy generalised to the survivors' slots (each extra slot to the expert with the largest
 *     load per copy, first index on ties; copies heaviest first into the least-loaded surviving
 *     rank that has a free slot). When the survivors hold fewer slots than there are experts, the
 *     heaviest experts get one copy each and the rest are reported unplaced. With
 *     {@code spreadHotExperts}, every expert with two or more copies that all sit in one node
 *     swaps one copy with a slot of another node, the swap that raises the two ranks' loads least.
 * <li><b>Relabel.</b> EPLB's GPUs are interchangeable (and so are the slots of one GPU), so the
 *     target's GPUs are matched to the current ones (same slot count; same node when spreading)
 *     greedily by the copies they share, largest overlap first, and inside a matched pair every
 *     current copy the target also holds stays in its slot. Applying every slot that still differs
 *     gives exactly the target's served balance.
 * <li><b>Sticky targets.</b> When the budget cannot pay for that, the aim is a placement nearer the
 *     current one: the target's copies per expert, packed heaviest first as EPLB packs them, except
 *     that a copy stays on a rank that holds it now while that rank's load stays within 6% over the
 *     target's max rank load (or within what the least-loaded rank would reach). The
 *     <em>round-sticky</em> target also keeps EPLB's shape for the heavy copies (at least half the
 *     mean copy's load): after the k heaviest are placed no rank holds more than its share of k, so
 *     every rank holds the same mix of heavy and light copies and a drift of load between hot and
 *     cold experts moves all ranks alike. The <em>plain</em> one has no such rule and needs fewer
 *     moves.
 * <li><b>Restore.</b> An expert with no copy on a surviving rank gets one first (a slot the target
 *     gives it, or any slot holding a redundant copy or nothing, whichever leaves the lowest max
 *     load), and the sticky targets are then packed around the restored copies, which stay like any
 *     copy in place. Restores are not charged to the budget: an expert without a copy cannot be
 *     served.
 * <li><b>Buy balance.</b> When the budget covers every slot that differs from the aim (the
 *     round-sticky target, or EPLB's when that fits), all are applied. When it covers at least half
 *     of the round-sticky target, whole layers are taken to it (largest drop toward the target's
 *     max / mean per copy first) while one fits in three quarters of the budget, and the rest of
 *     the layers aim at the plain sticky target; when it covers less, every layer aims at the plain
 *     one. Then, greedily: a layer's options are its best chain (a move toward the aim plus, when it
 *     overwrites an expert's last copy, the move that re-creates that expert elsewhere, and so on,
 *     at most four moves, so every expert keeps a copy; two single-copy experts trading GPUs are a
 *     chain of two), the best being the one that lowers the layer's max
 *     / mean the most per copy moved (then its sum of squared GPU loads), and taking the whole layer
 *     to its aim at once; and its best free move (between the most-loaded rank and another, in slots
 *     not yet changed: one copy that brings copies per expert toward the aim's counts, or a swap of
 *     two copies; for when the aim's own slots stop paying). The option that gains the most per
 *     copy, over all layers, is applied, until the budget is spent or no option improves any layer,
 *     so a budgeted plan is never worse than the current placement on the new loads. The budget is
 *     a ceiling, not a quota: when the sticky target is reached within it, the rest buys free moves
 *     only for layers that the sticky packing left more than 4% over the target's max / mean, each
 *     until it is within that 4% or nothing improves it; other layers leave the rest unspent
 *     (spending it on them fits the window's noise: see bench/RESULTS.md).
 * </ol>
 * A layer whose current placement already serves the new loads better than the aim keeps it, so
 * without a budget the result's imbalance is EPLB's or better (as well is not better: a balanced
 * layer whose heavy copies are stacked on some ranks is still taken to the round-sticky target;
 * the skip threshold is the way to keep balanced layers as they are). Every copy that is not moved
 * stays where it is. With no current placement the result is the target itself; with EPLB's layout and
 * neither exclusions nor spreading that is EPLB's {@code phy2log}, element for element.
 *
 * <p><b>Skip when balanced.</b> A layer whose current imbalance is at or below the skip threshold
 * (and that lost no expert) is kept as it is, at O(experts + slots) cost.
 *
 * <p>Cost per call: O(layers x slots x ranks) for targets and relabelling (skipped when every layer
 * is skipped as balanced) plus, per option the greedy buys, a re-scoring of the changed layer:
 * O(slots x (slots + ranks)) for its chains and O(slots per rank x slots x (slots + ranks)) for its
 * free moves. Deterministic (double arithmetic in a fixed order, ties to the lowest index).
 *
 * <p>Threading: one thread per rebalancer. Allocation: the constructor allocates every array
 * (O(maxLayers x (slots + experts)) plus O(ranks^2)); calls allocate nothing. Bad input throws
 * {@link IllegalArgumentException} before anything changes; the previous plan stays valid.
 */
public final class EplbRebalancer {
    /** Longest chain of dependent moves the greedy weighs as one step. */
    private static final int MAX_CHAIN = 4;
    /**
     * How far over the target's max rank load the sticky targets let a rank go to keep a copy where
     * it is: 6%. Chosen on the serving replay (bench/RESULTS.md), where the window's loads predict
     * the next steps' only to several percent: with the round rule below, a tighter fit bought moves
     * and no served balance.
     */
    private static final double STICKY_SLACK = 1.06;
    /**
     * How far over the target's max / mean a layer may stay once the sticky target is applied
     * within the budget before the rest of the budget is spent on it: 4% (chosen with
     * {@link #STICKY_SLACK} on the same replay; at 3% the drifting Zipf replay spent one copy more
     * than 25% of EPLB's bytes, at 5% its margin shrank to +0.0% on one seed).
     */
    private static final double TOP_UP_SLACK = 1.04;
    /**
     * The most of a budget that whole layers taken to the round-sticky target may use; the rest goes
     * to the greedy over every layer, so that no layer far from balance is left without a share
     * (chosen on the replay and on random failures: bench/RESULTS.md).
     */
    private static final double WHOLE_LAYER_SHARE = 0.75;
    /**
     * Copies at least this fraction of the mean copy's load are packed by EPLB's rounds in the
     * round-sticky target (the lighter ones only fill up).
     */
    private static final double ROUND_SHARE = 0.5;
    private final int maxLayers;
    private final int experts;
    private final int slots;
    private final int ranks;
    private final int nodes;
    private final SlotLayout layout;
    private final long copyBytes;
    private final boolean spreadHot;
    private final EplbPlanner eplb;
    private final PlacementImbalance imbalance;
    private final RebalancePlan plan;
    private final TorchCpuSort sort;
    // Work arrays.
    private final int[] want;
    private final int[] sticky;
    /** Per layer, the plain sticky target (no round rule), aimed at when the budget is far short. */
    private final int[] plainSticky;
    /** Per expert, its first current slot in the layer being packed, and per slot the next one (-1 ends). */
    private final int[] headSlot;
    private final int[] nextSlot;
    /** Marks for the swap search (a value is current while it equals {@link #stamp}). */
    private final int[] expertStamp;
    private final int[] rankStamp;
    private int stamp;
    private final int[] largest = new int[3];
    /** Per layer, the relabelled target, the sticky targets' source (built only when needed). */
    private final int[] relabelled;
    /** Per layer, whether this call restored a copy (the sticky targets then start from {@code want}). */
    private final boolean[] restoredHere;
    /** Per layer, the moves to its aim and the drop in max / mean per move ({@code wholeLayers}). */
    private final int[] layerMoves;
    private final double[] layerGain;
    private final double[] load;
    private final double[] layerMax;
    private final double[] layerSq;
    private final double[] layerMean;
    private final int[] bestLen;
    private final int[] bestChains;
    private final double[] bestGainMax;
    private final double[] bestGainSq;
    private final int[] fullCost;
    private final double[] fullGain;
    private final int[] freeSlot;
    private final int[] freeExpert;
    private final int[] freeSwap;
    private final boolean[] freeMoved;
    private final double[] freeGainMax;
    private final double[] freeGainSq;
    /** Per layer, the target's max / mean on the new loads (the current one's when that is better). */
    private final double[] aimImbalance;
    /** Per layer, the max / mean at which the search stops weighing the layer (0: never). */
    private final double[] stopAt;
    private final int[] aimCnt;
    private final int[] chain = new int[MAX_CHAIN];
    private final int[] undo = new int[MAX_CHAIN];
    private int chainLen;
    private final boolean[] live;
    private final double[] delta;
    private final int[] tgt;
    private final int[] tcnt;
    private final float[] keys;
    private final int[] itemExpert;
    private final int[] order;
    /** The copies a sticky packing moves, as {@code expert x ranks + rank} (see {@code packCopies}). */
    private final int[] movedCopies;
    private final float[] packLoad;
    private final int[] packFill;
    private final double[] tload;
    private final int[] nodeCopies;
    private final int[] distinct;
    private final int[] need;
    private final int[] overlap;
    private final int[] pairs;
    private final int[] bucket;
    private final int[] matchOf;
    private final boolean[] used;
    private final int maxSlotsPerRank;
    private int liveRanks;
    private int liveSlots;
    private int[] w;
    private int[] cur;
    private double evalMax;
    private double evalSq;

    /**
     * A rebalancer for up to {@code maxLayers} layers of {@code experts} logical experts on
     * {@code layout}'s slots, each copy {@code copyBytes} bytes of expert state (>= 0). With a
     * uniform layout, {@code groups} is EPLB's group count and the layout must be one EPLB accepts
     * ({@link EplbPlanner}'s rules, nodes = the layout's nodes); heterogeneous layouts use the global
     * policy. {@code spreadHotExperts} asks for the copies of replicated experts in two or more nodes.
     *
     * @throws IllegalArgumentException when the layout has fewer slots than experts, or EPLB rejects it
     */
    public EplbRebalancer(int maxLayers, int experts, int groups, SlotLayout layout, long copyBytes,
                          boolean spreadHotExperts) {
        this.maxLayers = Checks.positive("maxLayers", maxLayers);
        this.experts = Checks.positive("experts", experts);
        Checks.positive("groups", groups);
        this.layout = Checks.notNull("layout", layout);
        this.copyBytes = Checks.nonNegative("copyBytes", copyBytes);
        if (copyBytes > Long.MAX_VALUE / ((long) maxLayers * layout.slots())) {
            // movedBytes and the batches' byte counts must fit a long even when every copy moves.
            throw new IllegalArgumentException("copyBytes x maxLayers x slots overflows a long, copyBytes was " + copyBytes);
        }
        this.spreadHot = spreadHotExperts;
        slots = layout.slots();
        ranks = layout.ranks();
        nodes = layout.nodes();
        if (slots < experts) {
            throw new IllegalArgumentException("the layout's slots (" + slots + ") must be >= experts (" + experts + ")");
        }
        if ((long) maxLayers * (slots + experts) > Integer.MAX_VALUE / 4 || (long) ranks * ranks > 1 << 26) {
            throw new IllegalArgumentException("maxLayers x (slots + experts) or ranks^2 too large");
        }
        eplb = layout.uniform() ? new EplbPlanner(maxLayers, experts, slots, groups, nodes, ranks) : null;
        imbalance = new PlacementImbalance(experts, layout.slotsPerRank());
        plan = new RebalancePlan(maxLayers, experts, slots, copyBytes);
        int n = Math.max(slots, experts);
        sort = new TorchCpuSort(n);
        want = new int[maxLayers * slots];
        sticky = new int[maxLayers * slots];
        plainSticky = new int[maxLayers * slots];
        headSlot = new int[experts];
        nextSlot = new int[slots];
        expertStamp = new int[experts];
        rankStamp = new int[ranks];
        relabelled = new int[maxLayers * slots];
        restoredHere = new boolean[maxLayers];
        layerMoves = new int[maxLayers];
        layerGain = new double[maxLayers];
        load = new double[maxLayers * ranks];
        layerMax = new double[maxLayers];
        layerSq = new double[maxLayers];
        layerMean = new double[maxLayers];
        bestLen = new int[maxLayers];
        bestChains = new int[maxLayers * MAX_CHAIN];
        bestGainMax = new double[maxLayers];
        bestGainSq = new double[maxLayers];
        fullCost = new int[maxLayers];
        fullGain = new double[maxLayers];
        freeSlot = new int[maxLayers];
        aimCnt = new int[maxLayers * experts];
        freeExpert = new int[maxLayers];
        freeSwap = new int[maxLayers];
        freeMoved = new boolean[maxLayers];
        freeGainMax = new double[maxLayers];
        freeGainSq = new double[maxLayers];
        aimImbalance = new double[maxLayers];
        stopAt = new double[maxLayers];
        live = new boolean[ranks];
        delta = new double[ranks];
        tgt = new int[slots];
        tcnt = new int[experts];
        keys = new float[n];
        itemExpert = new int[n];
        order = new int[n];
        movedCopies = new int[n];
        packLoad = new float[ranks];
        packFill = new int[ranks];
        tload = new double[ranks];
        nodeCopies = new int[experts * nodes];
        distinct = new int[experts];
        need = new int[experts];
        overlap = new int[ranks * ranks];
        pairs = new int[ranks * ranks];
        int most = 0;
        for (int r = 0; r < ranks; r++) {
            most = Math.max(most, layout.slotsOf(r));
        }
        maxSlotsPerRank = most;
        bucket = new int[most + 2];
        matchOf = new int[ranks];
        used = new boolean[ranks];
    }

    /** The slot layout. */
    public SlotLayout layout() {
        return layout;
    }

    /** The last plan. */
    public RebalancePlan lastPlan() {
        return plan;
    }

    /** From scratch, no budget: EPLB's plan (on EPLB's layout). */
    public RebalancePlan rebalance(int[] weight, int layers) {
        return rebalance(null, weight, layers, Integer.MAX_VALUE, Long.MAX_VALUE, 0, null);
    }

    /** From {@code current}, at most {@code maxMoves} copies moved, no skipping, no exclusions. */
    public RebalancePlan rebalance(int[] current, int[] weight, int layers, int maxMoves) {
        return rebalance(current, weight, layers, maxMoves, Long.MAX_VALUE, 0, null);
    }

    /**
     * Rebalances {@code layers} layers.
     *
     * @param current {@code phy2log[layer * slots + p]} in effect now ({@code [-1, experts)}), or null
     *     to plan from scratch (the budget and threshold then do not apply; every filled slot is a move)
     * @param weight new loads {@code weight[layer * experts + e]} (>= 0), e.g. the window's token counts
     * @param maxMoves the most copies moved beyond restores (>= 0; {@link Integer#MAX_VALUE} for none)
     * @param maxBytes the most bytes moved beyond restores (>= 0); the budget is the smaller of the two
     * @param skipThreshold layers whose current max / mean is at or below it are kept (values below 1
     *     never skip)
     * @param excludedRanks ranks to plan without (failed or draining), or null: their slots end empty
     */
    public RebalancePlan rebalance(int[] current, int[] weight, int layers, int maxMoves, long maxBytes,
                                   double skipThreshold, int[] excludedRanks) {
        validate(current, weight, layers, maxMoves, maxBytes, skipThreshold, excludedRanks);
        w = weight;
        cur = current;
        java.util.Arrays.fill(live, true);
        if (excludedRanks != null) {
            for (int r : excludedRanks) {
                live[r] = false;
            }
        }
        liveRanks = 0;
        liveSlots = 0;
        for (int r = 0; r < ranks; r++) {
            if (live[r]) {
                liveRanks++;
                liveSlots += layout.end(r) - layout.first(r);
            }
        }
        boolean eplbTarget = eplb != null && liveRanks == ranks;
        long budgetLong = copyBytes == 0 ? maxMoves : Math.min(maxMoves, maxBytes / copyBytes);
        plan.layers = layers;
        plan.moves = 0;
        plan.restored = 0;
        plan.lost = 0;
        plan.unplaced = 0;
        plan.budget = (int) Math.min(Integer.MAX_VALUE, budgetLong);
        plan.fromScratch = current == null;
        boolean allSkipped = true;
        for (int l = 0; l < layers; l++) {
            allSkipped &= loadLayer(l, current, skipThreshold);
        }
        if (eplbTarget && !allSkipped) {
            // Only when some layer is planned: a call that skips every layer stays O(experts + slots) per layer.
            eplb.rebalance(weight, layers);
        }
        for (int l = 0; l < layers; l++) {
            if (!plan.skipped[l]) {
                prepareLayer(l, current, eplbTarget);
            }
        }
        if (current == null) {
            fromScratch(layers);
        } else {
            int eplbDiffs = 0;
            for (int l = 0; l < layers; l++) {
                if (!plan.skipped[l]) {
                    restore(l);
                    eplbDiffs += diffs(l);
                }
            }
            if (eplbDiffs > plan.budget) {
                // EPLB's own placement is out of the budget's reach: aim at the round-sticky one.
                for (int l = 0; l < layers; l++) {
                    if (!plan.skipped[l]) {
                        stickyTargets(l);
                        System.arraycopy(sticky, l * slots, want, l * slots, slots);
                    }
                }
            }
            int pending = 0;
            for (int l = 0; l < layers; l++) {
                pending += plan.skipped[l] ? 0 : diffs(l);
            }
            if (pending <= plan.budget) {
                applyAll(layers);
                topUp(layers, plan.budget - pending);
            } else if (eplbDiffs > plan.budget && pending <= 2L * plan.budget) {
                greedy(layers, wholeLayers(layers, plan.budget));
            } else {
                if (eplbDiffs > plan.budget) {
                    aimAtPlainSticky(layers);
                }
                greedy(layers, plan.budget);
            }
        }
        finish(layers);
        return plan;
    }

    private void validate(int[] current, int[] weight, int layers, int maxMoves, long maxBytes, double skipThreshold,
                          int[] excludedRanks) {
        Checks.inRange("layers", layers, 1, maxLayers);
        Checks.sameLength("weight", Checks.notNull("weight", weight).length, layers * experts);
        for (int i = 0; i < weight.length; i++) {
            if (weight[i] < 0) {
                throw Checks.element("weight", i, "must be >= 0", weight[i]);
            }
        }
        if (current != null) {
            Checks.sameLength("current", current.length, layers * slots);
            for (int i = 0; i < current.length; i++) {
                if (current[i] < -1 || current[i] >= experts) {
                    throw Checks.element("current", i, "must be in [-1, " + experts + ")", current[i]);
                }
            }
        }
        Checks.nonNegative("maxMoves", maxMoves);
        Checks.nonNegative("maxBytes", maxBytes);
        if (Double.isNaN(skipThreshold)) {
            throw new IllegalArgumentException("skipThreshold must not be NaN");
        }
        if (excludedRanks != null) {
            for (int i = 0; i < excludedRanks.length; i++) {
                if (excludedRanks[i] < 0 || excludedRanks[i] >= ranks) {
                    throw Checks.element("excludedRanks", i, "must be in [0, " + ranks + ")", excludedRanks[i]);
                }
            }
        }
    }

    /** Loads the current layer (excluded ranks emptied), counts lost experts and decides skipping; true when skipped. */
    private boolean loadLayer(int l, int[] current, double skipThreshold) {
        final int base = l * slots;
        final int eBase = l * experts;
        for (int p = 0; p < slots; p++) {
            plan.phy2log[base + p] = current == null || !live[layout.rankOfSlot(p)] ? -1 : current[base + p];
        }
        countCopies(l);
        int lostHere = 0;
        if (current != null) {
            for (int e = 0; e < experts; e++) {
                if (plan.logcnt[eBase + e] == 0) {
                    plan.lostLayer[plan.lost] = l;
                    plan.lostExpert[plan.lost++] = e;
                    lostHere++;
                }
            }
            plan.imbalanceBefore[l] = imbalance.imbalance(plan.phy2log, w, l);
        } else {
            plan.imbalanceBefore[l] = 0;
        }
        plan.skipped[l] = current != null && lostHere == 0 && skipThreshold >= 1
                && plan.imbalanceBefore[l] <= skipThreshold;
        if (plan.skipped[l]) {
            System.arraycopy(plan.phy2log, base, want, base, slots);
        }
        return plan.skipped[l];
    }

    /** Builds layer {@code l}'s target, {@code want} and the sticky target. */
    private void prepareLayer(int l, int[] current, boolean eplbTarget) {
        final int base = l * slots;
        if (eplbTarget) {
            EplbPlan e = eplb.lastPlan();
            for (int p = 0; p < slots; p++) {
                tgt[p] = e.phy2log[base + p];
            }
        } else {
            generalTarget(l);
        }
        if (spreadHot) {
            spreadHotExperts(l, tgt, 0);
        }
        if (current == null) {
            System.arraycopy(tgt, 0, want, base, slots);
            return;
        }
        relabel(l);
        System.arraycopy(want, base, relabelled, base, slots);
        if (imbalance.imbalance(want, w, l) > plan.imbalanceBefore[l]) {
            // The current placement serves the new loads better than the target: keep it.
            System.arraycopy(plan.phy2log, base, want, base, slots);
        }
        aimImbalance[l] = imbalance.imbalance(want, w, l);
    }

    /**
     * Both sticky targets of layer {@code l}, from the relabelled target (its copies per expert and
     * its max rank load), or from the target as restores left it when this call restored a copy;
     * each is replaced by the placement in effect when that serves the new loads better.
     */
    private void stickyTargets(int l) {
        final int base = l * slots;
        final int[] t = restoredHere[l] ? want : relabelled;
        final double now = restoredHere[l] ? imbalance.imbalance(plan.phy2log, w, l) : plan.imbalanceBefore[l];
        // Both packings share the target's copies, their order and the current slots of each expert.
        final double cap = targetCopies(l, t, base) * STICKY_SLACK;
        final int n = sortCopies(l);
        java.util.Arrays.fill(headSlot, -1);
        for (int p = slots - 1; p >= 0; p--) {
            int e = plan.phy2log[base + p];
            if (e >= 0) {
                nextSlot[p] = headSlot[e];
                headSlot[e] = p;
            }
        }
        stickyTarget(l, plainSticky, n, cap, false);
        stickyTarget(l, sticky, n, cap, true);
        if (spreadHot) {
            spreadHotExperts(l, sticky, base);
            spreadHotExperts(l, plainSticky, base);
        }
        if (imbalance.imbalance(sticky, w, l) > now) {
            System.arraycopy(plan.phy2log, base, sticky, base, slots);
        }
        if (imbalance.imbalance(plainSticky, w, l) > now) {
            System.arraycopy(plan.phy2log, base, plainSticky, base, slots);
        }
    }

    /**
     * A sticky target of layer {@code l}, written into {@code out} from the {@code n} copies that
     * {@code sortCopies} listed, {@code cap} being the target's max rank load with the slack: the target's copies per expert,
     * packed as EPLB packs them (heaviest copy first, to the least-loaded surviving rank with a free
     * slot), except that a copy stays on a rank that holds it now (the least loaded of those) whenever
     * that rank's load stays within {@link #STICKY_SLACK} over the target's max rank load, or within
     * what the least-loaded rank would reach. Its balance is close to the target's, with far fewer
     * slots changed.
     *
     * <p>With {@code rounds}, the copies carrying at least {@link #ROUND_SHARE} of the mean copy's
     * load also keep the shape EPLB's packing gives them: after the {@code k} heaviest copies are
     * placed, no rank {@code r} holds more than {@code k x slots(r) / live slots} of them (on uniform
     * ranks: each round of {@code ranks} heavy copies puts one on every rank), whether a copy stays or
     * moves. Every rank then holds the same mix of heavy and light copies, so a shift of load between
     * hot and cold experts (the skew drifting) moves every rank alike; a placement that fits the
     * window as well but stacks heavy copies on some ranks serves the next steps worse (measured on
     * the drifting Zipf replay: bench/RESULTS.md). A rank within the rule always exists: the copies
     * placed so far are at most every rank's share of them on some rank.
     */
    private void stickyTarget(int l, int[] out, int n, double cap, boolean rounds) {
        final int base = l * slots;
        java.util.Arrays.fill(tload, 0.0);
        java.util.Arrays.fill(packFill, 0);
        for (int p = 0; p < slots; p++) {
            out[base + p] = live[layout.rankOfSlot(p)] ? -2 : -1;
        }
        slotMoved(base, out, packCopies(l, out, n, cap, rounds));
    }

    /**
     * Counts the copies per expert of the target {@code t[tBase, tBase + slots)} into {@code tcnt}
     * and returns its max rank load (each expert's load split evenly over its copies).
     */
    private double targetCopies(int l, int[] t, int tBase) {
        final int eBase = l * experts;
        java.util.Arrays.fill(tcnt, 0);
        java.util.Arrays.fill(tload, 0.0);
        for (int p = 0; p < slots; p++) {
            if (t[tBase + p] >= 0) {
                tcnt[t[tBase + p]]++;
            }
        }
        for (int p = 0; p < slots; p++) {
            int e = t[tBase + p];
            if (e >= 0) {
                tload[layout.rankOfSlot(p)] += (double) w[eBase + e] / tcnt[e];
            }
        }
        double max = 0;
        for (int r = 0; r < ranks; r++) {
            max = Math.max(max, tload[r]);
        }
        return max;
    }

    /** Lists the copies {@code tcnt} gives (expert per item in {@code itemExpert}), heaviest first in {@code order}. */
    private int sortCopies(int l) {
        final int eBase = l * experts;
        int n = 0;
        for (int e = 0; e < experts; e++) {
            for (int k = 0; k < tcnt[e]; k++) {
                keys[n] = (float) w[eBase + e] / tcnt[e];
                itemExpert[n++] = e;
            }
        }
        sort.sortDescending(keys, 0, n, order);
        return n;
    }

    /**
     * Packs the {@code n} sorted copies: each stays in one of its current slots (on the least-loaded
     * such rank) when that rank is open and stays within {@code cap} (or within what the least-loaded
     * open rank would reach), else goes to the least-loaded open rank. Writes the copies that stay
     * into {@code out}; the others are listed in {@code movedCopies[0, moved)} as {@code e x ranks +
     * rank}. Leaves the sorted {@code order} as it is, for the next packing. Returns {@code moved}.
     */
    private int packCopies(int l, int[] out, int n, double cap, boolean rounds) {
        final int base = l * slots;
        final int eBase = l * experts;
        double total = 0;
        for (int e = 0; e < experts; e++) {
            total += w[eBase + e];
        }
        final double heavy = n == 0 ? 0 : ROUND_SHARE * total / n;
        int moved = 0;
        for (int k = 0; k < n; k++) {
            final int e = itemExpert[order[k]];
            final double share = (double) w[eBase + e] / tcnt[e];
            final boolean round = rounds && share >= heavy;
            int least = -1;
            for (int r = 0; r < ranks; r++) {
                if (open(r, k, round) && (least < 0 || tload[r] < tload[least])) {
                    least = r;
                }
            }
            int stay = -1;
            for (int p = headSlot[e]; p >= 0; p = nextSlot[p]) {
                int r = layout.rankOfSlot(p);
                if (out[base + p] == -2 && open(r, k, round)
                        && (stay < 0 || tload[r] < tload[layout.rankOfSlot(stay)])) {
                    stay = p;
                }
            }
            int r = least;
            if (stay >= 0 && tload[layout.rankOfSlot(stay)] + share <= Math.max(cap, tload[least] + share)) {
                r = layout.rankOfSlot(stay);
                out[base + stay] = e;
            } else {
                movedCopies[moved++] = e * ranks + least;
            }
            packFill[r]++;
            tload[r] += share;
        }
        return moved;
    }

    /** Puts the {@code moved} listed copies into their ranks' free slots; slots left free end -1. */
    private void slotMoved(int base, int[] out, int moved) {
        for (int k = 0; k < moved; k++) {
            int e = movedCopies[k] / ranks;
            int r = movedCopies[k] % ranks;
            int p = layout.first(r);
            while (out[base + p] != -2) {
                p++;
            }
            out[base + p] = e;
        }
        for (int p = 0; p < slots; p++) {
            if (out[base + p] == -2) {
                out[base + p] = -1;
            }
        }
    }

    /** Whether rank {@code r} can take the {@code k}-th copy of a sticky packing (see {@link #stickyTarget}). */
    private boolean open(int r, int k, boolean round) {
        int rankSlots = layout.end(r) - layout.first(r);
        return live[r] && packFill[r] < rankSlots && (!round || (long) packFill[r] * liveSlots <= (long) k * rankSlots);
    }

    private int diffs(int l) {
        final int base = l * slots;
        int n = 0;
        for (int p = 0; p < slots; p++) {
            if (want[base + p] != plan.phy2log[base + p]) {
                n++;
            }
        }
        return n;
    }

    private void countCopies(int l) {
        final int base = l * slots;
        final int eBase = l * experts;
        java.util.Arrays.fill(plan.logcnt, eBase, eBase + experts, 0);
        for (int p = 0; p < slots; p++) {
            int e = plan.phy2log[base + p];
            if (e >= 0) {
                plan.logcnt[eBase + e]++;
            }
        }
    }

    /** EPLB's global policy over the surviving ranks' slots, written into {@code tgt}. */
    private void generalTarget(int l) {
        final int eBase = l * experts;
        java.util.Arrays.fill(tgt, -1);
        if (liveSlots == 0) {
            return;
        }
        if (liveSlots >= experts) {
            java.util.Arrays.fill(tcnt, 1);
            for (int extra = liveSlots - experts; extra > 0; extra--) {
                int best = 0;
                float bestLoad = (float) w[eBase] / tcnt[0];
                for (int e = 1; e < experts; e++) {
                    float v = (float) w[eBase + e] / tcnt[e];
                    if (v > bestLoad) {
                        best = e;
                        bestLoad = v;
                    }
                }
                tcnt[best]++;
            }
        } else {
            for (int e = 0; e < experts; e++) {
                keys[e] = w[eBase + e];
            }
            sort.sortDescending(keys, 0, experts, order);
            java.util.Arrays.fill(tcnt, 0);
            for (int k = 0; k < liveSlots; k++) {
                tcnt[order[k]] = 1;
            }
        }
        int items = 0;
        for (int e = 0; e < experts; e++) {
            for (int k = 0; k < tcnt[e]; k++) {
                itemExpert[items] = e;
                keys[items++] = (float) w[eBase + e] / tcnt[e];
            }
        }
        sort.sortDescending(keys, 0, items, order);
        java.util.Arrays.fill(packLoad, 0f);
        java.util.Arrays.fill(packFill, 0);
        for (int k = 0; k < items; k++) {
            int item = order[k];
            int best = -1;
            for (int r = 0; r < ranks; r++) {
                if (live[r] && packFill[r] < layout.end(r) - layout.first(r)
                        && (best < 0 || packLoad[r] < packLoad[best])) {
                    best = r;
                }
            }
            tgt[layout.first(best) + packFill[best]++] = itemExpert[item];
            packLoad[best] += keys[item];
        }
    }

    /** Moves one copy of each replicated expert confined to one node into another node (the cheapest swap). */
    private void spreadHotExperts(int l, int[] t, int off) {
        if (nodes < 2) {
            return;
        }
        final int eBase = l * experts;
        java.util.Arrays.fill(nodeCopies, 0);
        java.util.Arrays.fill(tcnt, 0);
        java.util.Arrays.fill(tload, 0.0);
        for (int p = 0; p < slots; p++) {
            int e = t[off + p];
            if (e >= 0) {
                tcnt[e]++;
                nodeCopies[e * nodes + layout.rankOfSlot(p) / layout.ranksPerNode()]++;
            }
        }
        for (int e = 0; e < experts; e++) {
            int d = 0;
            for (int n = 0; n < nodes; n++) {
                d += nodeCopies[e * nodes + n] > 0 ? 1 : 0;
            }
            distinct[e] = d;
        }
        for (int p = 0; p < slots; p++) {
            int e = t[off + p];
            if (e >= 0) {
                tload[layout.rankOfSlot(p)] += (double) w[eBase + e] / tcnt[e];
            }
        }
        final int perNode = layout.ranksPerNode();
        for (int e = 0; e < experts; e++) {
            if (tcnt[e] < 2 || distinct[e] != 1) {
                continue;
            }
            final double se = (double) w[eBase + e] / tcnt[e];
            int bp = -1;
            int bq = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int p = 0; p < slots; p++) {
                if (t[off + p] != e) {
                    continue;
                }
                int rp = layout.rankOfSlot(p);
                int n0 = rp / perNode;
                for (int q = 0; q < slots; q++) {
                    int f = t[off + q];
                    int rq = layout.rankOfSlot(q);
                    int nq = rq / perNode;
                    if (f < 0 || f == e || nq == n0 || breaksSpread(f, n0, nq)) {
                        continue;
                    }
                    double sf = (double) w[eBase + f] / tcnt[f];
                    double cost = Math.max(tload[rp] - se + sf, tload[rq] - sf + se);
                    if (cost < bestCost) {
                        bestCost = cost;
                        bp = p;
                        bq = q;
                    }
                }
            }
            if (bp >= 0) {
                swapTarget(eBase, t, off, bp, bq);
            }
        }
    }

    private boolean breaksSpread(int f, int n0, int nq) {
        if (tcnt[f] < 2 || distinct[f] < 2) {
            return false;
        }
        int after = distinct[f] - (nodeCopies[f * nodes + nq] == 1 ? 1 : 0) + (nodeCopies[f * nodes + n0] == 0 ? 1 : 0);
        return after < 2;
    }

    private void swapTarget(int eBase, int[] t, int off, int p, int q) {
        final int perNode = layout.ranksPerNode();
        int e = t[off + p];
        int f = t[off + q];
        int rp = layout.rankOfSlot(p);
        int rq = layout.rankOfSlot(q);
        double se = (double) w[eBase + e] / tcnt[e];
        double sf = (double) w[eBase + f] / tcnt[f];
        tload[rp] += sf - se;
        tload[rq] += se - sf;
        moveNode(e, rp / perNode, rq / perNode);
        moveNode(f, rq / perNode, rp / perNode);
        t[off + p] = f;
        t[off + q] = e;
    }

    private void moveNode(int e, int from, int to) {
        if (--nodeCopies[e * nodes + from] == 0) {
            distinct[e]--;
        }
        if (nodeCopies[e * nodes + to]++ == 0) {
            distinct[e]++;
        }
    }

    /**
     * Matches the target's ranks to the current ones by shared copies (largest first; same slot
     * count, same node when spreading) and writes the target into {@code want}, keeping every
     * current copy the matched target rank also holds in its slot.
     */
    private void relabel(int l) {
        final int base = l * slots;
        java.util.Arrays.fill(overlap, 0);
        // need[e] counts target copies per expert on the target rank being scanned.
        for (int k = 0; k < ranks; k++) {
            if (!live[k]) {
                continue;
            }
            for (int q = layout.first(k); q < layout.end(k); q++) {
                if (tgt[q] >= 0) {
                    need[tgt[q]]++;
                }
            }
            for (int p = 0; p < slots; p++) {
                int a = plan.phy2log[base + p];
                if (a >= 0 && need[a] > 0) {
                    overlap[k * ranks + layout.rankOfSlot(p)]++;
                }
            }
            for (int q = layout.first(k); q < layout.end(k); q++) {
                if (tgt[q] >= 0) {
                    need[tgt[q]] = 0;
                }
            }
        }
        matchRanks();
        for (int j = 0; j < ranks; j++) {
            for (int p = layout.first(j); p < layout.end(j); p++) {
                want[base + p] = -1;
            }
        }
        for (int k = 0; k < ranks; k++) {
            if (live[k]) {
                placeOnto(base, k, matchOf[k]);
            }
        }
    }

    /** Greedy matching of target rank k to current rank matchOf[k], by overlap descending (counting sort). */
    private void matchRanks() {
        final int top = maxSlotsPerRank + 1;
        java.util.Arrays.fill(bucket, 0);
        for (int i = 0; i < ranks * ranks; i++) {
            bucket[top - Math.min(overlap[i], maxSlotsPerRank)]++;
        }
        for (int b = 1; b < bucket.length; b++) {
            bucket[b] += bucket[b - 1];
        }
        // Stable: pairs of equal overlap stay in (target rank, current rank) order.
        for (int i = ranks * ranks - 1; i >= 0; i--) {
            pairs[--bucket[top - Math.min(overlap[i], maxSlotsPerRank)]] = i;
        }
        java.util.Arrays.fill(matchOf, -1);
        java.util.Arrays.fill(used, false);
        final int perNode = layout.ranksPerNode();
        for (int i = 0; i < ranks * ranks; i++) {
            int k = pairs[i] / ranks;
            int j = pairs[i] % ranks;
            if (live[k] && live[j] && matchOf[k] < 0 && !used[j]
                    && layout.end(k) - layout.first(k) == layout.end(j) - layout.first(j)
                    && (!spreadHot || k / perNode == j / perNode)) {
                matchOf[k] = j;
                used[j] = true;
            }
        }
    }

    private void placeOnto(int base, int k, int j) {
        for (int q = layout.first(k); q < layout.end(k); q++) {
            if (tgt[q] >= 0) {
                need[tgt[q]]++;
            }
        }
        for (int p = layout.first(j); p < layout.end(j); p++) {
            int a = plan.phy2log[base + p];
            if (a >= 0 && need[a] > 0) {
                want[base + p] = a;
                need[a]--;
            } else {
                want[base + p] = -2;
            }
        }
        int p = layout.first(j);
        for (int q = layout.first(k); q < layout.end(k); q++) {
            int e = tgt[q];
            if (e >= 0 && need[e] > 0) {
                while (want[base + p] != -2) {
                    p++;
                }
                want[base + p] = e;
                need[e]--;
            }
        }
        for (int r = layout.first(j); r < layout.end(j); r++) {
            if (want[base + r] == -2) {
                want[base + r] = -1;
            }
        }
    }

    private void fromScratch(int layers) {
        for (int l = 0; l < layers; l++) {
            final int base = l * slots;
            for (int p = 0; p < slots; p++) {
                int e = want[base + p];
                plan.phy2log[base + p] = e;
                if (e >= 0) {
                    plan.addMove(l, p, -1, e);
                }
            }
            countCopies(l);
        }
    }

    /** Gives every lost expert of layer {@code l} a copy, while a slot can take one. */
    private void restore(int l) {
        final int eBase = l * experts;
        final int restoredBefore = plan.restored;
        loads(l);
        for (int e = 0; e < experts; e++) {
            if (plan.logcnt[eBase + e] != 0) {
                continue;
            }
            int best = cheapest(l, e, true);
            if (best < 0) {
                best = cheapest(l, e, false);
            }
            if (best >= 0) {
                keepInTarget(l, best, e);
                apply(l, best, e);
                plan.restored++;
            }
        }
        restoredHere[l] = plan.restored > restoredBefore;
        if (restoredHere[l]) {
            // The sticky targets keep the restored copies like any other copy in place.
            aimImbalance[l] = imbalance.imbalance(want, w, l);
        }
    }

    /**
     * Makes the target {@code want} hold {@code e} at slot {@code p}, where a restore puts it, so
     * that no later move overwrites it: the target's copy of {@code e} elsewhere trades places with
     * what {@code p} was to get (the target keeps its copies per expert), or, when the target has no
     * copy of {@code e} (the current placement was kept), {@code p}'s redundant copy is dropped from
     * it.
     */
    private void keepInTarget(int l, int p, int e) {
        final int base = l * slots;
        if (want[base + p] == e) {
            return;
        }
        for (int q = 0; q < slots; q++) {
            if (want[base + q] == e) {
                want[base + q] = want[base + p];
                break;
            }
        }
        want[base + p] = e;
    }

    /**
     * The legal slot of layer {@code l} for a copy of {@code expert} (any slot, or only the slots
     * whose target it is when {@code candidatesOnly}) that leaves the lowest (max, sum of squares) GPU
     * loads, or -1.
     */
    private int cheapest(int l, int expert, boolean candidatesOnly) {
        final int base = l * slots;
        int best = -1;
        double bm = 0;
        double bs = 0;
        for (int p = 0; p < slots; p++) {
            int b = expert;
            if (b == plan.phy2log[base + p] || !live[layout.rankOfSlot(p)]
                    || (candidatesOnly && want[base + p] != b) || !legal(l, p)) {
                continue;
            }
            evaluate(l, p, b);
            if (best < 0 || evalMax < bm || (evalMax == bm && evalSq < bs)) {
                best = p;
                bm = evalMax;
                bs = evalSq;
            }
        }
        evalMax = bm;
        evalSq = bs;
        return best;
    }

    private boolean legal(int l, int p) {
        int a = plan.phy2log[l * slots + p];
        return a < 0 || plan.logcnt[l * experts + a] >= 2;
    }

    private void applyAll(int layers) {
        for (int l = 0; l < layers; l++) {
            if (!plan.skipped[l]) {
                applyLayer(l);
            }
        }
    }

    /**
     * When the budget covers at least half of the round-sticky target: takes whole layers to it,
     * the largest drop (from the current max / mean, restores included, to the target's) per copy
     * first, while one fits in {@link #WHOLE_LAYER_SHARE} of the budget; the other layers then aim
     * at the plain sticky target. Returns the budget left.
     */
    private int wholeLayers(int layers, int budget) {
        final int reserve = (int) ((1 - WHOLE_LAYER_SHARE) * budget);
        // Applying a layer changes no other layer's moves or gain: both are computed once.
        for (int l = 0; l < layers; l++) {
            int d = plan.skipped[l] ? 0 : diffs(l);
            layerMoves[l] = d;
            layerGain[l] = d == 0 ? 0.0 : (imbalance.imbalance(plan.phy2log, w, l) - aimImbalance[l]) / d;
        }
        int left = budget;
        while (true) {
            int pick = -1;
            for (int l = 0; l < layers; l++) {
                int d = layerMoves[l];
                if (d != 0 && d <= left - reserve && (pick < 0 || layerGain[l] > layerGain[pick])) {
                    pick = l;
                }
            }
            if (pick < 0) {
                break;
            }
            left -= layerMoves[pick];
            layerMoves[pick] = 0;
            applyLayer(pick);
        }
        aimAtPlainSticky(layers);
        return left;
    }

    /** Every planned layer not yet at its aim aims at the plain sticky target instead. */
    private void aimAtPlainSticky(int layers) {
        for (int l = 0; l < layers; l++) {
            if (!plan.skipped[l] && diffs(l) > 0) {
                System.arraycopy(plainSticky, l * slots, want, l * slots, slots);
            }
        }
    }

    /** Buys balance with {@code budget} copies until the budget is spent or nothing improves. */
    private void greedy(int layers, int budget) {
        java.util.Arrays.fill(stopAt, 0, layers, 0.0);
        search(layers, budget);
    }

    /**
     * After the sticky target is applied within the budget: spends what is {@code left} only on layers
     * still more than {@link #TOP_UP_SLACK} over the target's imbalance, each until it is within it.
     */
    private void topUp(int layers, int left) {
        if (left <= 0) {
            return;
        }
        for (int l = 0; l < layers; l++) {
            stopAt[l] = aimImbalance[l] * TOP_UP_SLACK;
        }
        search(layers, left);
    }

    private void search(int layers, int budget) {
        for (int l = 0; l < layers; l++) {
            freeMoved[l] = false;
            if (!plan.skipped[l]) {
                aimCounts(l);
                loads(l);
                options(l, budget);
            } else {
                bestLen[l] = 0;
                fullCost[l] = 0;
                freeSlot[l] = -1;
            }
        }
        int left = budget;
        while (left > 0) {
            // kind: 0 chain toward the aim, 1 the whole layer to its aim, 2 a free move.
            int pick = -1;
            int kind = 0;
            double pickGain = 0;
            double pickSq = 0;
            for (int l = 0; l < layers; l++) {
                if (bestLen[l] > left || fullCost[l] > left || (freeSlot[l] >= 0 && freeSwap[l] >= 0 && left < 2)) {
                    options(l, left);
                }
                if (fullCost[l] > 0 && (pick < 0 || fullGain[l] > pickGain + 1e-12)) {
                    pick = l;
                    kind = 1;
                    pickGain = fullGain[l];
                    pickSq = 0;
                }
                if (bestLen[l] > 0 && better(pick, kind, pickGain, pickSq, bestGainMax[l], bestGainSq[l])) {
                    pick = l;
                    kind = 0;
                    pickGain = bestGainMax[l];
                    pickSq = bestGainSq[l];
                }
                if (freeSlot[l] >= 0 && better(pick, kind, pickGain, pickSq, freeGainMax[l], freeGainSq[l])) {
                    pick = l;
                    kind = 2;
                    pickGain = freeGainMax[l];
                    pickSq = freeGainSq[l];
                }
            }
            if (pick < 0) {
                return;
            }
            if (kind == 1) {
                left -= fullCost[pick];
                applyLayer(pick);
            } else if (kind == 0) {
                final int at = pick * MAX_CHAIN;
                for (int i = bestLen[pick] - 1; i >= 0; i--) {
                    int p = bestChains[at + i];
                    apply(pick, p, want[pick * slots + p]);
                }
                left -= bestLen[pick];
            } else {
                // The slots' aims become the free move's experts, so no later move touches them again.
                final int base = pick * slots;
                final int s = freeSlot[pick];
                final int q = freeSwap[pick];
                final int b = plan.phy2log[base + s];
                freeMoved[pick] = true;
                want[base + s] = freeExpert[pick];
                apply(pick, s, freeExpert[pick]);
                left--;
                if (q >= 0) {
                    want[base + q] = b;
                    apply(pick, q, b);
                    left--;
                }
            }
            options(pick, left);
        }
    }

    /** Whether a single move or chain gaining {@code gMax}, then {@code gSq}, per copy beats the pick so far. */
    private static boolean better(int pick, int kind, double pickGain, double pickSq, double gMax, double gSq) {
        return pick < 0 || gMax > pickGain + 1e-12 || (gMax >= pickGain - 1e-12 && kind != 1 && gSq > pickSq);
    }

    /**
     * Layer {@code l}'s options within {@code limit} moves: its best chain, all its remaining
     * candidates at once (the whole way to its target), each with its gain in max / mean per copy,
     * and its best free move.
     */
    private void options(int l, int limit) {
        if (layerMax[l] / layerMean[l] <= stopAt[l]) {
            bestLen[l] = 0;
            fullCost[l] = 0;
            freeSlot[l] = -1;
            return;
        }
        bestChain(l, limit);
        int d = diffs(l);
        fullCost[l] = 0;
        // After a free move the aim no longer gives every expert a copy: chains only (they check).
        if (d > 0 && d <= limit && !freeMoved[l]) {
            double gain = (layerMax[l] / layerMean[l] - imbalance.imbalance(want, w, l)) / d;
            if (gain > 1e-12) {
                fullCost[l] = d;
                fullGain[l] = gain;
            }
        }
        bestFree(l, limit);
    }

    /**
     * Layer {@code l}'s best free move, not toward the aim's slots but toward its copies per expert:
     * a copy of an expert on the most-loaded rank that has fewer copies than the aim gives it,
     * written over a slot of another rank whose expert has more copies than the aim (or that is
     * empty), or a copy from another rank written over such a slot of the most-loaded rank; or a swap
     * of a copy on the most-loaded rank with a lighter copy elsewhere (two copies moved, counts
     * unchanged). Only slots this call has not changed yet, so a slot moves at most once. The aim's
     * slots are one fixed placement; when no chain toward them pays any more (every move they offer
     * would raise some rank), these moves reach balance by other slots. Best as for chains: the
     * largest drop of max / mean per copy, then of the sum of squares; only improving moves count.
     */
    private void bestFree(int l, int limit) {
        freeSlot[l] = -1;
        freeSwap[l] = -1;
        if (limit < 1 || liveRanks < 2) {
            return;
        }
        final int rBase = l * ranks;
        int top = -1;
        for (int r = 0; r < ranks; r++) {
            if (live[r] && (top < 0 || load[rBase + r] > load[rBase + top])) {
                top = r;
            }
        }
        for (int r = 0; r < ranks; r++) {
            if (live[r] && r != top) {
                tryFree(l, top, r);
                tryFree(l, r, top);
            }
        }
        if (limit >= 2) {
            trySwaps(l, top);
        }
    }

    /** Weighs writing each expert on rank {@code from} over each free-movable slot of rank {@code to}. */
    private void tryFree(int l, int from, int to) {
        final int base = l * slots;
        final int eBase = l * experts;
        final double mean = layerMean[l];
        for (int s = layout.first(from); s < layout.end(from); s++) {
            final int b = plan.phy2log[base + s];
            if (b < 0 || plan.logcnt[eBase + b] >= aimCnt[eBase + b] || holds(l, to, b)) {
                continue;
            }
            for (int p = layout.first(to); p < layout.end(to); p++) {
                final int a = plan.phy2log[base + p];
                if (a != cur[base + p] || a == b || (a >= 0 && plan.logcnt[eBase + a] <= aimCnt[eBase + a])
                        || !legal(l, p)) {
                    continue;
                }
                evaluate(l, p, b);
                double gMax = (layerMax[l] - evalMax) / mean;
                double gSq = (layerSq[l] - evalSq) / (mean * mean);
                if (!(gMax > 1e-12 || (gMax >= -1e-12 && gSq > 1e-12))) {
                    continue;
                }
                if (freeSlot[l] < 0 || gMax > freeGainMax[l] + 1e-12
                        || (gMax >= freeGainMax[l] - 1e-12 && gSq > freeGainSq[l])) {
                    freeSlot[l] = p;
                    freeSwap[l] = -1;
                    freeExpert[l] = b;
                    freeGainMax[l] = gMax;
                    freeGainSq[l] = gSq;
                }
            }
        }
    }

    /**
     * Weighs swapping each copy on rank {@code top} with each copy on another rank (two copies moved,
     * copies per expert unchanged, so only the two ranks' loads change), both slots not yet changed by
     * this call; gains are per copy moved.
     */
    private void trySwaps(int l, int top) {
        final int base = l * slots;
        final int eBase = l * experts;
        final int rBase = l * ranks;
        final double mean = layerMean[l];
        // The three largest rank loads: the largest of the ranks a swap leaves alone is among them.
        largestThree(rBase);
        final int r1 = largest[0];
        final int r2 = largest[1];
        final int r3 = largest[2];
        // Stamps instead of scans: the experts on the top rank, then per copy the ranks holding it.
        final int onTop = nextStamp();
        for (int q = layout.first(top); q < layout.end(top); q++) {
            if (plan.phy2log[base + q] >= 0) {
                expertStamp[plan.phy2log[base + q]] = onTop;
            }
        }
        for (int s = layout.first(top); s < layout.end(top); s++) {
            final int b = plan.phy2log[base + s];
            if (b < 0 || b != cur[base + s]) {
                continue;
            }
            final double shareB = (double) w[eBase + b] / plan.logcnt[eBase + b];
            final int holdsB = nextStamp();
            for (int q = 0; q < slots; q++) {
                if (plan.phy2log[base + q] == b) {
                    rankStamp[layout.rankOfSlot(q)] = holdsB;
                }
            }
            for (int p = 0; p < slots; p++) {
                final int r = layout.rankOfSlot(p);
                final int a = plan.phy2log[base + p];
                if (r == top || !live[r] || a < 0 || a == b || a != cur[base + p]
                        || (double) w[eBase + a] / plan.logcnt[eBase + a] >= shareB
                        || rankStamp[r] == holdsB || expertStamp[a] == onTop) {
                    continue;
                }
                final double shareA = (double) w[eBase + a] / plan.logcnt[eBase + a];
                final double vTop = load[rBase + top];
                final double vR = load[rBase + r];
                final double nTop = vTop - shareB + shareA;
                final double nR = vR - shareA + shareB;
                // As a pass over the ranks in index order would: squares added lower rank first.
                double sq = layerSq[l];
                if (top < r) {
                    sq += nTop * nTop - vTop * vTop;
                    sq += nR * nR - vR * vR;
                } else {
                    sq += nR * nR - vR * vR;
                    sq += nTop * nTop - vTop * vTop;
                }
                int other = r1 != top && r1 != r ? r1 : r2 != top && r2 != r ? r2 : r3;
                double max = Math.max(Math.max(0, other < 0 ? 0 : load[rBase + other]), Math.max(nTop, nR));
                double gMax = (layerMax[l] - max) / mean / 2;
                double gSq = (layerSq[l] - sq) / (mean * mean) / 2;
                if (!(gMax > 1e-12 || (gMax >= -1e-12 && gSq > 1e-12))) {
                    continue;
                }
                if (freeSlot[l] < 0 || gMax > freeGainMax[l] + 1e-12
                        || (gMax >= freeGainMax[l] - 1e-12 && gSq > freeGainSq[l])) {
                    freeSlot[l] = s;
                    freeSwap[l] = p;
                    freeExpert[l] = a;
                    freeGainMax[l] = gMax;
                    freeGainSq[l] = gSq;
                }
            }
        }
    }

    /** The ranks of the three largest loads of {@code load[rBase, rBase + ranks)} into {@link #largest} (-1: none). */
    private void largestThree(int rBase) {
        int r1 = -1;
        int r2 = -1;
        int r3 = -1;
        for (int q = 0; q < ranks; q++) {
            double v = load[rBase + q];
            if (r1 < 0 || v > load[rBase + r1]) {
                r3 = r2;
                r2 = r1;
                r1 = q;
            } else if (r2 < 0 || v > load[rBase + r2]) {
                r3 = r2;
                r2 = q;
            } else if (r3 < 0 || v > load[rBase + r3]) {
                r3 = q;
            }
        }
        largest[0] = r1;
        largest[1] = r2;
        largest[2] = r3;
    }

    /** A fresh mark for {@link #expertStamp} and {@link #rankStamp} (both cleared when the counter wraps). */
    private int nextStamp() {
        if (stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(expertStamp, 0);
            java.util.Arrays.fill(rankStamp, 0);
            stamp = 0;
        }
        return ++stamp;
    }

    /** Copies per expert in layer {@code l}'s aim, before any free move rewrites it. */
    private void aimCounts(int l) {
        final int base = l * slots;
        final int eBase = l * experts;
        java.util.Arrays.fill(aimCnt, eBase, eBase + experts, 0);
        for (int p = 0; p < slots; p++) {
            if (want[base + p] >= 0) {
                aimCnt[eBase + want[base + p]]++;
            }
        }
    }

    private boolean holds(int l, int r, int e) {
        final int base = l * slots;
        for (int p = layout.first(r); p < layout.end(r); p++) {
            if (plan.phy2log[base + p] == e) {
                return true;
            }
        }
        return false;
    }

    private void applyLayer(int l) {
        final int base = l * slots;
        for (int p = 0; p < slots; p++) {
            int b = want[base + p];
            int a = plan.phy2log[base + p];
            if (b != a) {
                plan.phy2log[base + p] = b;
                if (a >= 0) {
                    plan.logcnt[l * experts + a]--;
                }
                if (b >= 0) {
                    plan.logcnt[l * experts + b]++;
                }
                plan.addMove(l, p, a, b);
            }
        }
        loads(l);
    }

    /**
     * Layer {@code l}'s best chain of at most {@code limit} candidate moves: a move, plus the moves that
     * re-create the copies it (and they) overwrite when those are last copies, so that every expert
     * still has a copy once the chain is applied (single-copy experts trading GPUs are a chain of two).
     * Best = the largest drop of max / mean per copy moved, then of the normalised sum of squares;
     * only chains that improve count.
     */
    private void bestChain(int l, int limit) {
        final int base = l * slots;
        final double mean = layerMean[l];
        bestLen[l] = 0;
        for (int p = 0; p < slots; p++) {
            int b = want[base + p];
            if (b < 0 || b == plan.phy2log[base + p] || !buildChain(l, p, Math.min(limit, MAX_CHAIN))
                    || !measureChain(l)) {
                continue;
            }
            double gMax = (layerMax[l] - evalMax) / mean / chainLen;
            double gSq = (layerSq[l] - evalSq) / (mean * mean) / chainLen;
            if (!(gMax > 1e-12 || (gMax >= -1e-12 && gSq > 1e-12))) {
                continue;
            }
            if (bestLen[l] == 0 || gMax > bestGainMax[l] + 1e-12
                    || (gMax >= bestGainMax[l] - 1e-12 && gSq > bestGainSq[l])) {
                bestLen[l] = chainLen;
                bestGainMax[l] = gMax;
                bestGainSq[l] = gSq;
                System.arraycopy(chain, 0, bestChains, l * MAX_CHAIN, chainLen);
            }
        }
    }

    /** Builds the chain that starts with slot {@code p} into {@code chain}; false when it needs more than {@code limit} moves. */
    private boolean buildChain(int l, int p, int limit) {
        final int base = l * slots;
        if (limit < 1) {
            return false;
        }
        chain[0] = p;
        chainLen = 1;
        int need = lastCopyOverwritten(l, p);
        while (need >= 0) {
            if (chainLen == limit) {
                return false;
            }
            int q = -1;
            for (int s = 0; s < slots && q < 0; s++) {
                if (want[base + s] == need && plan.phy2log[base + s] != need && !inChain(s)) {
                    q = s;
                }
            }
            if (q < 0) {
                return false;
            }
            chain[chainLen++] = q;
            need = lastCopyOverwritten(l, q);
        }
        return true;
    }

    /** The expert whose only copy slot {@code p} holds, when no chain move creates another; else -1. */
    private int lastCopyOverwritten(int l, int p) {
        final int base = l * slots;
        int a = plan.phy2log[base + p];
        if (a < 0 || plan.logcnt[l * experts + a] >= 2) {
            return -1;
        }
        for (int i = 0; i < chainLen; i++) {
            if (want[base + chain[i]] == a) {
                return -1;
            }
        }
        return a;
    }

    private boolean inChain(int s) {
        for (int i = 0; i < chainLen; i++) {
            if (chain[i] == s) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies the chain tentatively, checks that no expert lost its last copy, measures max and sum of
     * squared GPU loads into {@code evalMax}, {@code evalSq}, and undoes it.
     */
    private boolean measureChain(int l) {
        final int base = l * slots;
        final int eBase = l * experts;
        for (int i = 0; i < chainLen; i++) {
            int q = chain[i];
            int a = plan.phy2log[base + q];
            undo[i] = a;
            plan.phy2log[base + q] = want[base + q];
            if (a >= 0) {
                plan.logcnt[eBase + a]--;
            }
            plan.logcnt[eBase + want[base + q]]++;
        }
        boolean valid = true;
        for (int i = 0; i < chainLen; i++) {
            valid &= undo[i] < 0 || plan.logcnt[eBase + undo[i]] > 0;
        }
        if (valid) {
            for (int q = 0; q < slots; q++) {
                int e = plan.phy2log[base + q];
                if (e >= 0) {
                    delta[layout.rankOfSlot(q)] += (double) w[eBase + e] / plan.logcnt[eBase + e];
                }
            }
            double max = 0;
            double sq = 0;
            for (int r = 0; r < ranks; r++) {
                max = Math.max(max, delta[r]);
                sq += delta[r] * delta[r];
                delta[r] = 0;
            }
            evalMax = max;
            evalSq = sq;
        }
        for (int i = chainLen - 1; i >= 0; i--) {
            int q = chain[i];
            plan.logcnt[eBase + plan.phy2log[base + q]]--;
            if (undo[i] >= 0) {
                plan.logcnt[eBase + undo[i]]++;
            }
            plan.phy2log[base + q] = undo[i];
        }
        return valid;
    }

    /** Writes expert {@code b} into slot {@code p} of layer {@code l} and refreshes the layer's loads. */
    private void apply(int l, int p, int b) {
        final int base = l * slots;
        int a = plan.phy2log[base + p];
        plan.phy2log[base + p] = b;
        if (a >= 0) {
            plan.logcnt[l * experts + a]--;
        }
        plan.logcnt[l * experts + b]++;
        plan.addMove(l, p, a, b);
        loads(l);
    }

    /** GPU loads, max, sum of squares and mean of layer {@code l} under the current copies. */
    private void loads(int l) {
        final int base = l * slots;
        final int eBase = l * experts;
        final int rBase = l * ranks;
        java.util.Arrays.fill(load, rBase, rBase + ranks, 0.0);
        long total = 0;
        for (int e = 0; e < experts; e++) {
            total += w[eBase + e];
        }
        for (int p = 0; p < slots; p++) {
            int e = plan.phy2log[base + p];
            if (e >= 0) {
                load[rBase + layout.rankOfSlot(p)] += (double) w[eBase + e] / plan.logcnt[eBase + e];
            }
        }
        double max = 0;
        double sq = 0;
        for (int r = 0; r < ranks; r++) {
            double v = load[rBase + r];
            max = Math.max(max, v);
            sq += v * v;
        }
        layerMax[l] = max;
        layerSq[l] = sq;
        layerMean[l] = liveRanks == 0 || total == 0 ? 1.0 : (double) total / liveRanks;
    }

    /** Max and sum of squared GPU loads of layer {@code l} if slot {@code p} held {@code b} (a legal move). */
    private void evaluate(int l, int p, int b) {
        final int base = l * slots;
        final int eBase = l * experts;
        final int rBase = l * ranks;
        final int a = plan.phy2log[base + p];
        final int ca = a >= 0 ? plan.logcnt[eBase + a] : 0;
        final double wa = a >= 0 ? w[eBase + a] : 0;
        final int cb = plan.logcnt[eBase + b];
        final double wb = w[eBase + b];
        final double dA = ca >= 2 ? wa / (ca - 1) - wa / ca : 0;
        final double dB = cb > 0 ? wb / (cb + 1) - wb / cb : 0;
        for (int q = 0; q < slots; q++) {
            int x = plan.phy2log[base + q];
            if (q == p || x < 0) {
                continue;
            }
            if (x == a) {
                delta[layout.rankOfSlot(q)] += dA;
            } else if (x == b) {
                delta[layout.rankOfSlot(q)] += dB;
            }
        }
        delta[layout.rankOfSlot(p)] += wb / (cb + 1) - (ca > 0 ? wa / ca : 0);
        double max = 0;
        double sq = 0;
        for (int r = 0; r < ranks; r++) {
            double v = load[rBase + r] + delta[r];
            delta[r] = 0;
            max = Math.max(max, v);
            sq += v * v;
        }
        evalMax = max;
        evalSq = sq;
    }

    private void finish(int layers) {
        for (int l = 0; l < layers; l++) {
            if (plan.skipped[l]) {
                // Kept as it was (nothing moves in a skipped layer) and it lost no expert: its
                // imbalance is the one measured before, and no expert is unplaced.
                plan.imbalanceAfter[l] = plan.imbalanceBefore[l];
                continue;
            }
            final int eBase = l * experts;
            for (int e = 0; e < experts; e++) {
                if (plan.logcnt[eBase + e] == 0) {
                    plan.unplacedLayer[plan.unplaced] = l;
                    plan.unplacedExpert[plan.unplaced++] = e;
                }
            }
            plan.imbalanceAfter[l] = imbalance.imbalance(plan.phy2log, w, l);
        }
        w = null;
        cur = null;
    }
}
