package io.keel.bench.sim.rollout;

import java.util.Arrays;

import io.keel.planners.rollout.GpuSpec;
import io.keel.planners.rollout.ModelSpec;
import io.keel.planners.rollout.RooflineCostModel;

/**
 * The simulated cluster and the knobs of the policies.
 *
 * @param model the served model
 * @param gpu the GPU
 * @param gpus GPUs in the cluster
 * @param baselineDegree tensor-parallel degree of every baseline instance (and of keel without
 *     its parallelism planner)
 * @param maxBatch sequences one instance runs at once (vLLM's {@code max_num_seqs}: 1,024 by default on
 *     GPUs with 70 GiB or more, as the H100, 256 on smaller ones)
 * @param tokenBudget tokens one iteration processes, decode and prefill chunk together (vLLM's
 *     {@code max_num_batched_tokens}; 8,192 assumed)
 * @param trainingSteps rollouts simulated one after another over the same prompts (the
 *     predictor keeps its history between them)
 * @param migrationIntervalSeconds how often keel's migration planner runs
 * @param maxMovesPerInterval migration budget per interval
 * @param agingTokensPerSecond keel's scheduler aging
 * @param baselineConcurrency the most trajectories a baseline has started and not finished (0: no
 *     limit, the frameworks' default); the rest wait, first come first served, and start as others
 *     finish (verl's and slime's rollout concurrency settings)
 * @param relaunchSeconds what a training step whose instances differ from the previous step's
 *     pays before its first iteration: the engines are torn down and started again at the new
 *     degrees (process groups, memory profiling, CUDA-graph capture; 30 s assumed, the weights
 *     already on the hosts). Only keel's parallelism planner changes shape; the baselines keep
 *     theirs, whose first launch, like keel's, is outside every makespan.
 */
public record RolloutConfig(ModelSpec model, GpuSpec gpu, int gpus, int baselineDegree, int maxBatch, int tokenBudget,
                            int trainingSteps, double migrationIntervalSeconds, int maxMovesPerInterval,
                            double agingTokensPerSecond, int baselineConcurrency, double relaunchSeconds) {
    /** Degrees an instance may have. */
    public static final int[] DEGREES = {1, 2, 4, 8};

    /**
     * Defaults: 1,024 sequences, 8,192-token iterations (verl's rollout default), 3 training steps, migration every 10 s with
     * up to 32 moves, aging 10 tokens/s, no concurrency limit, 30 s per re-launch.
     */
    public static RolloutConfig defaults(ModelSpec model, int gpus, int baselineDegree) {
        return new RolloutConfig(model, GpuSpec.H100_80GB, gpus, baselineDegree, 1024, 8192, 3, 10, 32, 10, 0, 30);
    }

    /** The same with the baselines on {@code degree}. */
    public RolloutConfig withBaselineDegree(int degree) {
        return new RolloutConfig(model, gpu, gpus, degree, maxBatch, tokenBudget, trainingSteps, migrationIntervalSeconds,
                maxMovesPerInterval, agingTokensPerSecond, baselineConcurrency, relaunchSeconds);
    }

    /** The same with the baselines' concurrency limited to {@code trajectories} (0: no limit). */
    public RolloutConfig withBaselineConcurrency(int trajectories) {
        return new RolloutConfig(model, gpu, gpus, baselineDegree, maxBatch, tokenBudget, trainingSteps,
                migrationIntervalSeconds, maxMovesPerInterval, agingTokensPerSecond, trajectories, relaunchSeconds);
    }

    /** The same with {@code steps} training steps. */
    public RolloutConfig withTrainingSteps(int steps) {
        return new RolloutConfig(model, gpu, gpus, baselineDegree, maxBatch, tokenBudget, steps, migrationIntervalSeconds,
                maxMovesPerInterval, agingTokensPerSecond, baselineConcurrency, relaunchSeconds);
    }

    /** The same with {@code sequences} as every instance's max batch. */
    public RolloutConfig withMaxBatch(int sequences) {
        return new RolloutConfig(model, gpu, gpus, baselineDegree, sequences, tokenBudget, trainingSteps,
                migrationIntervalSeconds, maxMovesPerInterval, agingTokensPerSecond, baselineConcurrency, relaunchSeconds);
    }

    /** The same with {@code seconds} per re-launch at new degrees. */
    public RolloutConfig withRelaunchSeconds(double seconds) {
        return new RolloutConfig(model, gpu, gpus, baselineDegree, maxBatch, tokenBudget, trainingSteps,
                migrationIntervalSeconds, maxMovesPerInterval, agingTokensPerSecond, baselineConcurrency, seconds);
    }

    /**
     * The degrees an instance can run the rollout on: the weights fit, the KV cache holds at
     * least one full context of {@code contextCap} tokens, and the degree divides the cluster.
     */
    public int[] usableDegrees(int contextCap) {
        return Arrays.stream(DEGREES).filter(d -> usable(d, contextCap)).toArray();
    }

    /** Whether {@code degree} can run the rollout (see {@link #usableDegrees}). */
    public boolean usable(int degree, int contextCap) {
        return degree > 0 && gpus % degree == 0 && RooflineCostModel.isFeasible(model, gpu, degree)
                && new RooflineCostModel(model, gpu, degree).kvCapacityTokens() >= contextCap;
    }

    /** Checks the baselines' degree. @throws IllegalArgumentException in one line when it cannot run */
    void requireUsable(int degree, int contextCap) {
        if (!RooflineCostModel.isFeasible(model, gpu, degree)) {
            throw new IllegalArgumentException(RooflineCostModel.infeasibility(model, gpu, degree));
        }
        if (gpus % degree != 0) {
            throw new IllegalArgumentException("degree " + degree + " does not divide " + gpus + " GPUs");
        }
        long kv = new RooflineCostModel(model, gpu, degree).kvCapacityTokens();
        if (kv < contextCap) {
            throw new IllegalArgumentException("degree " + degree + " holds " + kv + " KV tokens of " + model.name()
                    + ", less than one " + contextCap + "-token context");
        }
    }

    /** KV tokens the whole cluster holds at its best usable uniform degree: the denominator of the load. */
    public double clusterKvTokens(int contextCap) {
        double best = 0;
        for (int d : usableDegrees(contextCap)) {
            best = Math.max(best, (double) (gpus / d) * new RooflineCostModel(model, gpu, d).kvCapacityTokens());
        }
        return best;
    }
}
