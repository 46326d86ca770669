package io.keel.planners.rollout;

import io.keel.core.Checks;
import io.keel.core.IndexedHeap;

/**
 * Progressive-priority scheduling of one inference instance: trajectories that wait for a batch
 * slot come out longest predicted total first (LPT, as Heddle), and their priority follows every
 * new prediction ({@link #update}). Optional aging adds {@code agingTokensPerSecond} times the
 * seconds waited to a waiting trajectory's priority, so short ones cannot starve; since every
 * waiting trajectory ages at the same rate, the heap key is {@code predicted - aging *
 * enqueueTime} and never needs a sweep.
 *
 * <p>Running trajectories sit in a second heap, shortest predicted first, for the preemption
 * test: {@link #preemptionVictim} names the lowest running one when the best waiting one
 * outranks it by more than a relative margin.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates two {@link
 * IndexedHeap}s and three arrays of {@code capacity}; every call allocates nothing. Every
 * operation is O(log n).
 */
public final class ProgressiveScheduler {
    private final int capacity;
    private final double aging;
    private final IndexedHeap waiting;
    private final IndexedHeap running;
    private final double[] predicted;
    private final double[] enqueuedAt;

    /**
     * A scheduler for trajectory ids {@code [0, capacity)}; {@code agingTokensPerSecond >= 0}
     * (0 turns aging off).
     */
    public ProgressiveScheduler(int capacity, double agingTokensPerSecond) {
        this.capacity = Checks.nonNegative("capacity", capacity);
        this.aging = Checks.inRange("agingTokensPerSecond", agingTokensPerSecond, 0.0, Double.MAX_VALUE);
        waiting = new IndexedHeap(capacity, IndexedHeap.Order.MAX);
        running = new IndexedHeap(capacity, IndexedHeap.Order.MIN);
        predicted = new double[capacity];
        enqueuedAt = new double[capacity];
    }

    /** Ids accepted: {@code [0, capacity)}. */
    public int capacity() {
        return capacity;
    }

    /** Trajectories waiting for a slot. */
    public int waitingCount() {
        return waiting.size();
    }

    /** Trajectories marked running. */
    public int runningCount() {
        return running.size();
    }

    /** Whether {@code id} waits. */
    public boolean isWaiting(int id) {
        return waiting.contains(id);
    }

    /** Whether {@code id} runs. */
    public boolean isRunning(int id) {
        return running.contains(id);
    }

    /**
     * {@code id} is ready for its next LLM step at {@code nowSeconds} with a predicted total of
     * {@code predictedTokens}.
     *
     * @throws IllegalArgumentException if already waiting or running, or a value is negative/NaN
     */
    public void enqueue(int id, double predictedTokens, double nowSeconds) {
        Checks.index("id", id, capacity);
        checkTokens(predictedTokens);
        Checks.inRange("nowSeconds", nowSeconds, 0.0, Double.MAX_VALUE);
        if (waiting.contains(id) || running.contains(id)) {
            throw new IllegalArgumentException("id " + id + " is already scheduled");
        }
        predicted[id] = predictedTokens;
        enqueuedAt[id] = nowSeconds;
        waiting.insertDouble(id, predictedTokens - aging * nowSeconds);
    }

    /** New prediction for a waiting or running {@code id}. @throws IllegalArgumentException if neither */
    public void update(int id, double predictedTokens) {
        Checks.index("id", id, capacity);
        checkTokens(predictedTokens);
        if (waiting.contains(id)) {
            predicted[id] = predictedTokens;
            waiting.updateDouble(id, predictedTokens - aging * enqueuedAt[id]);
        } else if (running.contains(id)) {
            predicted[id] = predictedTokens;
            running.updateDouble(id, predictedTokens);
        } else {
            throw new IllegalArgumentException("id " + id + " is not scheduled");
        }
    }

    /** The waiting id that would run next, or -1. */
    public int peekNext() {
        return waiting.peek();
    }

    /** Takes the highest-priority waiting id and marks it running; -1 when none waits. */
    public int pollNext() {
        int id = waiting.poll();
        if (id >= 0) {
            running.insertDouble(id, predicted[id]);
        }
        return id;
    }

    /** {@code id} leaves the scheduler (step done or moved away); false if it was not in it. */
    public boolean remove(int id) {
        Checks.index("id", id, capacity);
        return waiting.remove(id) || running.remove(id);
    }

    /**
     * The running id to preempt: the running one with the shortest prediction, when the next
     * waiting one's prediction exceeds it by more than {@code margin} (relative, >= 0);
     * otherwise -1. Aging orders the queue but does not preempt: a preempted trajectory that
     * aged its way back could otherwise preempt its preemptor, and so on.
     */
    public int preemptionVictim(double margin) {
        Checks.inRange("margin", margin, 0.0, Double.MAX_VALUE);
        int w = waiting.peek();
        int r = running.peek();
        if (w < 0 || r < 0) {
            return -1;
        }
        return predicted[w] > predicted[r] * (1.0 + margin) ? r : -1;
    }

    /** Moves running {@code id} back to waiting, enqueued at {@code nowSeconds}. */
    public void preempt(int id, double nowSeconds) {
        Checks.index("id", id, capacity);
        Checks.inRange("nowSeconds", nowSeconds, 0.0, Double.MAX_VALUE);
        if (!running.contains(id)) {
            throw new IllegalArgumentException("id " + id + " is not running");
        }
        running.remove(id);
        enqueuedAt[id] = nowSeconds;
        waiting.insertDouble(id, predicted[id] - aging * nowSeconds);
    }

    /** The last prediction given for {@code id}. */
    public double predicted(int id) {
        return predicted[Checks.index("id", id, capacity)];
    }

    /** Empties both heaps. */
    public void clear() {
        waiting.clear();
        running.clear();
    }

    private static void checkTokens(double predictedTokens) {
        Checks.nonNegativeFinite("predictedTokens", predictedTokens);
    }
}
