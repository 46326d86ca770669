package io.keel.planners.rollout;

import java.util.Arrays;

import io.keel.core.ArgSort;
import io.keel.core.Checks;

/**
 * Online prediction of how much longer a running trajectory will take, in LLM steps and output
 * tokens, from what it has done so far and from completed trajectories: its prompt group (the
 * GRPO siblings of one prompt, in this rollout and earlier ones) and everything globally.
 *
 * <p>Remaining steps are a mean residual life {@code E[S - s | S > s]} after {@code s} done
 * steps: over the siblings that lasted longer than {@code s}, and over a global {@link
 * LogHistogram}, blended with weight {@code c / (c + 2)} on the siblings where {@code c} of
 * them survive. Tokens per step are the trajectory's own running rate shrunk toward a prior
 * ({@code (s * own + 3 * prior) / (s + 3)}), the prior being the group's rate and the global
 * rate blended with weight {@code h / (h + 2)} on the group's, where {@code h} is the number of
 * the group's completed trajectories kept. Remaining tokens are remaining steps times that rate.
 * When no completed trajectory, in the group or globally, lasted longer than {@code s} steps
 * (with no history at all, among others) the predictor assumes the trajectory is half done:
 * {@code max(1, s)} steps to go.
 *
 * <p>The predictor grades itself: every prediction is kept by step index (the number of steps
 * done when it was made), and {@link #quality()} reports per step index the tail-20% recall
 * (among the trajectories still running at that step, and over the whole rollout with finished
 * ones at their known length) and the Pearson correlation of predicted against actual total
 * tokens.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates history rings
 * of {@code historyPerGroup} per group, per-trajectory state, a {@code maxTrackedSteps x
 * maxTrajectories} float table of predictions and sort scratch; every later call allocates
 * nothing.
 */
public final class RuntimePredictor {
    private static final double SIBLING_PRIOR = 2.0;
    private static final double RATE_PRIOR = 3.0;
    private static final int MIN_QUALITY_SAMPLES = 5;

    private final int maxGroups;
    private final int historyPerGroup;
    private final int maxTrajectories;
    private final int maxTrackedSteps;

    private final LogHistogram globalSteps = new LogHistogram();
    /** The largest array the constructor makes (some JVMs reserve a few header words). */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private long globalTokenSum;
    private long globalStepSum;
    private final int[] historySteps;
    private final long[] historyTokens;
    private final long[] historyRecorded;

    private final int[] group;
    private final int[] steps;
    private final long[] tokens;
    /** 0 idle, 1 running, 2 completed. */
    private final byte[] state;
    private final double[] remainingSteps;
    private final double[] remainingTokens;

    private final float[] predictions;
    private final long[] actualTokens;
    private final Quality quality;

    /**
     * A predictor for group ids {@code [0, maxGroups)} keeping the last {@code historyPerGroup}
     * completions per group, trajectory ids {@code [0, maxTrajectories)}, grading predictions
     * made at step indices {@code [0, maxTrackedSteps)}.
     */
    public RuntimePredictor(int maxGroups, int historyPerGroup, int maxTrajectories, int maxTrackedSteps) {
        this.maxGroups = Checks.positive("maxGroups", maxGroups);
        this.historyPerGroup = Checks.positive("historyPerGroup", historyPerGroup);
        this.maxTrajectories = Checks.positive("maxTrajectories", maxTrajectories);
        this.maxTrackedSteps = Checks.positive("maxTrackedSteps", maxTrackedSteps);
        if ((long) maxGroups * historyPerGroup > MAX_ARRAY) {
            throw new IllegalArgumentException("maxGroups x historyPerGroup must be <= " + MAX_ARRAY + ", was "
                    + (long) maxGroups * historyPerGroup);
        }
        if ((long) maxTrackedSteps * maxTrajectories > MAX_ARRAY) {
            throw new IllegalArgumentException("maxTrackedSteps x maxTrajectories must be <= " + MAX_ARRAY + ", was "
                    + (long) maxTrackedSteps * maxTrajectories);
        }
        historySteps = new int[maxGroups * historyPerGroup];
        historyTokens = new long[maxGroups * historyPerGroup];
        historyRecorded = new long[maxGroups];
        group = new int[maxTrajectories];
        steps = new int[maxTrajectories];
        tokens = new long[maxTrajectories];
        state = new byte[maxTrajectories];
        remainingSteps = new double[maxTrajectories];
        remainingTokens = new double[maxTrajectories];
        predictions = new float[maxTrackedSteps * maxTrajectories];
        Arrays.fill(predictions, Float.NaN);
        actualTokens = new long[maxTrajectories];
        quality = new Quality();
    }

