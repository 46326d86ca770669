package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * Orders a {@link RebalancePlan}'s moves into per-step batches of at most {@code maxBatchBytes}, layer
 * by layer, so serving goes on while the moves happen: a batch is applied as a unit (its copies
 * land, then the placement switches), and after every batch each expert that had a copy before the
 * plan still has one. A move that would take an expert's last copy waits until a move that creates
 * another copy of that expert is in the same or an earlier batch.
 *
 * <p>How: per layer, moves are taken in plan order into the open batch while they fit and keep
 * every expert served; when none of the remaining moves can go, the batch closes, and if a fresh
 * batch cannot take one either, the remaining moves form a cycle (such as two single-copy experts
 * trading GPUs): the first blocked move and the chain of moves that re-create what it overwrites go
 * together into one batch. Such a batch holds the whole chain, and when the chain is longer than
 * {@code maxBatchBytes} allows, it is the only batch that exceeds it ({@link #oversizedBatches}).
 * A batch may continue into the next layer.
 *
 * <p>Threading: one thread per batcher. Allocation: the constructor allocates; {@link #batch}
 * allocates nothing. The result is this object, valid until the next call.
 */
public final class MoveBatcher {
    private final int maxLayers;
    private final int experts;
    private final int slots;
    private final int[] placement;
    private final int[] count;
    private final int[] order;
    private final int[] batchEnd;
    private final boolean[] done;
    private int batches;
    private int moves;
    private int oversized;
    private long copyBytes;
    private long maxBatchBytes;
    private int layer;

    /** A batcher for plans of up to {@code maxLayers} layers of {@code experts} experts on {@code slots} slots. */
    public MoveBatcher(int maxLayers, int experts, int slots) {
        this.maxLayers = Checks.positive("maxLayers", maxLayers);
        this.experts = Checks.positive("experts", experts);
        this.slots = Checks.positive("slots", slots);
        long moves = (long) maxLayers * ((long) slots + experts);
        if (moves > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxLayers x (slots + experts) must be < 2^31, was " + moves);
        }
        int maxMoves = (int) moves;
        placement = new int[slots];
        count = new int[experts];
        order = new int[maxMoves];
        batchEnd = new int[maxMoves];
        done = new boolean[maxMoves];
    }

    /**
     * Batches {@code plan}'s moves, at most {@code maxBatchBytes} (>= the bytes of one copy) per
     * batch but for a chain that cannot be split.
     */
    public MoveBatcher batch(RebalancePlan plan, long maxBatchBytes) {
        Checks.notNull("plan", plan);
        if (plan.experts != experts || plan.slots != slots || plan.layers > maxLayers) {
            throw new IllegalArgumentException("plan of " + plan.layers + " x " + plan.experts + " experts on "
                    + plan.slots + " slots does not fit this batcher");
        }
        if (maxBatchBytes < Math.max(1, plan.copyBytes)) {
            throw new IllegalArgumentException("maxBatchBytes must be >= one copy (" + plan.copyBytes + "), was "
                    + maxBatchBytes);
        }
        this.copyBytes = plan.copyBytes;
        this.maxBatchBytes = maxBatchBytes;
        batches = 0;
        moves = 0;
        oversized = 0;
        java.util.Arrays.fill(done, 0, plan.moves, false);
        for (int l = 0; l < plan.layers; l++) {
            layer(plan, l);
        }
        closeBatch();
        return this;
    }

    /** The layer's placement before the plan: the plan's, with its moves undone in reverse. */
    private void layer(RebalancePlan plan, int l) {
        final int to = plan.moves;
        layer = l;
        System.arraycopy(plan.phy2log, l * slots, placement, 0, slots);
        int left = 0;
        for (int i = to - 1; i >= 0; i--) {
            if (plan.moveLayer[i] == l) {
                placement[plan.moveSlot[i]] = plan.moveFrom[i];
                left++;
            }
        }
        java.util.Arrays.fill(count, 0);
        for (int p = 0; p < slots; p++) {
            if (placement[p] >= 0) {
                count[placement[p]]++;
            }
        }
        while (left > 0) {
            int taken = 0;
            for (int i = 0; i < to && fits(); i++) {
                if (ready(plan, i) && keepsServed(plan.moveFrom[i])) {
                    take(plan, i);
                    taken++;
                }
            }
            left -= taken;
            if (taken == 0 && left > 0) {
                if (open() > 0) {
                    closeBatch();
                } else {
                    left -= chain(plan, to);
                }
            } else if (!fits()) {
                closeBatch();
            }
        }
    }

    /** Move {@code i} is this layer's, not yet taken, and its slot holds what it overwrites. */
    private boolean ready(RebalancePlan plan, int i) {
        return plan.moveLayer[i] == layer && !done[i] && placement[plan.moveSlot[i]] == plan.moveFrom[i];
    }

    private boolean keepsServed(int a) {
        return a < 0 || count[a] >= 2;
    }

    private boolean fits() {
        return (open() + 1) * copyBytes <= maxBatchBytes;
    }

    private int open() {
        return moves - (batches == 0 ? 0 : batchEnd[batches - 1]);
    }

    private void take(RebalancePlan plan, int i) {
        done[i] = true;
        order[moves++] = i;
        placement[plan.moveSlot[i]] = plan.moveTo[i];
        if (plan.moveFrom[i] >= 0) {
            count[plan.moveFrom[i]]--;
        }
        if (plan.moveTo[i] >= 0) {
            count[plan.moveTo[i]]++;
        }
    }

    private void closeBatch() {
        if (open() > 0) {
            if (open() * copyBytes > maxBatchBytes) {
                oversized++;
            }
            batchEnd[batches++] = moves;
        }
    }

    /** One batch: the first ready move, then moves re-creating whatever its predecessors left without a copy. */
    private int chain(RebalancePlan plan, int to) {
        int n = 0;
        int lacking = -1;
        for (int i = 0; i < to; i++) {
            if (ready(plan, i)) {
                lacking = plan.moveFrom[i];
                take(plan, i);
                n++;
                break;
            }
        }
        while (lacking >= 0 && count[lacking] == 0) {
            int next = -1;
            for (int i = 0; i < to; i++) {
                if (ready(plan, i) && plan.moveTo[i] == lacking) {
                    next = i;
                    break;
                }
            }
            if (next < 0) {
                break; // the plan itself leaves this expert without a copy
            }
            lacking = plan.moveFrom[next];
            take(plan, next);
            n++;
        }
        closeBatch();
        return n;
    }

    /** Batches. */
    public int batchCount() {
        return batches;
    }

    /** Index in {@link #moveOrder} of batch {@code b}'s first move. */
    public int batchStart(int b) {
        Checks.index("b", b, batches);
        return b == 0 ? 0 : batchEnd[b - 1];
    }

    /** Index in {@link #moveOrder} past batch {@code b}'s last move. */
    public int batchEnd(int b) {
        return batchEnd[Checks.index("b", b, batches)];
    }

    /** Bytes of batch {@code b}. */
    public long batchBytes(int b) {
        return (batchEnd(b) - batchStart(b)) * copyBytes;
    }

    /** The plan's move index ({@link RebalancePlan#moveSlot} etc.) that goes {@code i}-th. */
    public int moveOrder(int i) {
        return order[Checks.index("i", i, moves)];
    }

    /** Moves batched (all of the plan's). */
    public int moveCount() {
        return moves;
    }

    /** Batches over {@code maxBatchBytes}: unsplittable chains, each in a batch of its own. */
    public int oversizedBatches() {
        return oversized;
    }
}
