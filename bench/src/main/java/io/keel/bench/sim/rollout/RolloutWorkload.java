package io.keel.bench.sim.rollout;

import java.util.SplittableRandom;

/**
 * One rollout's trajectories: GRPO groups of samples per prompt, each trajectory alternating LLM
 * steps (output tokens) and tool calls (seconds), with lengths correlated within a group.
 *
 * <p>Defaults follow public measurements of a coding agent on SWE-rebench (agentcgroup traces):
 * steps per trajectory median 46, p90 92 (lognormal, sigma 0.541); output tokens per step median
 * 144, p99 1406 (lognormal, sigma 0.979); tool-call seconds median 0.035, p90 9.3, p99 19 (a
 * two-part lognormal mixture fitted to those three quantiles: 60% fast calls, median 0.016 s,
 * sigma 0.8; 40% slow calls, median 6.39 s, sigma 0.556). The correlation structure is ours,
 * not measured: half the variance of log steps is shared by a prompt's samples; of log tokens
 * per step, 15% is shared by the prompt, 25% by the trajectory, the rest is per step. Marginals
 * are preserved. A workload for an earlier epoch of the same prompts ({@link #generate} with
 * another {@code epoch}) shares the prompt factors and redraws everything else.
 */
public final class RolloutWorkload {
    /** Generator parameters. */
    public record Params(int trajectories, int groupSize, int promptTokens,
                         double stepsMedian, double stepsSigma, double stepsShared,
                         double tokensMedian, double tokensSigma, double tokensShared, double tokensTrajectory,
                         double fastToolShare, double fastToolMedian, double fastToolSigma,
                         double slowToolMedian, double slowToolSigma, int maxSteps, int maxStepTokens) {
        /** The defaults described on {@link RolloutWorkload}. */
        public static Params defaults(int trajectories) {
            return new Params(trajectories, 16, 1500,
                    46, 0.5409, 0.5,
                    144, 0.9795, 0.15, 0.25,
                    0.6, 0.0161, 0.8,
                    6.39, 0.5557, 1000, 16384);
        }
    }

    private final Params params;
    private final int n;
    private final int[] group;
    private final int[] steps;
    private final int[] stepOffset;
    private final int[] stepTokens;
    private final double[] toolSeconds;
    private final long[] totalTokens;

    private RolloutWorkload(Params params, int[] group, int[] steps, int[] stepOffset, int[] stepTokens,
                            double[] toolSeconds, long[] totalTokens) {
        this.params = params;
        this.n = group.length;
        this.group = group;
        this.steps = steps;
        this.stepOffset = stepOffset;
        this.stepTokens = stepTokens;
        this.toolSeconds = toolSeconds;
        this.totalTokens = totalTokens;
    }

    /** Draws a workload: prompt factors from {@code seed}, the rest from {@code (seed, epoch)}. */
    public static RolloutWorkload generate(Params p, long seed, int epoch) {
        if (p.trajectories() <= 0 || p.groupSize() <= 0) {
            throw new IllegalArgumentException("trajectories and groupSize must be positive: " + p);
        }
        int n = p.trajectories();
        int groups = (n + p.groupSize() - 1) / p.groupSize();
        SplittableRandom prompts = new SplittableRandom(seed);
        double[] gSteps = new double[groups];
        double[] gTokens = new double[groups];
        for (int g = 0; g < groups; g++) {
            gSteps[g] = gaussian(prompts);
            gTokens[g] = gaussian(prompts);
        }
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 31L * epoch + 17);
        int[] group = new int[n];
        int[] steps = new int[n];
        int[] offset = new int[n + 1];
        double stepsShared = Math.sqrt(p.stepsShared());
        double stepsOwn = Math.sqrt(1 - p.stepsShared());
        for (int t = 0; t < n; t++) {
            group[t] = t / p.groupSize();
            double z = stepsShared * gSteps[group[t]] + stepsOwn * gaussian(rnd);
            steps[t] = (int) Math.max(1, Math.min(p.maxSteps(), Math.round(p.stepsMedian() * Math.exp(p.stepsSigma() * z))));
            offset[t + 1] = offset[t] + steps[t];
        }
        int total = offset[n];
        int[] tokens = new int[total];
        double[] tools = new double[total];
        long[] totals = new long[n];
        double a = Math.sqrt(p.tokensShared());
        double b = Math.sqrt(p.tokensTrajectory());
        double c = Math.sqrt(1 - p.tokensShared() - p.tokensTrajectory());
        for (int t = 0; t < n; t++) {
            double own = gaussian(rnd);
            for (int s = offset[t]; s < offset[t + 1]; s++) {
                double z = a * gTokens[group[t]] + b * own + c * gaussian(rnd);
                tokens[s] = (int) Math.max(1, Math.min(p.maxStepTokens(), Math.round(p.tokensMedian() * Math.exp(p.tokensSigma() * z))));
                totals[t] += tokens[s];
                boolean fast = rnd.nextDouble() < p.fastToolShare();
                tools[s] = fast ? p.fastToolMedian() * Math.exp(p.fastToolSigma() * gaussian(rnd))
                        : p.slowToolMedian() * Math.exp(p.slowToolSigma() * gaussian(rnd));
            }
            tools[offset[t + 1] - 1] = 0.0; // the last step ends the trajectory: no tool call after it
        }
        return new RolloutWorkload(p, group, steps, offset, tokens, tools, totals);
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller on two uniforms; deterministic for a seed on every JVM.
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** Generator parameters. */
    public Params params() {
        return params;
    }

