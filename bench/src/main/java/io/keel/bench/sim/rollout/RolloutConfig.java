package io.keel.bench.sim.rollout;

import io.keel.planners.rollout.DecodeTimeTable;

/**
 * The simulated cluster and the knobs of the policies.
 *
 * @param table per-token decode time by batch size and parallel degree
 * @param gpus GPUs in the cluster
 * @param instances instances the baselines (and keel without its parallelism planner) use,
 *     each of degree {@code gpus / instances}
 * @param maxBatch sequences one instance decodes at once
 * @param kvTokensPerGpu KV-cache capacity in tokens per GPU of an instance (a stand-in for memory:
 *     running sequences' contexts must fit)
 * @param prefillTokensPerSecondPerGpu prefill speed, charged to the whole instance when a step
 *     starts where its KV cache is not (first step, per-step rerouting, preemption)
 * @param kvBytesPerToken KV-cache bytes per context token, for migration transfers
 * @param transferBytesPerSecond KV transfer bandwidth between two instances
 * @param migrationIntervalSeconds how often keel's migration planner runs
 * @param maxMovesPerInterval migration budget per interval
 * @param preemptionMargin relative margin of keel's preemption test (infinite: never preempt)
 * @param agingTokensPerSecond keel's scheduler aging
 */
public record RolloutConfig(DecodeTimeTable table, int gpus, int instances, int maxBatch, long kvTokensPerGpu,
                            double prefillTokensPerSecondPerGpu, double kvBytesPerToken, double transferBytesPerSecond,
                            double migrationIntervalSeconds, int maxMovesPerInterval, double preemptionMargin,
                            double agingTokensPerSecond) {
    /**
     * Defaults: Llama-2-70B on H100, 256 sequences per instance, 200k KV tokens per GPU, prefill
     * 2,800 tokens/s per GPU (2 x 70e9 FLOPs per token at 40% of 989 dense TFLOP/s: derived, not
     * measured), 327,680 KV bytes per token (80 layers x 8 KV heads x 128 x 2 x bf16), 25 GB/s
     * transfers, migration every 10 s with up to 32 moves, no preemption (with recompute on
     * resume it cost more than it saved in this model; {@link #withPreemptionMargin} turns it on),
     * aging 10 tokens per second waited.
     */
    public static RolloutConfig defaults(int gpus, int instances) {
        return new RolloutConfig(DecodeTimeTable.llama2_70bH100(), gpus, instances, 256, 200_000,
                2_800, 327_680, 25e9, 10, 32, Double.POSITIVE_INFINITY, 10);
    }

    /** The same with another decode-time table. */
    public RolloutConfig withTable(DecodeTimeTable t) {
        return new RolloutConfig(t, gpus, instances, maxBatch, kvTokensPerGpu, prefillTokensPerSecondPerGpu,
                kvBytesPerToken, transferBytesPerSecond, migrationIntervalSeconds, maxMovesPerInterval,
                preemptionMargin, agingTokensPerSecond);
    }

    /** The same with keel's preemption test at {@code margin} (e.g. 1.0: a waiting trajectory predicted twice as long). */
    public RolloutConfig withPreemptionMargin(double margin) {
        return new RolloutConfig(table, gpus, instances, maxBatch, kvTokensPerGpu, prefillTokensPerSecondPerGpu,
                kvBytesPerToken, transferBytesPerSecond, migrationIntervalSeconds, maxMovesPerInterval,
                margin, agingTokensPerSecond);
    }

    /** Validates; returns the baselines' degree. */
    int baselineDegree() {
        if (gpus <= 0 || instances <= 0 || gpus % instances != 0) {
            throw new IllegalArgumentException("gpus (" + gpus + ") must be a positive multiple of instances (" + instances + ")");
        }
        int d = gpus / instances;
        if (table.degreeIndex(d) < 0) {
            throw new IllegalArgumentException("gpus / instances = " + d + " is not a degree of the decode-time table");
        }
        return d;
    }
}
