package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * The result of one {@link EplbRebalancer#rebalance} call: the new placement ({@code phy2log} per
 * layer over the {@link SlotLayout}'s slots, {@code -1} for a slot that holds nothing, such as every
 * slot of an excluded rank), copies per expert, the moves that turn the current placement into the
 * new one (in the order the rebalancer chose them: restores of lost experts first, then by the
 * balance each buys), the layers skipped as balanced, the experts that had no copy on a surviving
 * rank before the call ({@link #lostExpertCount}) and those that still have none after it
 * ({@link #unplacedExpertCount}). A reusable view over the rebalancer's arrays, valid until its
 * next successful call.
 *
 * <p>A move writes one expert's state into one slot: {@code moveFrom} is the expert the slot held
 * before (-1 when it was empty), {@code moveTo} the one it holds after. With no current placement
 * every filled slot counts as a move.
 *
 * <p>Threading: the rebalancer's thread. Allocation: none.
 */
public final class RebalancePlan {
    final int experts;
    final int slots;
    final long copyBytes;
    final int[] phy2log;
    final int[] logcnt;
    final boolean[] skipped;
    final double[] imbalanceBefore;
    final double[] imbalanceAfter;
    final int[] moveLayer;
    final int[] moveSlot;
    final int[] moveFrom;
    final int[] moveTo;
    final int[] lostLayer;
    final int[] lostExpert;
    final int[] unplacedLayer;
    final int[] unplacedExpert;
    int layers;
    int moves;
    int restored;
    int lost;
    int unplaced;
    int budget;
    boolean fromScratch;

    RebalancePlan(int maxLayers, int experts, int slots, long copyBytes) {
        this.experts = experts;
        this.slots = slots;
        this.copyBytes = copyBytes;
        phy2log = new int[maxLayers * slots];
        logcnt = new int[maxLayers * experts];
        skipped = new boolean[maxLayers];
        imbalanceBefore = new double[maxLayers];
        imbalanceAfter = new double[maxLayers];
        int maxMoves = maxLayers * (slots + experts);
        moveLayer = new int[maxMoves];
        moveSlot = new int[maxMoves];
        moveFrom = new int[maxMoves];
        moveTo = new int[maxMoves];
        lostLayer = new int[maxLayers * experts];
        lostExpert = new int[maxLayers * experts];
        unplacedLayer = new int[maxLayers * experts];
        unplacedExpert = new int[maxLayers * experts];
    }

    void addMove(int layer, int slot, int from, int to) {
        moveLayer[moves] = layer;
        moveSlot[moves] = slot;
        moveFrom[moves] = from;
        moveTo[moves] = to;
        moves++;
    }

    /** Layers in this plan. */
    public int layers() {
        return layers;
    }

    /** Logical experts per layer. */
    public int experts() {
        return experts;
    }

    /** Physical slots per layer. */
    public int slots() {
        return slots;
    }

    /** Logical expert in slot {@code p} of layer {@code layer}, -1 for an empty slot. */
    public int phy2log(int layer, int p) {
        Checks.index("layer", layer, layers);
        return phy2log[layer * slots + Checks.index("p", p, slots)];
    }

    /** Copies of expert {@code e} in layer {@code layer}. */
    public int logcnt(int layer, int e) {
        Checks.index("layer", layer, layers);
        return logcnt[layer * experts + Checks.index("e", e, experts)];
    }

    /** Writes this plan's {@code phy2log} ({@code layers() * slots()} values) into {@code out}. */
    public void copyPhy2log(int[] out) {
        Checks.length("out", Checks.notNull("out", out).length, layers * slots);
        System.arraycopy(phy2log, 0, out, 0, layers * slots);
    }

    /** Whether the call had no current placement and planned from scratch. */
    public boolean fromScratch() {
        return fromScratch;
    }

    /** Whether layer {@code layer} was at or below the skip threshold and kept as it was. */
    public boolean skipped(int layer) {
        return skipped[Checks.index("layer", layer, layers)];
    }

    /** Whether the plan changes nothing: every layer skipped or already as good as the rebalancer could make it. */
    public boolean unchanged() {
        return moves == 0;
    }

    /**
     * Max / mean GPU load of layer {@code layer} under the new loads before the call (the current
     * placement, excluded ranks emptied; infinite when a loaded expert has no copy; 0 with no current
     * placement).
     */
    public double imbalanceBefore(int layer) {
        return imbalanceBefore[Checks.index("layer", layer, layers)];
    }

    /** Max / mean GPU load of layer {@code layer} under the new loads with the new placement. */
    public double imbalanceAfter(int layer) {
        return imbalanceAfter[Checks.index("layer", layer, layers)];
    }

    /** Copies written, all layers (the size of the shuffle). */
    public int movedCopies() {
        return moves;
    }

    /** Bytes written: {@link #movedCopies} times the bytes of one expert copy. */
    public long movedBytes() {
        return moves * copyBytes;
    }

    /** Moves that gave a lost expert its first copy on a survivor (not charged to the budget). */
    public int restoredCopies() {
        return restored;
    }

    /** Moves the budget allowed beyond restores: {@code min(maxMoves, maxBytes / copyBytes)}. */
    public int budgetMoves() {
        return budget;
    }

    /** Moves in the plan ({@link #movedCopies}). */
    public int moveCount() {
        return moves;
    }

    /** Layer of move {@code i}. */
    public int moveLayer(int i) {
        return moveLayer[Checks.index("i", i, moves)];
    }

    /** Slot written by move {@code i}. */
    public int moveSlot(int i) {
        return moveSlot[Checks.index("i", i, moves)];
    }

    /** Expert the slot held before move {@code i}, -1 when empty. */
    public int moveFrom(int i) {
        return moveFrom[Checks.index("i", i, moves)];
    }

    /** Expert the slot holds after move {@code i}. */
    public int moveTo(int i) {
        return moveTo[Checks.index("i", i, moves)];
    }

    /** Experts (layer, expert pairs) with no copy on a surviving rank in the current placement. */
    public int lostExpertCount() {
        return lost;
    }

    /** Layer of lost expert {@code i}. */
    public int lostExpertLayer(int i) {
        return lostLayer[Checks.index("i", i, lost)];
    }

    /** Lost expert {@code i}. */
    public int lostExpert(int i) {
        return lostExpert[Checks.index("i", i, lost)];
    }

    /** Experts (layer, expert pairs) with no copy in the new placement: the survivors' slots could not hold them. */
    public int unplacedExpertCount() {
        return unplaced;
    }

    /** Layer of unplaced expert {@code i}. */
    public int unplacedExpertLayer(int i) {
        return unplacedLayer[Checks.index("i", i, unplaced)];
    }

    /** Unplaced expert {@code i}. */
    public int unplacedExpert(int i) {
        return unplacedExpert[Checks.index("i", i, unplaced)];
    }
}