    /**
     * Records a completed trajectory of {@code group} (from this rollout or an earlier one):
     * its total output tokens and LLM steps.
     */
    public void recordCompleted(int group, long totalTokens, int totalSteps) {
        Checks.index("group", group, maxGroups);
        Checks.nonNegative("totalTokens", totalTokens);
        Checks.positive("totalSteps", totalSteps);
        if (totalTokens > Long.MAX_VALUE - globalTokenSum) {
            throw new IllegalArgumentException("totalTokens would overflow the history's token sum ("
                    + globalTokenSum + " so far), was " + totalTokens);
        }
        int slot = group * historyPerGroup + (int) (historyRecorded[group] % historyPerGroup);
        historySteps[slot] = totalSteps;
        historyTokens[slot] = totalTokens;
        historyRecorded[group]++;
        globalSteps.record(totalSteps);
        globalTokenSum += totalTokens;
        globalStepSum += totalSteps;
    }

    /** Starts tracking {@code trajectory} of {@code group} with nothing done; predicts it. */
    public void start(int trajectory, int group) {
        Checks.index("trajectory", trajectory, maxTrajectories);
        Checks.index("group", group, maxGroups);
        if (state[trajectory] == 1) {
            throw new IllegalArgumentException("trajectory " + trajectory + " is already running");
        }
        this.group[trajectory] = group;
        steps[trajectory] = 0;
        tokens[trajectory] = 0;
        state[trajectory] = 1;
        actualTokens[trajectory] = -1;
        for (int k = 0; k < maxTrackedSteps; k++) {
            predictions[k * maxTrajectories + trajectory] = Float.NaN;
        }
        predict(trajectory);
    }

    /** One more LLM step of {@code trajectory} produced {@code stepTokens}; re-predicts it. */
    public void observeStep(int trajectory, int stepTokens) {
        requireRunning(trajectory);
        Checks.nonNegative("stepTokens", stepTokens);
        steps[trajectory]++;
        tokens[trajectory] += stepTokens;
        predict(trajectory);
    }

    /**
     * Re-predicts a running trajectory from the current history (call after siblings complete);
     * returns the predicted total tokens. Not graded: only step observations are.
     */
    public double refresh(int trajectory) {
        requireRunning(trajectory);
        compute(trajectory);
        return predictedTotalTokens(trajectory);
    }

    /** {@code trajectory} finished: its totals join its group's and the global history. */
    public void complete(int trajectory) {
        requireRunning(trajectory);
        if (steps[trajectory] == 0) {
            throw new IllegalArgumentException("trajectory " + trajectory + " completed with no step observed");
        }
        state[trajectory] = 2;
        actualTokens[trajectory] = tokens[trajectory];
        // The prediction made after the last step was made before anyone knew it was the last:
        // at that step index the trajectory is finished, not running, so it is not graded.
        int k = steps[trajectory];
        if (k < maxTrackedSteps) {
            predictions[k * maxTrajectories + trajectory] = Float.NaN;
        }
        remainingSteps[trajectory] = 0;
        remainingTokens[trajectory] = 0;
        recordCompleted(group[trajectory], tokens[trajectory], steps[trajectory]);
    }

    /** Forgets every trajectory and every graded prediction; keeps the history. */
    public void newRollout() {
        Arrays.fill(state, (byte) 0);
        Arrays.fill(predictions, Float.NaN);
        Arrays.fill(actualTokens, -1);
    }

