package io.keel.bench.sim.rollout;

/**
 * What one policy did over the training steps of a simulated run (means over the steps unless
 * said otherwise).
 *
 * @param policy the policy's name
 * @param degree the baselines' degree ({@code 0} for keel, whose instances are in {@code instances})
 * @param makespanSeconds mean time from a rollout's start until its last trajectory finished
 * @param makespanPerStep the makespan of each training step
 * @param lowerBoundSeconds mean lower bound on any policy's makespan (see {@link RolloutSimulator#lowerBoundSeconds})
 * @param tokens output tokens generated over all steps (each workload token once)
 * @param finished trajectories finished over all steps
 * @param stepsRun LLM steps executed over all steps
 * @param p99CompletionSeconds p99 over trajectories of their completion time, mean over steps
 * @param meanQueueSeconds per trajectory, the mean total time it waited to start (keel's admission gate or a
 *        baseline's concurrency limit, from the rollout's start) plus the time its steps waited for admission
 * @param p99QueueSeconds p99 of that total
 * @param gpuUtilisation GPU-seconds with work in the iteration over GPUs x makespan
 * @param evictions idle KV prefixes dropped to make room
 * @param preemptions running sequences dropped to make room (recomputed on resume)
 * @param prefillTokens tokens prefilled
 * @param reprefillTokens of those, tokens that had been in a KV cache before (recompute)
 * @param migrations trajectories moved
 * @param relaunches training steps that started by re-launching the engines at new degrees (each
 *     charged {@link RolloutConfig#relaunchSeconds()} inside its makespan)
 * @param instances the last step's instances as {@code count x TPd} terms
 * @param tailRecall by step index k, the last training step's predictor tail-20% recall (empty without predictor)
 * @param survivorTailRecall by step index, the recall among trajectories still running (NaN below 50)
 * @param pearson by step index, Pearson correlation of predicted and actual totals (NaN below 50)
 */
public record RolloutResult(String policy, int degree, double makespanSeconds, double[] makespanPerStep,
                            double lowerBoundSeconds, long tokens, int finished, long stepsRun,
                            double p99CompletionSeconds, double meanQueueSeconds, double p99QueueSeconds,
                            double gpuUtilisation, long evictions, long preemptions, long prefillTokens,
                            long reprefillTokens, long migrations, int relaunches, String instances, double[] tailRecall,
                            double[] survivorTailRecall, double[] pearson) {
}
