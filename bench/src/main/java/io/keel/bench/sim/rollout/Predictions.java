package io.keel.bench.sim.rollout;

import io.keel.core.ArgSort;
import io.keel.planners.rollout.LogHistogram;
import io.keel.planners.rollout.RuntimePredictor;

/**
 * What keel's policy believes about each trajectory: its {@link RuntimePredictor} (kept across
 * training steps), the global mean when the predictor is switched off, or the true lengths for
 * the oracle variant; plus the tool-time history and the context growth per step that the
 * residency test and migration use. Baselines carry one too and never ask it anything.
 *
 * <p>Single-threaded; allocates only at construction.
 */
final class Predictions {
    private static final int HISTORY_PER_GROUP = 64;
    private static final int TRACKED_STEPS = 128;
    /**
     * Finished trajectories after which a cold gate charges their mean plus one deviation instead
     * of the context cap. A fixed count, because what an estimate of a mean and a deviation needs
     * is a sample, not a share of the rollout: it was {@code max(16, n / 20)}, which at 9,008
     * short trajectories on 64 GPUs kept the cap (5-10x their real contexts) until 450 had
     * finished, and made keel's cold step 11% slower than the baselines' (bench/RESULTS.md).
     */
    static final int COLD_SAMPLE = 16;

    private final Policy policy;
    private final RuntimePredictor predictor;
    private final LogHistogram tools = new LogHistogram();
    private RolloutWorkload w;
    private double growthSum;
    private long growthSteps;
    private double meanTotal;
    private double meanSteps;
    private long completed;
    private double totalSum;
    private double stepSum;
    private double contextSum;
    private double meanContext = Double.NaN;
    private double tailThreshold = Double.POSITIVE_INFINITY;
    private boolean mature;
    /** Output tokens of the trajectories completed in this training step, and in the one before. */
    private double[] observed;
    private double[] previous;
    private int observedCount;
    private int previousCount;
    /** Final contexts of the trajectories finished in this training step: count, sum, sum of squares. */
    private int rolloutFinished;
    private double rolloutFinalSum;
    private double rolloutFinalSquares;

    Predictions(Policy policy, int maxGroups, int maxTrajectories) {
        this.policy = policy;
        this.predictor = policy.isKeel() ? new RuntimePredictor(maxGroups, HISTORY_PER_GROUP, maxTrajectories, TRACKED_STEPS) : null;
        this.observed = new double[policy.isKeel() ? maxTrajectories : 0];
        this.previous = new double[observed.length];
    }

    /** A new training step over {@code workload}: every trajectory starts. */
    void newRollout(RolloutWorkload workload) {
        this.w = workload;
        if (predictor == null) {
            return;
        }
        predictor.newRollout();
        rolloutFinished = 0;
        rolloutFinalSum = 0;
        rolloutFinalSquares = 0;
        double[] swap = previous;
        previous = observed;
        observed = swap;
        previousCount = policy.history() ? observedCount : 0;
        observedCount = 0;
        if (!policy.history()) {
            predictor.clearHistory();
            tools.clear();
            growthSum = 0;
            growthSteps = 0;
            completed = 0;
            totalSum = 0;
            stepSum = 0;
            contextSum = 0;
        }
        meanTotal = completed == 0 ? 0 : totalSum / completed;
        meanContext = completed == 0 ? Double.NaN : contextSum / completed;
        meanSteps = completed == 0 ? 0 : stepSum / completed;
        mature = policy.oracle() || completed > 0;
        double[] p = new double[workload.trajectories()];
        for (int t = 0; t < workload.trajectories(); t++) {
            predictor.start(t, workload.group(t));
            p[t] = predictedTotal(t);
        }
        java.util.Arrays.sort(p);
        tailThreshold = completed == 0 ? Double.POSITIVE_INFINITY : p[(int) (0.8 * p.length)];
    }

    /**
     * Whether this rollout's predictions come from history (or are the oracle's): a cold
     * predictor's guesses are the same for every trajectory, so the policies that act on them
     * (memory-aware residency) fall back to the baselines' load-driven rules until then.
     */
    boolean mature() {
        return mature;
    }

    /** Whether {@code t} is predicted among the longest 20% of this rollout (never before any history). */
    boolean inTail(int t) {
        return predictedTotal(t) >= tailThreshold;
    }

    /** Mean final context of the trajectories completed before this training step (NaN before any). */
    double meanFinalContext() {
        return meanContext;
    }

    /** Mean output tokens of the trajectories completed before this training step. */
    double meanTotal() {
        return meanTotal;
    }

