package io.keel.streaming;

import io.keel.core.Checks;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.ReplicationPlan;

/**
 * One preallocated request/result slot of a {@link BalancerPipeline}: the caller's loads go in,
 * the planning thread writes the step's summary, the physical-to-logical slot map and the copy
 * kernel's task table (its own off-heap segment) back. A slot returned by
 * {@link BalancerPipeline#poll()} belongs to the caller until {@link BalancerPipeline#release}.
 *
 * <p>Threading: written by the planning thread before it is published on the result queue, read
 * by the caller after it is polled (the queue orders the two). Allocation: the pipeline allocates
 * every slot at construction; nothing here allocates except the message of a failed step.
 */
public final class PipelineSlot {
    /** Step completed. */
    public static final int OK = 0;
    /** Step failed validation; {@link #failure()} says why. */
    public static final int FAILED = 1;

    final int index;
    final int[] loads;
    final int[] phy2log;
    final TileStreamPacker packer;
    /** Owned by the pipeline's free list (caller thread only). */
    boolean free = true;
    long sequence;
    int layer;
    long microbatch;
    int status;
    String failure;
    double initialImbalance;
    double imbalance;
    double lowerBoundImbalance;
    int replicas;
    int transfers;
    long bytesMoved;
    double makespanUnits;
    double lowerBoundUnits;
    long stepNanos;
    long submitNanos;
    long doneNanos;
    TileStream tiles;

    PipelineSlot(int index, ExpertLayout layout, TileStreamPacker packer) {
        this.index = index;
        this.loads = new int[layout.ranks() * layout.experts()];
        this.phy2log = new int[layout.physicalSlots()];
        this.packer = packer;
        this.tiles = packer.stream();
    }

    void fill(BalancedStep step) {
        ReplicationPlan p = step.plan();
        status = OK;
        failure = null;
        microbatch = step.microbatch();
        initialImbalance = p.initialImbalance();
        imbalance = p.imbalance();
        lowerBoundImbalance = p.lowerBoundImbalance();
        replicas = p.replicaCount();
        transfers = p.transferCount();
        bytesMoved = step.relay().totalBytes();
        makespanUnits = step.relay().makespanUnits();
        lowerBoundUnits = step.relay().lowerBoundUnits();
        stepNanos = step.nanos();
        tiles = step.tiles();
        for (int i = 0; i < phy2log.length; i++) {
            phy2log[i] = p.physicalToLogical(i);
        }
    }

    void fail(String message) {
        status = FAILED;
        failure = message;
        microbatch = -1;
        replicas = 0;
        transfers = 0;
        bytesMoved = 0;
    }

    /** Submission order, from 0. */
    public long sequence() {
        return sequence;
    }

    /** Layer of the request. */
    public int layer() {
        return layer;
    }

    /** Microbatch the balancer gave the step (-1 when it failed). */
    public long microbatch() {
        return microbatch;
    }

    /** {@link #OK} or {@link #FAILED}. */
    public int status() {
        return status;
    }

    /** Why the step failed, or null. */
    public String failure() {
        return failure;
    }

    /** Max/mean rank load with no replicas. */
    public double initialImbalance() {
        return initialImbalance;
    }

    /** Max/mean rank load under the plan. */
    public double imbalance() {
        return imbalance;
    }

    /** The domain lower bound over the mean. */
    public double lowerBoundImbalance() {
        return lowerBoundImbalance;
    }

    /** Replicas in the plan. */
    public int replicas() {
        return replicas;
    }

    /** Replica transfers. */
    public int transfers() {
        return transfers;
    }

    /** Bytes the relay trees move. */
    public long bytesMoved() {
        return bytesMoved;
    }

    /** Transfer makespan estimate in units of S / B. */
    public double makespanUnits() {
        return makespanUnits;
    }

    /** Transfer lower bound in units of S / B. */
    public double lowerBoundUnits() {
        return lowerBoundUnits;
    }

    /** Nanoseconds of the step on the planning thread. */
    public long stepNanos() {
        return stepNanos;
    }

    /** {@link System#nanoTime()} at submission. */
    public long submitNanos() {
        return submitNanos;
    }

    /** {@link System#nanoTime()} when the planning thread finished the step. */
    public long doneNanos() {
        return doneNanos;
    }

    /** Logical expert in physical slot {@code p}, or -1. */
    public int physicalToLogical(int p) {
        return phy2log[Checks.index("p", p, phy2log.length)];
    }

    /** The step's task table (this slot's own segment). */
    public TileStream tiles() {
        return tiles;
    }
}