    /** Trajectories. */
    public int trajectories() {
        return n;
    }

    /** Prompt groups. */
    public int groups() {
        return group[n - 1] + 1;
    }

    /** The group of trajectory {@code t}. */
    public int group(int t) {
        return group[t];
    }

    /** LLM steps of trajectory {@code t}. */
    public int steps(int t) {
        return steps[t];
    }

    /** Output tokens of step {@code s} of trajectory {@code t}. */
    public int stepTokens(int t, int s) {
        return stepTokens[stepOffset[t] + s];
    }

    /** Seconds of the tool call after step {@code s} of trajectory {@code t} (0 after the last). */
    public double toolSeconds(int t, int s) {
        return toolSeconds[stepOffset[t] + s];
    }

    /** Output tokens of trajectory {@code t}. */
    public long totalTokens(int t) {
        return totalTokens[t];
    }

    /** Output tokens of the whole rollout. */
    public long totalTokens() {
        long s = 0;
        for (long v : totalTokens) {
            s += v;
        }
        return s;
    }

    /** Steps of the whole rollout. */
    public int totalSteps() {
        return stepOffset[n];
    }

    /** Every step's output tokens (flattened, trajectory-major): for quantile checks. */
    public int[] allStepTokens() {
        return stepTokens.clone();
    }

    /** Every tool call's seconds (flattened, last steps excluded). */
    public double[] allToolSeconds() {
        double[] out = new double[stepOffset[n] - n];
        int k = 0;
        for (int t = 0; t < n; t++) {
            for (int s = stepOffset[t]; s < stepOffset[t + 1] - 1; s++) {
                out[k++] = toolSeconds[s];
            }
        }
        return out;
    }

    /** Every trajectory's step count. */
    public int[] allSteps() {
        return steps.clone();
    }

    /**
     * A lower bound on any policy's makespan: the longest trajectory alone on the fastest
     * instance (batch 1, widest degree), its tool calls and its prompt's prefill on that degree.
     */
    public double lowerBoundSeconds(io.keel.planners.rollout.DecodeTimeTable table, double prefillTokensPerSecondPerGpu) {
        double fastest = Double.POSITIVE_INFINITY;
        int widest = 1;
        for (int d = 0; d < table.degreeCount(); d++) {
            fastest = Math.min(fastest, table.secondsPerToken(1, table.degree(d)));
            widest = Math.max(widest, table.degree(d));
        }
        double best = 0;
        for (int t = 0; t < n; t++) {
            double tool = 0;
            for (int s = stepOffset[t]; s < stepOffset[t + 1]; s++) {
                tool += toolSeconds[s];
            }
            double v = totalTokens[t] * fastest + tool + params.promptTokens() / (prefillTokensPerSecondPerGpu * widest);
            best = Math.max(best, v);
        }
        return best;
    }
}
