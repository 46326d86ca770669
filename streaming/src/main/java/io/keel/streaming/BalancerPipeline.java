package io.keel.streaming;

import java.util.Objects;
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
 * <p>Nothing is lost: every request that {@code submit} accepted comes back from {@code poll}
 * exactly once, in submission order, as {@link PipelineSlot#OK}, {@link PipelineSlot#FAILED}
 * (with whatever the planning thread threw, not only bad loads) or {@link PipelineSlot#CANCELLED}
 * (still queued when {@link #close()} ran; polled after it). {@link #inFlight()} counts accepted
 * requests not yet released, exactly. Back-pressure, never a drop or an unbounded wait:
 * {@code submit} returns {@link #BACK_PRESSURED} when every slot is in flight or unreleased,
 * {@link #CLOSED} after {@code close()}. {@link #stop()} ends the planning thread once the step it
 * is running (if any) has finished and been published, and starts no other; queued requests stay
 * queued and {@link #start()} resumes them on a new thread. A slot handed to {@link #release} must
 * be one this pipeline's {@code poll} returned and that has not been released since (a stale or
 * foreign handle throws {@link IllegalArgumentException}).
 *
 * <p>Threading: one caller thread for {@code submit}, {@code poll}, {@code release},
 * {@code start}, {@code stop}, {@code close} and the slots' accessors, plus the pipeline's own
 * planning thread. Allocation: the constructor allocates the balancer, the slots (each with its
 * loads, its slot map and its own task-table segment) and both queues; {@code start} creates a
 * thread; steady state {@code submit}/{@code poll}/{@code release} and the planning loop allocate
 * nothing (a failed step keeps a reference to what was thrown).
 */
public final class BalancerPipeline implements AutoCloseable {
    /** {@code submit}: every slot is in flight or unreleased; poll and release, then retry. */
    public static final long BACK_PRESSURED = -1;
    /** {@code submit}: the pipeline is closed. */
    public static final long CLOSED = -2;

    /** Test seam: runs on the planning thread before each step; what it throws fails that step. */
    @FunctionalInterface
    interface StepHook {
        void beforeStep(long sequence, int layer) throws Throwable;
    }

    private final EpBalancer balancer;
    private final PipelineSlot[] slots;
    private final SpscAtomicArrayQueue<PipelineSlot> requests;
    private final SpscAtomicArrayQueue<PipelineSlot> results;
    private final IdleStrategy idle;
    private final StepHook hook;
    private final PlanningAgent agent = new PlanningAgent();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final int[] free;
    private final int loadsLength;
    private volatile boolean stopRequested;
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
        this(config, slots, idle, null);
    }

    BalancerPipeline(EpBalancer.Config config, int slots, IdleStrategy idle, StepHook hook) {
        Objects.requireNonNull(config, "config");
        Checks.inRange("slots", slots, 1, 4096);
        this.idle = Objects.requireNonNull(idle, "idle");
        this.hook = hook;
        this.balancer = new EpBalancer(config);
        this.slots = new PipelineSlot[slots];
        this.free = new int[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = new PipelineSlot(this, i, config.layout(), balancer.newPacker());
            free[i] = slots - 1 - i;
        }
        freeCount = slots;
        loadsLength = config.layout().ranks() * config.layout().experts();
        // Each queue can hold every slot, so a publish never fails.
        requests = new SpscAtomicArrayQueue<>(slots);
        results = new SpscAtomicArrayQueue<>(slots);
    }

    /** Starts the planning thread (no-op when running). @throws IllegalStateException after {@link #close()} */
    public void start() {
        if (closed) {
            throw new IllegalStateException("pipeline is closed");
        }
        if (runner == null) {
            stopRequested = false;
            runner = new AgentRunner(idle, this::onError, null, agent);
            thread = AgentRunner.startOnThread(runner);
        }
    }

    /**
     * Stops the planning thread and waits for it: a step it is running finishes and is published
     * (pollable), no further step starts. Queued requests stay queued for {@link #start()} (or
     * are cancelled by {@link #close()}). No-op when not running.
     */
    public void stop() {
        if (runner != null) {
            stopRequested = true;
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

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Queues a step of {@code layer} with a copy of {@code loads[s * E + e]}. Returns its sequence
     * number (>= 0), {@link #BACK_PRESSURED} when no slot is free, or {@link #CLOSED}.
     *
     * @throws NullPointerException when {@code loads} is null (message {@code "loads"})
     * @throws IllegalArgumentException when {@code loads} has the wrong length (other problems of
     *     the loads, and the layer, come back as a {@link PipelineSlot#FAILED} result)
     */
    public long submit(int layer, int[] loads) {
        Objects.requireNonNull(loads, "loads");
        Checks.sameLength("loads", loads.length, loadsLength);
        if (closed) {
            return CLOSED;
        }
        if (freeCount == 0) {
            return BACK_PRESSURED;
        }
        PipelineSlot s = slots[free[--freeCount]];
        s.state = PipelineSlot.QUEUED;
        System.arraycopy(loads, 0, s.loads, 0, loadsLength);
        s.layer = layer;
        s.sequence = nextSequence++;
        s.submitNanos = System.nanoTime();
        requests.offer(s);
        return s.sequence;
    }

    /**
     * The next finished step in submission order, or null; the slot is the caller's until
     * released. After {@link #close()} it returns the steps finished before it, then the cancelled
     * ones.
     */
    public PipelineSlot poll() {
        PipelineSlot s = results.relaxedPoll();
        if (s != null) {
            s.state = PipelineSlot.HELD;
        }
        return s;
    }

    /**
     * Returns a polled slot to the pipeline (also after {@link #close()}).
     *
     * @throws NullPointerException when {@code slot} is null (message {@code "slot"})
     * @throws IllegalArgumentException for a slot of another pipeline, or a stale handle: one not
     *     returned by {@code poll} since it was last released (already released, or resubmitted
     *     and not yet polled again)
     */
    public void release(PipelineSlot slot) {
        Objects.requireNonNull(slot, "slot");
        if (slot.owner != this) {
            throw new IllegalArgumentException("slot " + slot.index + " is not one of this pipeline's");
        }
        if (slot.state != PipelineSlot.HELD) {
            throw new IllegalArgumentException("slot " + slot.index + " is not held by the caller: "
                    + (slot.state == PipelineSlot.FREE ? "already released" : "a stale handle, its slot is queued again"));
        }
        slot.state = PipelineSlot.FREE;
        free[freeCount++] = slot.index;
    }

    /** Requests accepted by {@code submit} and not yet released: queued, planned, or held. */
    public int inFlight() {
        return slots.length - freeCount;
    }

    /** Slots in all. */
    public int capacity() {
        return slots.length;
    }

    /** The last error the planning thread hit outside a step (in its idle strategy), or null. */
    public Throwable lastError() {
        return error.get();
    }

    /** The planning thread while running (for diagnostics and tests), else null. */
    Thread planningThread() {
        return thread;
    }

    /** Whether {@link #stop()} has asked the planning thread to end (tests). */
    boolean stopRequested() {
        return stopRequested;
    }

    /**
     * Stops the planning thread, turns every request still queued into a
     * {@link PipelineSlot#CANCELLED} result (pollable after the steps finished before, in order),
     * and frees every segment, so the task tables of results polled afterwards are gone
     * ({@link PipelineSlot#tiles()} throws); their other results stay readable until released.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        PipelineSlot s;
        while ((s = requests.relaxedPoll()) != null) {
            s.cancel();
            s.doneNanos = System.nanoTime();
            results.offer(s);
        }
        for (PipelineSlot slot : slots) {
            slot.packer.close();
        }
        balancer.close();
    }

    private void onError(Throwable t) {
        error.set(t);
    }

    /** The planning loop: one step per call, so a stop request is seen between any two steps. */
    private final class PlanningAgent implements Agent {
        @Override
        public int doWork() {
            if (stopRequested) {
                return 0;
            }
            PipelineSlot s = requests.relaxedPoll();
            if (s == null) {
                return 0;
            }
            plan(s);
            s.doneNanos = System.nanoTime();
            results.offer(s);
            return 1;
        }

        private void plan(PipelineSlot s) {
            try {
                if (hook != null) {
                    hook.beforeStep(s.sequence, s.layer);
                }
                s.fill(balancer.step(s.layer, s.loads, s.packer));
            } catch (Throwable t) {
                // Whatever was thrown ends this request, never the thread or the request's slot.
                s.fail(t);
            }
        }

        @Override
        public String roleName() {
            return "keel-ep-planner";
        }
    }
}