    /** Forgets the history too. */
    public void clearHistory() {
        globalSteps.clear();
        globalTokenSum = 0;
        globalStepSum = 0;
        Arrays.fill(historyRecorded, 0);
    }

    /** Predicted output tokens still to come (0 once completed). */
    public double predictedRemainingTokens(int trajectory) {
        requireKnown(trajectory);
        return remainingTokens[trajectory];
    }

    /** Predicted LLM steps still to come (0 once completed). */
    public double predictedRemainingSteps(int trajectory) {
        requireKnown(trajectory);
        return remainingSteps[trajectory];
    }

    /** Tokens done plus predicted remaining tokens. */
    public double predictedTotalTokens(int trajectory) {
        requireKnown(trajectory);
        return tokens[trajectory] + remainingTokens[trajectory];
    }

    /** Steps observed so far. */
    public int stepsDone(int trajectory) {
        requireKnown(trajectory);
        return steps[trajectory];
    }

    /** Tokens observed so far. */
    public long tokensDone(int trajectory) {
        requireKnown(trajectory);
        return tokens[trajectory];
    }

    /** Completed trajectories recorded, globally. */
    public long historyCount() {
        return globalSteps.count();
    }

    /** Grades the predictions made so far; the view is valid until the next call. */
    public Quality quality() {
        quality.compute();
        return quality;
    }

    private void predict(int t) {
        compute(t);
        int k = steps[t];
        if (k < maxTrackedSteps) {
            predictions[k * maxTrajectories + t] = (float) (tokens[t] + remainingTokens[t]);
        }
    }

    private void compute(int t) {
        final int s = steps[t];
        final long x = tokens[t];
        final int g = group[t];
        final int h = (int) Math.min(historyRecorded[g], historyPerGroup);
        final int base = g * historyPerGroup;
        int survivors = 0;
        long survivorSteps = 0;
        long groupSteps = 0;
        long groupTokens = 0;
        for (int i = 0; i < h; i++) {
            int hs = historySteps[base + i];
            groupSteps += hs;
            groupTokens += historyTokens[base + i];
            if (hs > s) {
                survivors++;
                survivorSteps += hs;
            }
        }
        double global = globalSteps.meanResidual(s);
        double rs;
        if (survivors > 0) {
            double own = (double) survivorSteps / survivors - s;
            double w = survivors / (survivors + SIBLING_PRIOR);
            rs = Double.isNaN(global) ? own : w * own + (1 - w) * global;
        } else if (!Double.isNaN(global)) {
            rs = global;
        } else {
            rs = Math.max(1.0, s);
        }
        double prior;
        double globalRate = globalStepSum == 0 ? Double.NaN : (double) globalTokenSum / globalStepSum;
        if (groupSteps > 0) {
            double groupRate = (double) groupTokens / groupSteps;
            double w = h / (h + SIBLING_PRIOR);
            prior = Double.isNaN(globalRate) ? groupRate : w * groupRate + (1 - w) * globalRate;
        } else {
            prior = globalRate;
        }
        double rate;
        if (Double.isNaN(prior)) {
            rate = s == 0 ? 0.0 : (double) x / s;
        } else {
            rate = s == 0 ? prior : (x + RATE_PRIOR * prior) / (s + RATE_PRIOR);
        }
        remainingSteps[t] = rs;
        remainingTokens[t] = rs * rate;
    }

    private void requireRunning(int t) {
        Checks.index("trajectory", t, maxTrajectories);
        if (state[t] != 1) {
            throw new IllegalArgumentException("trajectory " + t + " is not running");
        }
    }

    private void requireKnown(int t) {
        Checks.index("trajectory", t, maxTrajectories);
        if (state[t] == 0) {
            throw new IllegalArgumentException("trajectory " + t + " was never started");
        }
    }

