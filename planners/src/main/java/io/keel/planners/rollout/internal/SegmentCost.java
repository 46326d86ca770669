package io.keel.planners.rollout.internal;

import io.keel.core.Checks;
import io.keel.planners.rollout.DecodeTimeTable;

/**
 * The planners' cost model: predicted seconds for one instance to finish a group of {@code k}
 * trajectories whose longest has {@code lmax} tokens and which total {@code sum} tokens, on an
 * instance of a given degree that runs at most {@code maxBatch} sequences at once.
 *
 * <p>{@code cost = max(lmax * t(b), sum * t(b) / b)} with {@code b = min(k, maxBatch)} and
 * {@code t} the per-token time at batch {@code b}: the longest trajectory decodes one token per
 * iteration at the starting batch (an upper bound, since the batch only shrinks), and when the
 * group exceeds the batch limit the instance is throughput-bound. With {@code k <= maxBatch}
 * the second term never exceeds the first, so it is only evaluated beyond the limit; that keeps
 * the cost non-decreasing as a contiguous group of a descending order grows at its end and
 * non-increasing as its start moves later, which is what the exact searches need.
 *
 * <p>With a KV-cache budget of {@code C} tokens a third bound applies: a trajectory of {@code L}
 * tokens starting from a {@code P}-token context holds {@code P + L/2} tokens of cache on average
 * over its {@code L} decode iterations, so the group needs at least {@code sum(L (P + L/2)) / C}
 * iterations; it is additive over members (prefix sums of {@code L} and {@code L^2}) and keeps
 * both monotonicities. It is what stops the planners from stacking several long trajectories on
 * one instance whose memory cannot hold them at once. Tool-call time and prefill are not in the
 * model.
 *
 * <p>Immutable after construction (which allocates one array per degree); thread-safe.
 */
public final class SegmentCost {
    /** The largest batch tabulated: 2^20 sequences per instance, far past any engine's limit. */
    public static final int MAX_BATCH = 1 << 20;
    private final DecodeTimeTable table;
    private final int maxBatch;
    private final double[][] secondsPerToken;

    /** Tabulates {@code table} for batch sizes {@code [0, maxBatch]}. */
    public SegmentCost(DecodeTimeTable table, int maxBatch) {
        this.table = Checks.notNull("table", table);
        this.maxBatch = Checks.inRange("maxBatch", maxBatch, 1, MAX_BATCH);
        secondsPerToken = new double[table.degreeCount()][maxBatch + 1];
        for (int d = 0; d < table.degreeCount(); d++) {
            table.fill(d, secondsPerToken[d], maxBatch);
        }
    }

    /** The table priced. */
    public DecodeTimeTable table() {
        return table;
    }

    /** The largest per-instance batch limit accepted. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Seconds per token for degree column {@code d} at {@code batch} (clamped to {@code [1, maxBatch]}). */
    public double secondsPerToken(int d, int batch) {
        return secondsPerToken[d][Math.max(1, Math.min(batch, maxBatch))];
    }

    /** Predicted seconds of a group with no KV-memory bound (see the class comment); 0 when {@code k == 0}. */
    public double cost(int d, int limit, double lmax, double sum, int k) {
        return cost(d, limit, 0.0, 0.0, lmax, sum, 0.0, k);
    }

    /**
     * Predicted seconds of a group on an instance holding {@code kvTokens} tokens of KV cache
     * ({@code <= 0}: unbounded), each trajectory starting from {@code context} tokens; {@code
     * sumSq} is the sum of the squared lengths. 0 when {@code k == 0}.
     */
    public double cost(int d, int limit, double kvTokens, double context, double lmax, double sum, double sumSq, int k) {
        if (k == 0) {
            return 0.0;
        }
        final int b = k < limit ? k : limit;
        final double t = secondsPerToken[d][b];
        double c = lmax * t;
        if (k > limit) {
            c = Math.max(c, sum * t / limit);
        }
        if (kvTokens > 0) {
            c = Math.max(c, (context * sum + 0.5 * sumSq) / kvTokens * t);
        }
        return c;
    }
}