    /** The predictor (null for baselines). */
    RuntimePredictor predictor() {
        return predictor;
    }

    /**
     * The scheduler's priority of {@code t}: its predicted total output tokens (longest first),
     * or 0 for all when priority is off or the predictions are not {@link #mature()} (the
     * scheduler's aging then serves them FCFS).
     */
    double priority(int t) {
        return policy.priority() && mature ? predictedTotal(t) : 0.0;
    }

    double predictedTotal(int t) {
        if (policy.oracle()) {
            return w.totalTokens(t);
        }
        if (!policy.predictor()) {
            return Math.max(meanTotal, predictor.tokensDone(t));
        }
        return predictor.predictedTotalTokens(t);
    }

    double predictedRemainingTokens(int t) {
        return Math.max(0.0, predictedTotal(t) - predictor.tokensDone(t));
    }

    double predictedRemainingSteps(int t) {
        if (policy.oracle()) {
            return w.steps(t) - predictor.stepsDone(t);
        }
        if (!policy.predictor()) {
            return Math.max(1.0, meanSteps - predictor.stepsDone(t));
        }
        return predictor.predictedRemainingSteps(t);
    }

    /** How much keeping {@code t}'s KV resident is worth: its predicted remaining tokens. */
    double keepValue(int t) {
        return predictedRemainingTokens(t);
    }

    /** Tokens a step adds to a context on average (output + observation), from history; the prompt before any. */
    double growthPerStep() {
        return growthSteps == 0 ? w.params().promptTokens() : growthSum / growthSteps;
    }

    /** Predicted peak context of a started trajectory: now plus its predicted remaining growth, at most the cap. */
    double predictedPeak(SimulatedRollout sim, int t) {
        return predictedPeak(t, sim.ctx[t]);
    }

    private double predictedPeak(int t, double context) {
        return Math.min(w.params().contextCap(), context + predictedRemainingSteps(t) * growthPerStep());
    }

    /**
     * Whether new trajectory {@code t} may start on {@code j}: the predicted peak contexts of the
     * trajectories already started there, plus {@code t}'s, fit its KV capacity.
     */
    boolean peakFits(SimulatedRollout sim, int j, int t) {
        double sum = predictedPeak(sim, t);
        int started = 0;
        for (int i = 0; i < sim.homedCount(j); i++) {
            int u = sim.homed(j, i);
            if (sim.admitted[u] > 0 && sim.phase[u] != SimulatedRollout.DONE) {
                started++;
                if (u != t) {
                    sum += predictedPeak(sim, u);
                }
            }
        }
        return sum <= sim.capacity(j) || started == 0;
    }

    /**
     * The admission gate's budget as a multiple of the cluster's KV capacity, for the kind of peak
     * it charges (chosen by a sweep on the loaded swe cells, bench/RESULTS.md): 1.5 for predicted
     * peaks, 1.25 for the oracle's true final contexts (predicted peaks run above them), and 1.75
     * without history, whose estimates start at the context cap. Beyond about 1.75 on predicted
     * peaks the caches thrash, as the baselines do without a concurrency limit.
     */
    double gateBudget() {
        if (policy.oracle()) {
            return 1.25;
        }
        return mature ? 1.5 : 1.75;
    }

    /**
     * The peak context the admission gate charges {@code t}: the oracle's true final context;
     * with history, its {@link #predictedPeak}; without, the context cap until {@link
     * #COLD_SAMPLE} trajectories of this training step have finished, then the mean plus one
     * standard deviation of their final contexts (early finishers are the short ones; the
     * deviation pads that bias), and never less than its context now.
     */
    double gatePeak(SimulatedRollout sim, int t) {
        return gatePeak(t, sim.ctx[t]);
    }

    /** {@link #gatePeak(SimulatedRollout, int)} for {@code t} at {@code context} tokens now. */
    private double gatePeak(int t, double context) {
        if (policy.oracle()) {
            return w.finalContext(t);
        }
        if (mature) {
            return predictedPeak(t, context);
        }
        int cap = w.params().contextCap();
        double estimate = cap;
        if (rolloutFinished >= COLD_SAMPLE) {
            double mean = rolloutFinalSum / rolloutFinished;
            double sd = Math.sqrt(Math.max(0.0, rolloutFinalSquares / rolloutFinished - mean * mean));
            estimate = Math.min(cap, mean + sd);
        }
        return Math.max(context, estimate);
    }

