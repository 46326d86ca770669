package io.keel.streaming;

import java.util.concurrent.atomic.AtomicReference;

import io.keel.core.Checks;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;

/**
 * Runs {@link EpBalancer#step} on a dedicated planning thread so that planning overlaps the
 * caller's other work. The caller {@link #submit}s a layer's loads into one of {@code slots}
 * preallocated {@link PipelineSlot}s; the planning thread (an Agrona agent under an
 * {@link AgentRunner} with a configurable {@link IdleStrategy}) takes requests from a JCTools SPSC
 * queue in order, plans, and publishes the filled slot on a second SPSC queue; the caller
 * {@link #poll()}s results in submission order and {@link #release}s each slot when done with it.
 *
 * <p>Back-pressure, never a drop or an unbounded wait: {@code submit} returns
 * {@link #BACK_PRESSURED} when every slot is in flight or unreleased, {@link #CLOSED} after
 * {@link #close()}. {@link #stop()} ends the planning thread after its current step; queued
 * requests stay queued and {@link #start()} resumes them on a new thread.
 *
 * <p>Threading: one caller thread for {@code submit}, {@code poll}, {@code release},
 * {@code start}, {@code stop} and {@code close}, plus the pipeline's own planning thread.
 * Allocation: the constructor allocates the balancer, the slots (each with its loads, its slot
 * map and its own task-table segment) and both queues; {@code start} creates a thread; steady
 * state {@code submit}/{@code poll}/{@code release} and the planning loop allocate nothing.
 */
public final class BalancerPipeline implements AutoCloseable {
    /** {@code submit}: every slot is in flight or unreleased; poll and release, then retry. */
    public static final long BACK_PRESSURED = -1;
    /** {@code submit}: the pipeline is closed. */
    public static final long CLOSED = -2;

    private final EpBalancer balancer;
    private final PipelineSlot[] slots;
    private final SpscAtomicArrayQueue<PipelineSlot> requests;
    private final SpscAtomicArrayQueue<PipelineSlot> results;
    private final IdleStrategy idle;
    private final PlanningAgent agent = new PlanningAgent();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final int[] free;
    private final int loadsLength;
    private int freeCount;
    private long nextSequence;
    private AgentRunner runner;
    private Thread thread;
    private boolean closed;

    /** A pipeline with {@code slots} slots and Agrona's default back-off idle strategy. */
    public BalancerPipeline(EpBalancer.Config config, int slots) {
        this(config, slots, new BackoffIdleStrategy());
    }

    /**
     * A pipeline for {@code config} with {@code slots} request/result slots (1 .. 4096) whose
     * planning thread idles with {@code idle}. Not started: call {@link #start()}.
     * (Agrona is an automatic module: callers on the module path that pass their own strategy
     * {@code requires org.agrona} themselves.)
     */
    @SuppressWarnings("exports")
    public BalancerPipeline(EpBalancer.Config config, int slots, IdleStrategy idle) {
        Checks.inRange("slots", slots, 1, 4096);
        this.idle = Checks.notNull("idle", idle);
        this.balancer = new EpBalancer(config);
        this.slots = new PipelineSlot[slots];
        this.free = new int[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = new PipelineSlot(i, config.layout(), balancer.newPacker());
            free[i] = slots - 1 - i;
        }
        freeCount = slots;
        loadsLength = config.layout().ranks() * config.layout().experts();
        // Each queue can hold every slot, so a publish never fails.
        requests = new SpscAtomicArrayQueue<>(slots);
        results = new SpscAtomicArrayQueue<>(slots);
    }

    /** Starts the planning thread (no-op when running). */
    public void start() {
        if (closed) {
            throw new IllegalStateException("pipeline is closed");
        }
        if (runner == null) {
            runner = new AgentRunner(idle, this::onError, null, agent);
            thread = AgentRunner.startOnThread(runner);
        }
    }

    /** Stops the planning thread after its current step and waits for it; queued requests stay queued. */
    public void stop() {
        if (runner != null) {
            runner.close();
            // close() does not wait for a thread that has not reached its loop yet: join it.
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            runner = null;
            thread = null;
        }
    }

    /** Whether the planning thread is running. */
    public boolean isRunning() {
        return runner != null;
    }

    /**
     * Queues a step of {@code layer} with a copy of {@code loads[s * E + e]}. Returns its sequence
     * number (>= 0), {@link #BACK_PRESSURED} when no slot is free, or {@link #CLOSED}.
     *
     * @throws IllegalArgumentException when {@code loads} has the wrong length (other problems of
     *     the loads come back as a {@link PipelineSlot#FAILED} result)
     */
    public long submit(int layer, int[] loads) {
        Checks.notNull("loads", loads);
        Checks.sameLength("loads", loads.length, loadsLength);
        if (closed) {
            return CLOSED;
        }
        if (freeCount == 0) {
            return BACK_PRESSURED;
        }
        PipelineSlot s = slots[free[--freeCount]];
        s.free = false;
        System.arraycopy(loads, 0, s.loads, 0, loadsLength);
        s.layer = layer;
        s.sequence = nextSequence++;
        s.submitNanos = System.nanoTime();
        requests.offer(s);
        return s.sequence;
    }

    /** The next finished step in submission order, or null; the slot is the caller's until released. */
    public PipelineSlot poll() {
        return results.relaxedPoll();
    }

    /**
     * Returns a polled slot to the pipeline.
     *
     * @throws IllegalArgumentException for a slot of another pipeline or one already released
     */
    public void release(PipelineSlot slot) {
        Checks.notNull("slot", slot);
        if (slots[slot.index] != slot) {
            throw new IllegalArgumentException("slot is not one of this pipeline's");
        }
        if (slot.free) {
            throw new IllegalArgumentException("slot " + slot.index + " is already released");
        }
        slot.free = true;
        free[freeCount++] = slot.index;
    }

    /** Slots submitted and not yet released. */
    public int inFlight() {
        return slots.length - freeCount;
    }

    /** Slots in all. */
    public int capacity() {
        return slots.length;
    }

    /** The last error the planning thread hit outside a step's validation, or null. */
    public Throwable lastError() {
        return error.get();
    }

    /** The planning thread while running (for diagnostics and tests), else null. */
    Thread planningThread() {
        return thread;
    }

    /** Stops the planning thread and frees every segment. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        for (PipelineSlot s : slots) {
            s.packer.close();
        }
        balancer.close();
    }

    private void onError(Throwable t) {
        error.set(t);
    }

    /** The planning loop: drains requests in order, one step each. */
    private final class PlanningAgent implements Agent {
        @Override
        public int doWork() {
            int work = 0;
            PipelineSlot s;
            while (work < 16 && (s = requests.relaxedPoll()) != null) {
                try {
                    s.fill(balancer.step(s.layer, s.loads, s.packer));
                } catch (IllegalArgumentException e) {
                    s.fail(e.getMessage());
                }
                s.doneNanos = System.nanoTime();
                results.offer(s);
                work++;
            }
            return work;
        }

        @Override
        public String roleName() {
            return "keel-ep-planner";
        }
    }
}
