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
    /**
     * Generator parameters.
     *
     * @param observationMedian median tokens a tool call appends to the context (lognormal)
     * @param observationSigma log-space sigma of those tokens
     * @param contextCap context length at which a trajectory ends (its last step is cut there)
     * @param minSteps fewest LLM steps a trajectory takes (unless the context cap ends it)
     * @param maxToolSeconds longest tool call
     */
    public record Params(String name, int trajectories, int groupSize, int promptTokens,
                         double stepsMedian, double stepsSigma, double stepsShared,
                         double tokensMedian, double tokensSigma, double tokensShared, double tokensTrajectory,
                         double fastToolShare, double fastToolMedian, double fastToolSigma,
                         double slowToolMedian, double slowToolSigma, int minSteps, int maxSteps, int maxStepTokens,
                         double observationMedian, double observationSigma, int contextCap, double maxToolSeconds) {
        /** The SWE-agent workload described on {@link RolloutWorkload}. */
        public static Params defaults(int trajectories) {
            return swe(trajectories);
        }

        /**
         * SWE-agent: the step, token and tool fits described on {@link RolloutWorkload}, plus
         * observation tokens lognormal with median 1,000 and p99 12,000 (sigma ln 12 / 2.326 =
         * 1.068; an assumption in line with public SWE-agent traces, where tool output is most of
         * the context), and a 64k context cap.
         */
        public static Params swe(int trajectories) {
            return new Params("swe", trajectories, 16, 1500,
                    46, 0.5409, 0.5,
                    144, 0.9795, 0.15, 0.25,
                    0.6, 0.0161, 0.8,
                    6.39, 0.5557, 1, 1000, 16384,
                    1000, Math.log(12) / 2.3263, 65_536, 600);
        }

        /**
         * A short-tool math/search agent (our assumption, no public trace): 2-6 steps (median
         * 3.5), 400 output tokens per step median (sigma 0.8), tool calls median 0.3 s capped at
         * 2 s, observations median 200 tokens (sigma 0.8), 500-token prompts, 64k cap.
         */
        public static Params shortTool(int trajectories) {
            return new Params("short", trajectories, 16, 500,
                    3.5, 0.35, 0.5,
                    400, 0.8, 0.15, 0.25,
                    1.0, 0.3, 0.8,
                    0.3, 0.8, 2, 6, 16384,
                    200, 0.8, 65_536, 2);
        }

        /** The workload called {@code name} ({@code swe} or {@code short}). */
        public static Params named(String name, int trajectories) {
            return switch (name) {
                case "swe" -> swe(trajectories);
                case "short" -> shortTool(trajectories);
                default -> throw new IllegalArgumentException("workload must be swe or short, was " + name);
            };
        }

        /** The same with a context cap of {@code cap} tokens. */
        public Params withContextCap(int cap) {
            return new Params(name, trajectories, groupSize, promptTokens, stepsMedian, stepsSigma, stepsShared, tokensMedian,
                    tokensSigma, tokensShared, tokensTrajectory, fastToolShare, fastToolMedian, fastToolSigma,
                    slowToolMedian, slowToolSigma, minSteps, maxSteps, maxStepTokens, observationMedian,
                    observationSigma, cap, maxToolSeconds);
        }

        /** The same with {@code n} trajectories. */
        public Params withTrajectories(int n) {
            return new Params(name, n, groupSize, promptTokens, stepsMedian, stepsSigma, stepsShared, tokensMedian,
                    tokensSigma, tokensShared, tokensTrajectory, fastToolShare, fastToolMedian, fastToolSigma,
                    slowToolMedian, slowToolSigma, minSteps, maxSteps, maxStepTokens, observationMedian,
                    observationSigma, contextCap, maxToolSeconds);
        }
    }

    private final Params params;
    private final int n;
    private final int[] group;
    private final int[] steps;
    private final int[] stepOffset;
    private final int[] stepTokens;
    private final double[] toolSeconds;
    private final int[] observationTokens;
    private final long[] totalTokens;

    private RolloutWorkload(Params params, int[] group, int[] steps, int[] stepOffset, int[] stepTokens,
                            double[] toolSeconds, int[] observationTokens, long[] totalTokens) {
        this.params = params;
        this.n = group.length;
        this.group = group;
        this.steps = steps;
        this.stepOffset = stepOffset;
        this.stepTokens = stepTokens;
        this.toolSeconds = toolSeconds;
        this.observationTokens = observationTokens;
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
            steps[t] = (int) Math.max(p.minSteps(), Math.min(p.maxSteps(), Math.round(p.stepsMedian() * Math.exp(p.stepsSigma() * z))));
            offset[t + 1] = offset[t] + steps[t];
        }
        int total = offset[n];
        int[] tokens = new int[total];
        double[] tools = new double[total];
        int[] obs = new int[total];
        long[] totals = new long[n];
        double a = Math.sqrt(p.tokensShared());
        double b = Math.sqrt(p.tokensTrajectory());
        double c = Math.sqrt(1 - p.tokensShared() - p.tokensTrajectory());
        for (int t = 0; t < n; t++) {
            double own = gaussian(rnd);
            long ctx = p.promptTokens();
            int last = offset[t + 1] - 1;
            for (int s = offset[t]; s <= last; s++) {
                double z = a * gTokens[group[t]] + b * own + c * gaussian(rnd);
                int out = (int) Math.max(1, Math.min(p.maxStepTokens(), Math.round(p.tokensMedian() * Math.exp(p.tokensSigma() * z))));
                boolean fast = rnd.nextDouble() < p.fastToolShare();
                double tool = fast ? p.fastToolMedian() * Math.exp(p.fastToolSigma() * gaussian(rnd))
                        : p.slowToolMedian() * Math.exp(p.slowToolSigma() * gaussian(rnd));
                long o = Math.round(p.observationMedian() * Math.exp(p.observationSigma() * gaussian(rnd)));
                tokens[s] = (int) Math.max(1, Math.min(out, p.contextCap() - ctx));
                ctx += tokens[s];
                totals[t] += tokens[s];
                tools[s] = Math.min(p.maxToolSeconds(), tool);
                obs[s] = (int) Math.max(1, o);
                if (s < last && ctx + obs[s] >= p.contextCap()) {
                    last = s; // the next step would not fit the context cap: the trajectory ends here
                }
                ctx += obs[s];
            }
            tools[last] = 0.0; // the last step ends the trajectory: no tool call after it
            obs[last] = 0;
            steps[t] = last + 1 - offset[t];
        }
        return compact(p, group, steps, offset, tokens, tools, obs, totals);
    }

    /** Drops the steps a context cap cut off, so every array is dense again. */
    private static RolloutWorkload compact(Params p, int[] group, int[] steps, int[] oldOffset, int[] tokens,
                                           double[] tools, int[] obs, long[] totals) {
        int n = group.length;
        int[] offset = new int[n + 1];
        for (int t = 0; t < n; t++) {
            offset[t + 1] = offset[t] + steps[t];
        }
        int[] tk = new int[offset[n]];
        double[] tl = new double[offset[n]];
        int[] ob = new int[offset[n]];
        for (int t = 0; t < n; t++) {
            System.arraycopy(tokens, oldOffset[t], tk, offset[t], steps[t]);
            System.arraycopy(tools, oldOffset[t], tl, offset[t], steps[t]);
            System.arraycopy(obs, oldOffset[t], ob, offset[t], steps[t]);
        }
        return new RolloutWorkload(p, group, steps, offset, tk, tl, ob, totals);
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

    /** Tokens the tool call after step {@code s} of trajectory {@code t} appends to its context (0 after the last). */
    public int observationTokens(int t, int s) {
        return observationTokens[stepOffset[t] + s];
    }

    /** Context tokens trajectory {@code t} ends with: prompt, every output and every observation. */
    public long finalContext(int t) {
        long c = params.promptTokens() + totalTokens[t];
        for (int s = stepOffset[t]; s < stepOffset[t + 1]; s++) {
            c += observationTokens[s];
        }
        return c;
    }

    /** Every observation's tokens (flattened, last steps excluded). */
    public int[] allObservationTokens() {
        int[] out = new int[stepOffset[n] - n];
        int k = 0;
        for (int t = 0; t < n; t++) {
            for (int s = stepOffset[t]; s < stepOffset[t + 1] - 1; s++) {
                out[k++] = observationTokens[s];
            }
        }
        return out;
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
}