    /**
     * Whether the admission gate will hold some trajectories back at the start of this rollout on
     * a cluster of {@code clusterKvTokens}: their gate peaks from the prompt exceed the budget.
     * The rollout then runs in waves, and keel routes its steps by load.
     */
    boolean gateHolds(double clusterKvTokens) {
        double demand = 0;
        for (int t = 0; t < w.trajectories(); t++) {
            demand += gatePeak(t, w.params().promptTokens());
        }
        return demand > gateBudget() * clusterKvTokens;
    }

    /**
     * The order the gate starts trajectories in: with history (and priority on), longest
     * {@link #predictedRuntime} first, so the trajectories that set the makespan start at once;
     * otherwise by index (first come, first served).
     */
    int[] releaseOrder(SimulatedRollout sim) {
        int n = w.trajectories();
        int[] order = new int[n];
        if (!mature || !policy.priority()) {
            for (int t = 0; t < n; t++) {
                order[t] = t;
            }
            return order;
        }
        double[] runtime = new double[n];
        double tokenSeconds = SimulatedRollout.loadedTokenSeconds(sim.cost[0]);
        for (int t = 0; t < n; t++) {
            runtime[t] = predictedRuntime(t, tokenSeconds);
        }
        new ArgSort(n).sort(runtime, n, order, true);
        return order;
    }

    /**
     * Predicted seconds {@code t} runs: its output tokens at {@code tokenSeconds} each plus its
     * tool calls (the oracle's true ones; else its predicted steps at the mean tool time so far).
     * Ranking by runtime rather than by output tokens puts the many-step, tool-heavy trajectories
     * with few tokens where they belong.
     */
    double predictedRuntime(int t, double tokenSeconds) {
        if (policy.oracle()) {
            double tool = 0;
            for (int s = 0; s + 1 < w.steps(t); s++) {
                tool += w.toolSeconds(t, s);
            }
            return w.totalTokens(t) * tokenSeconds + tool;
        }
        return predictedTotal(t) * tokenSeconds + Math.max(0.0, predictedRemainingSteps(t) - 1) * meanToolSeconds();
    }

    /**
     * The share of a trajectory's life spent decoding rather than in tool calls, from history:
     * mean output tokens at {@code tokenSeconds} each against the mean steps' tool time (1
     * without history).
     */
    double decodeShare(double tokenSeconds) {
        double decode = meanTotal * tokenSeconds;
        double tool = Math.max(0.0, meanSteps - 1) * meanToolSeconds();
        return decode <= 0 ? 1.0 : decode / (decode + tool);
    }

    /** Mean seconds of the tool calls seen so far (0 before any). */
    private double meanToolSeconds() {
        return tools.count() == 0 ? 0.0 : tools.mean();
    }

    int stepsDone(int t) {
        return predictor == null ? 0 : predictor.stepsDone(t);
    }

    void observeStep(SimulatedRollout sim, int t, int produced) {
        if (predictor == null) {
            return;
        }
        predictor.observeStep(t, produced);
        int s = sim.step[t] - 1;
        growthSum += produced + w.observationTokens(t, s);
        growthSteps++;
    }

    void complete(SimulatedRollout sim, int t) {
        if (predictor == null) {
            return;
        }
        predictor.complete(t);
        rolloutFinished++;
        rolloutFinalSum += w.finalContext(t);
        rolloutFinalSquares += (double) w.finalContext(t) * w.finalContext(t);
        observed[observedCount++] = w.totalTokens(t);
        completed++;
        totalSum += w.totalTokens(t);
        stepSum += w.steps(t);
        contextSum += w.finalContext(t);
        int g = w.group(t);
        int size = w.params().groupSize();
        for (int u = g * size; u < Math.min(sim.n, (g + 1) * size); u++) {
            if (sim.phase[u] != SimulatedRollout.DONE) {
                predictor.refresh(u);
                sim.reprioritise(u);
                sim.repeak(u);
            }
        }
    }

    /**
     * The lengths to choose the instances' shape from: the output tokens the previous training
     * step's trajectories of the same prompts really took (history, with its real tail), or this
     * step's predictions when there is no such step or for the oracle. Per-trajectory predictions
     * regress toward their group's mean, which flattens the tail the makespan depends on.
     */
    double[] shapeLengths(double[] predictions) {
        if (policy.oracle() || previousCount == 0) {
            return predictions;
        }
        return java.util.Arrays.copyOf(previous, previousCount);
    }

    void recordTool(double seconds) {
        if (predictor != null) {
            tools.record(seconds);
        }
    }

    /** Expected seconds left of a tool call that has run {@code elapsed} seconds (NaN without history). */
    double toolResidual(double elapsed) {
        return tools.meanResidual(elapsed);
    }
}