    /**
     * The predictor's report card, by step index {@code k} (predictions made after {@code k}
     * steps): over the completed trajectories that ran more than {@code k} steps, the share of
     * the actual longest 20% (by total tokens) that the predictions also put in their top 20%,
     * and the Pearson correlation of predicted against actual totals. A view, valid until the
     * next {@link RuntimePredictor#quality()}.
     */
    public final class Quality {
        private final double[] recall = new double[maxTrackedSteps];
        private final double[] populationRecall = new double[maxTrackedSteps];
        private final double[] pearson = new double[maxTrackedSteps];
        private final int[] samples = new int[maxTrackedSteps];
        private final double[] actual = new double[maxTrajectories];
        private final double[] predicted = new double[maxTrajectories];
        private final int[] order = new int[maxTrajectories];
        private final int[] mark = new int[maxTrajectories];
        private final ArgSort sort = new ArgSort(maxTrajectories);
        private int epoch;

        private Quality() {
        }

        /** Step indices graded: {@code [0, steps())}. */
        public int steps() {
            return maxTrackedSteps;
        }

        /** Trajectories graded at step index {@code k}. */
        public int samples(int k) {
            return samples[Checks.index("k", k, maxTrackedSteps)];
        }

        /**
         * Tail-20% recall at step index {@code k} over the whole rollout: the actual longest 20%
         * of all completed trajectories against the top 20% when trajectories still running at
         * {@code k} are ranked by their prediction then and those already finished by their
         * known length. NaN with fewer than 5 samples.
         */
        public double populationTailRecall(int k) {
            return populationRecall[Checks.index("k", k, maxTrackedSteps)];
        }

        /** Tail-20% recall at step index {@code k} among the trajectories still running then; NaN with fewer than 5 samples. */
        public double tailRecall(int k) {
            return recall[Checks.index("k", k, maxTrackedSteps)];
        }

        /** Pearson correlation at step index {@code k}; NaN with fewer than 5 samples or no variance. */
        public double pearson(int k) {
            return pearson[Checks.index("k", k, maxTrackedSteps)];
        }

        private void compute() {
            for (int k = 0; k < maxTrackedSteps; k++) {
                int n = collect(k, false);
                samples[k] = n;
                recall[k] = n < MIN_QUALITY_SAMPLES ? Double.NaN : recall(n);
                pearson[k] = n < MIN_QUALITY_SAMPLES ? Double.NaN : correlation(n);
                int all = collect(k, true);
                populationRecall[k] = all < MIN_QUALITY_SAMPLES ? Double.NaN : recall(all);
            }
        }

        /** Gathers (actual, predicted) pairs at step index k; finished ones count as exact when asked. */
        private int collect(int k, boolean includeFinished) {
            int n = 0;
            final int row = k * maxTrajectories;
            for (int t = 0; t < maxTrajectories; t++) {
                if (state[t] != 2) {
                    continue;
                }
                float p = predictions[row + t];
                double v;
                if (!Float.isNaN(p)) {
                    v = p;
                } else if (includeFinished && steps[t] <= k) {
                    v = actualTokens[t];
                } else {
                    continue;
                }
                actual[n] = actualTokens[t];
                predicted[n] = v;
                n++;
            }
            return n;
        }

        private double recall(int n) {
            int q = (n + 4) / 5;
            epoch++;
            sort.sort(actual, n, order, true);
            for (int i = 0; i < q; i++) {
                mark[order[i]] = epoch;
            }
            sort.sort(predicted, n, order, true);
            int hit = 0;
            for (int i = 0; i < q; i++) {
                if (mark[order[i]] == epoch) {
                    hit++;
                }
            }
            return (double) hit / q;
        }

        private double correlation(int n) {
            double ma = 0;
            double mp = 0;
            for (int i = 0; i < n; i++) {
                ma += actual[i];
                mp += predicted[i];
            }
            ma /= n;
            mp /= n;
            double sab = 0;
            double saa = 0;
            double sbb = 0;
            for (int i = 0; i < n; i++) {
                double a = actual[i] - ma;
                double b = predicted[i] - mp;
                sab += a * b;
                saa += a * a;
                sbb += b * b;
            }
            return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
        }
    }
}
