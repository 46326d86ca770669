package io.keel.bench.sim.rollout;

/**
 * What one simulated rollout did.
 *
 * @param policy the policy's name
 * @param makespanSeconds time until the last trajectory finished
 * @param tokens output tokens generated (equals the workload's total: each token once)
 * @param tokensPerSecond tokens / makespan
 * @param p99QueueSeconds p99 over trajectories of the total time spent waiting for a batch slot
 * @param maxQueueSeconds the largest such total
 * @param idleShare GPU-seconds with nothing to decode (including GPUs no instance uses) over
 *     makespan x GPUs
 * @param migrations trajectories moved
 * @param preemptions running trajectories sent back to the queue
 * @param prefillTokens context tokens prefilled (first steps, rerouted steps, preemptions)
 * @param finished trajectories that finished
 * @param stepsRun LLM steps executed
 * @param instances the instances as {@code count x degree} terms
 * @param tailRecall by step index k, keel's predictor's tail-20% recall over the whole rollout
 *     (running trajectories ranked by their prediction after k steps, finished ones by their
 *     length); empty when the policy has no predictor
 * @param survivorTailRecall by step index, the recall among trajectories still running (NaN
 *     below 50 of them)
 * @param pearson by step index, Pearson correlation of predicted and actual totals among those
 *     still running (NaN below 50)
 */
public record RolloutResult(String policy, double makespanSeconds, long tokens, double tokensPerSecond,
                            double p99QueueSeconds, double maxQueueSeconds, double idleShare, int migrations,
                            int preemptions, long prefillTokens, int finished, long stepsRun, String instances,
                            double[] tailRecall, double[] survivorTailRecall, double[] pearson) {
}
