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
 * <p>Every submitted request comes back exactly once, in submission order, with a
 * {@link #status()}: {@link #OK} (the result accessors answer), {@link #FAILED} ({@link #cause()}
 * is whatever the planning thread threw) or {@link #CANCELLED} (the pipeline was closed before the
 * step ran). Every accessor throws {@link IllegalStateException} while the slot is not held by
 * the caller (before it is polled, after it is released: a stale handle), and the result
 * accessors ({@link #microbatch()}, the imbalances, counts, bytes, {@link #physicalToLogical},
 * {@link #tiles()} ...) throw it unless the status is {@link #OK}, so old data is never read. The
 * slot object is reused: once released it may come back from a later poll as another request,
 * with another {@link #sequence()}.
 *
 * <p>Threading: written by the planning thread before it is published on the result queue, read
 * by the caller thread after it is polled (the queue orders the two). Allocation: the pipeline
 * allocates every slot at construction; nothing here allocates except an exception's message.
 */
public final class PipelineSlot {
    /** Step completed. */
    public static final int OK = 0;
    /** Step failed: {@link #cause()} is what was thrown, {@link #failure()} its message. */
    public static final int FAILED = 1;
    /** Step never ran: the pipeline was closed with the request still queued. */
    public static final int CANCELLED = 2;

    /** Caller-side ownership: in the pipeline's free list. */
    static final int FREE = 0;
    /** Caller-side ownership: submitted, not yet polled. */
    static final int QUEUED = 1;
    /** Caller-side ownership: polled, not yet released. */
    static final int HELD = 2;

    private static final String CANCELLED_MESSAGE = "cancelled: the pipeline was closed before the step ran";

    final BalancerPipeline owner;
    final int index;
    final int[] loads;
    final int[] phy2log;
    final TileStreamPacker packer;
    /** FREE, QUEUED or HELD; read and written by the caller thread only. */
    int state = FREE;
    long sequence;
    int layer;
    long microbatch;
    int status;
    Throwable cause;
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

    PipelineSlot(BalancerPipeline owner, int index, ExpertLayout layout, TileStreamPacker packer) {
        this.owner = owner;
        this.index = index;
        this.loads = new int[layout.ranks() * layout.experts()];
        this.phy2log = new int[layout.physicalSlots()];
        this.packer = packer;
        this.tiles = packer.stream();
    }

    void fill(BalancedStep step) {
        ReplicationPlan p = step.plan();
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
        status = OK;
        cause = null;
    }

    void fail(Throwable t) {
        status = FAILED;
        cause = t;
    }

    void cancel() {
        status = CANCELLED;
        cause = null;
    }

    /** Submission order, from 0. */
    public long sequence() {
        held();
        return sequence;
    }

    /** Layer of the request. */
    public int layer() {
        held();
        return layer;
    }

    /** Microbatch the balancer gave the step. */
    public long microbatch() {
        result();
        return microbatch;
    }

    /** {@link #OK}, {@link #FAILED} or {@link #CANCELLED}. */
    public int status() {
        held();
        return status;
    }

    /**
     * Why the step did not complete: the message of {@link #cause()} (its class name when it has
     * none), a fixed sentence when {@link #CANCELLED}, null when {@link #OK}.
     */
    public String failure() {
        held();
        if (status == CANCELLED) {
            return CANCELLED_MESSAGE;
        }
        if (cause == null) {
            return null;
        }
        String m = cause.getMessage();
        return m != null ? m : cause.getClass().getName();
    }

    /** What the planning thread threw when {@link #FAILED}, else null. */
    public Throwable cause() {
        held();
        return cause;
    }

    /** Max/mean rank load with no replicas. */
    public double initialImbalance() {
        result();
        return initialImbalance;
    }

    /** Max/mean rank load under the plan. */
    public double imbalance() {
        result();
        return imbalance;
    }

    /** The domain lower bound over the mean. */
    public double lowerBoundImbalance() {
        result();
        return lowerBoundImbalance;
    }

    /** Replicas in the plan. */
    public int replicas() {
        result();
        return replicas;
    }

    /** Replica transfers. */
    public int transfers() {
        result();
        return transfers;
    }

    /** Bytes the relay trees move. */
    public long bytesMoved() {
        result();
        return bytesMoved;
    }

    /** Transfer makespan estimate in units of S / B. */
    public double makespanUnits() {
        result();
        return makespanUnits;
    }

    /** Transfer lower bound in units of S / B. */
    public double lowerBoundUnits() {
        result();
        return lowerBoundUnits;
    }

    /** Nanoseconds of the step on the planning thread. */
    public long stepNanos() {
        result();
        return stepNanos;
    }

    /** {@link System#nanoTime()} at submission. */
    public long submitNanos() {
        held();
        return submitNanos;
    }

    /** {@link System#nanoTime()} when the planning thread finished the step, or when {@code close()} cancelled it. */
    public long doneNanos() {
        held();
        return doneNanos;
    }

    /** Logical expert in physical slot {@code p}, or -1. */
    public int physicalToLogical(int p) {
        result();
        return phy2log[Checks.index("p", p, phy2log.length)];
    }

    /**
     * The step's task table (this slot's own segment).
     *
     * @throws IllegalStateException also once the pipeline is closed: {@code close()} frees every
     *     slot's segment
     */
    public TileStream tiles() {
        result();
        if (owner.isClosed()) {
            throw new IllegalStateException("slot " + index + ": the pipeline is closed and its task tables are freed");
        }
        return tiles;
    }

    private void held() {
        if (state != HELD) {
            throw new IllegalStateException("slot " + index + " is not held by the caller: read a slot between poll() and release()");
        }
    }

    private void result() {
        held();
        if (status != OK) {
            throw new IllegalStateException("step " + sequence + (status == FAILED ? " failed" : " was cancelled") + ": it has no result");
        }
    }
}
