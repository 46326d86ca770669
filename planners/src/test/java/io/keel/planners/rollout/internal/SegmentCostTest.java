package io.keel.planners.rollout.internal;

import java.util.SplittableRandom;

import io.keel.planners.rollout.DecodeTimeTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link SegmentCost#cost} against its class comment, recomputed here from the group's member
 * lengths and the table's own per-token time: {@code max(lmax * t(b), sum * t(b) / b)} with
 * {@code b = min(k, limit)}, and with a KV budget of {@code C} tokens also
 * {@code sum(L (P + L/2)) / C * t(b)}.
 */
class SegmentCostTest {
    /** Degrees 1 and 2; 10 and 20 ms at batch 1, 30 and 40 ms from batch 5 on, linear between. */
    private static final DecodeTimeTable SMALL = DecodeTimeTable.builder().degrees(1, 2)
            .rowMillis(1, 10, 20)
            .rowMillis(5, 30, 40)
            .build();

    /** The class comment's formula, from the members' lengths. */
    private static double documented(DecodeTimeTable table, int d, int limit, double kvTokens, double context, double[] lengths) {
        int k = lengths.length;
        if (k == 0) {
            return 0.0;
        }
        int b = Math.min(k, limit);
        double t = table.secondsPerToken(b, table.degree(d));
        double lmax = 0;
        double sum = 0;
        double memory = 0;
        for (double len : lengths) {
            lmax = Math.max(lmax, len);
            sum += len;
            memory += len * (context + len / 2);
        }
        double c = Math.max(lmax * t, sum * t / b);
        if (kvTokens > 0) {
            c = Math.max(c, memory / kvTokens * t);
        }
        return c;
    }

    private static double priced(SegmentCost cost, int d, int limit, double kvTokens, double context, double[] lengths) {
        double lmax = 0;
        double sum = 0;
        double sumSq = 0;
        for (double len : lengths) {
            lmax = Math.max(lmax, len);
            sum += len;
            sumSq += len * len;
        }
        return cost.cost(d, limit, kvTokens, context, lmax, sum, sumSq, lengths.length);
    }

    @Test
    void handPickedGroups() {
        SegmentCost cost = new SegmentCost(SMALL, 8);
        // Within the batch limit the longest member decides: 3 members at batch 3 (20 ms on degree 1).
        assertEquals(100 * 0.020, cost.cost(0, 4, 100, 250, 3), 1e-12);
        // Beyond it the instance is throughput-bound: 6 members at batch 4 (25 ms), 600 tokens over 4 lanes.
        assertEquals(600 * 0.025 / 4, cost.cost(0, 4, 100, 600, 6), 1e-12);
        // ... unless the longest member takes longer still: 900 tokens over 4 lanes is 5.6 s, 400 tokens alone 10 s.
        assertEquals(400 * 0.025, cost.cost(0, 4, 400, 900, 6), 1e-12);
        // Degree 2 at batch 1 (20 ms) and held flat past the last row (40 ms at batch 8).
        assertEquals(50 * 0.020, cost.cost(1, 8, 50, 50, 1), 1e-12);
        assertEquals(Math.max(70 * 0.040, 300 * 0.040 / 8), cost.cost(1, 8, 70, 300, 9), 1e-12);
        // Empty group.
        assertEquals(0.0, cost.cost(0, 4, 0, 0, 0));
        assertEquals(0.0, cost.cost(0, 4, 100, 0, 50, 0, 0, 0));
        // KV bound: lengths 100 and 60 from a 50-token context hold 100 * 100 + 60 * 80 = 14800
        // token-iterations; 100 tokens of cache make that 148 iterations at batch 2 (15 ms).
        double[] pair = {100, 60};
        assertEquals(148 * 0.015, priced(cost, 0, 4, 100, 50, pair), 1e-12);
        // A roomy cache leaves the longest member in charge; no cache (<= 0) means unbounded.
        assertEquals(100 * 0.015, priced(cost, 0, 4, 1e6, 50, pair), 1e-12);
        assertEquals(100 * 0.015, priced(cost, 0, 4, 0, 50, pair), 1e-12);
        assertEquals(100 * 0.015, priced(cost, 0, 4, -1, 50, pair), 1e-12);
        // The memory term is priced at the batch-limited time: 5 x 40 tokens, limit 2 (15 ms),
        // 5 * 40 * 20 / 10 = 400 iterations.
        double[] five = {40, 40, 40, 40, 40};
        assertEquals(400 * 0.015, priced(cost, 0, 2, 10, 0, five), 1e-12);
    }

    @Test
    void randomGroupsFollowTheDocumentedFormula() {
        SplittableRandom rnd = new SplittableRandom(29);
        for (int trial = 0; trial < 20_000; trial++) {
            DecodeTimeTable table = trial % 2 == 0 ? DecodeTimeTable.llama2_70bH100() : randomTable(rnd);
            int maxBatch = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 300);
            SegmentCost cost = new SegmentCost(table, maxBatch);
            int d = rnd.nextInt(table.degreeCount());
            int limit = 1 + rnd.nextInt(maxBatch);
            int k = rnd.nextInt(2 * limit + 3);
            double[] lengths = new double[k];
            for (int i = 0; i < k; i++) {
                lengths[i] = rnd.nextInt(4) == 0 ? rnd.nextInt(3) * 500.0 : Math.floor(Math.exp(rnd.nextDouble(0, 11)));
            }
            double kv = switch (rnd.nextInt(3)) {
                case 0 -> 0.0;
                case 1 -> rnd.nextDouble(1, 1e3);
                default -> rnd.nextDouble(1e3, 1e7);
            };
            double context = rnd.nextBoolean() ? 0.0 : rnd.nextInt(4000);
            double expected = documented(table, d, limit, kv, context, lengths);
            double actual = priced(cost, d, limit, kv, context, lengths);
            String what = "trial " + trial + ": degree column " + d + ", limit " + limit + ", k " + k + ", kv " + kv
                    + ", context " + context;
            assertEquals(expected, actual, 1e-12 * expected, what);
            if (kv == 0.0) {
                double lmax = 0;
                double sum = 0;
                for (double len : lengths) {
                    lmax = Math.max(lmax, len);
                    sum += len;
                }
                assertEquals(expected, cost.cost(d, limit, lmax, sum, k), 1e-12 * expected, what);
            }
        }
    }

    /** Random degrees and rows, non-decreasing in batch. */
    private static DecodeTimeTable randomTable(SplittableRandom rnd) {
        int degrees = 1 + rnd.nextInt(4);
        int[] deg = new int[degrees];
        for (int i = 0; i < degrees; i++) {
            deg[i] = (i == 0 ? 0 : deg[i - 1]) + 1 + rnd.nextInt(4);
        }
        DecodeTimeTable.Builder b = DecodeTimeTable.builder().degrees(deg);
        double[] ms = new double[degrees];
        for (int i = 0; i < degrees; i++) {
            ms[i] = rnd.nextDouble(1, 60);
        }
        int batch = 1 + rnd.nextInt(4);
        for (int r = 0, rows = 1 + rnd.nextInt(4); r < rows; r++) {
            b.rowMillis(batch, ms.clone());
            batch += 1 + rnd.nextInt(64);
            for (int i = 0; i < degrees; i++) {
                ms[i] += rnd.nextDouble(0, 10);
            }
        }
        return b.build();
    }
}
