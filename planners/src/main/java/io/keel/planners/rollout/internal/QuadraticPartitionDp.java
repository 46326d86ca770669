package io.keel.planners.rollout.internal;

/**
 * Reference solver: the textbook {@code O(m n^2)} dynamic program for splitting a descending
 * order of lengths into {@code m} contiguous (possibly empty) groups, group {@code j} on
 * instance {@code j}, minimizing the largest {@link SegmentCost}. Used to check the fast exact
 * placer and as the baseline in benchmarks.
 *
 * <p>Allocates its tables on every call; stateless and thread-safe.
 */
public final class QuadraticPartitionDp {
    private QuadraticPartitionDp() {
    }

    /**
     * The optimal makespan.
     *
     * @param sortedDesc lengths in non-increasing order, {@code [0, n)}
     * @param degreeIndex per instance (in placement order) the table column
     * @param maxBatch per instance the batch limit
     */
    public static double makespan(SegmentCost cost, double[] sortedDesc, int n, int[] degreeIndex, int[] maxBatch, int m) {
        return makespan(cost, sortedDesc, n, degreeIndex, maxBatch, new double[m], 0.0, m);
    }

    /** As above with a KV-cache budget per instance ({@code <= 0}: unbounded) and a starting context. */
    public static double makespan(SegmentCost cost, double[] sortedDesc, int n, int[] degreeIndex, int[] maxBatch,
                                  double[] kvTokens, double context, int m) {
        double[] prefix = new double[n + 1];
        double[] squares = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + sortedDesc[i];
            squares[i + 1] = squares[i] + sortedDesc[i] * sortedDesc[i];
        }
        double[] prev = new double[n + 1];
        double[] cur = new double[n + 1];
        java.util.Arrays.fill(prev, Double.POSITIVE_INFINITY);
        prev[0] = 0;
        for (int j = 0; j < m; j++) {
            for (int i = 0; i <= n; i++) {
                double best = Double.POSITIVE_INFINITY;
                for (int k = 0; k <= i; k++) {
                    if (prev[k] == Double.POSITIVE_INFINITY) {
                        continue;
                    }
                    double c = k == i ? 0.0
                            : cost.cost(degreeIndex[j], maxBatch[j], kvTokens[j], context, sortedDesc[k],
                                    prefix[i] - prefix[k], squares[i] - squares[k], i - k);
                    double v = Math.max(prev[k], c);
                    if (v < best) {
                        best = v;
                    }
                }
                cur[i] = best;
            }
            double[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[n];
    }

    /**
     * The optimal makespan of the parallelism problem: cover the descending order with
     * contiguous groups, each on an instance of a table degree, using at most {@code gpus} GPUs
     * in total. {@code O(gpus * n^2 * degrees)}.
     */
    public static double parallelismMakespan(SegmentCost cost, double[] sortedDesc, int n, int gpus, int[] maxBatch) {
        return parallelismMakespan(cost, sortedDesc, n, gpus, maxBatch, new double[maxBatch.length], 0.0);
    }

    /** As above with a KV-cache budget per degree column ({@code <= 0}: unbounded) and a starting context. */
    public static double parallelismMakespan(SegmentCost cost, double[] sortedDesc, int n, int gpus, int[] maxBatch,
                                             double[] kvTokens, double context) {
        double[] prefix = new double[n + 1];
        double[] squares = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + sortedDesc[i];
            squares[i + 1] = squares[i] + sortedDesc[i] * sortedDesc[i];
        }
        int nd = cost.table().degreeCount();
        double[][] dp = new double[gpus + 1][n + 1];
        for (int g = 0; g <= gpus; g++) {
            java.util.Arrays.fill(dp[g], Double.POSITIVE_INFINITY);
            dp[g][0] = 0;
            for (int i = 1; i <= n; i++) {
                double best = Double.POSITIVE_INFINITY;
                for (int d = 0; d < nd; d++) {
                    int deg = cost.table().degree(d);
                    if (deg > g) {
                        continue;
                    }
                    for (int k = 0; k < i; k++) {
                        double v = Math.max(dp[g - deg][k],
                                cost.cost(d, maxBatch[d], kvTokens[d], context, sortedDesc[k],
                                        prefix[i] - prefix[k], squares[i] - squares[k], i - k));
                        if (v < best) {
                            best = v;
                        }
                    }
                }
                dp[g][i] = best;
            }
        }
        return dp[gpus][n];
    }
}
