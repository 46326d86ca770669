package io.keel.planners.rollout;

import java.util.Arrays;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import io.keel.planners.rollout.internal.QuadraticPartitionDp;
import io.keel.planners.rollout.internal.SegmentCost;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlacementTest {
    private static final DecodeTimeTable TABLE = DecodeTimeTable.llama2_70bH100();
    private static final int[] DEGREES = {1, 2, 4, 8};

    static double[] lengths(SplittableRandom rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (rnd.nextInt(4)) {
                case 0 -> Math.floor(Math.exp(rnd.nextDouble(3, 11)));
                case 1 -> rnd.nextInt(5) * 100.0; // ties and zeros
                default -> rnd.nextDouble(0, 50_000);
            };
        }
        return v;
    }

    /** The placer's instance order: per-token time at batch 1, ties by index. */
    static int[] fastestFirst(int[] degrees, int m) {
        Integer[] idx = new Integer[m];
        for (int j = 0; j < m; j++) {
            idx[j] = j;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(TABLE.secondsPerToken(1, degrees[a]), TABLE.secondsPerToken(1, degrees[b]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    static double reference(SegmentCost cost, double[] v, int n, int[] degrees, int[] batch, long[] kv, double context, int m) {
        double[] sorted = Arrays.stream(v, 0, n).map(x -> -x).sorted().map(x -> -x).toArray();
        int[] order = fastestFirst(degrees, m);
        int[] di = new int[m];
        int[] bi = new int[m];
        double[] ki = new double[m];
        for (int p = 0; p < m; p++) {
            di[p] = TABLE.degreeIndex(degrees[order[p]]);
            bi[p] = batch[order[p]];
            ki[p] = kv == null ? 0 : kv[order[p]];
        }
        return QuadraticPartitionDp.makespan(cost, sorted, n, di, bi, ki, context, m);
    }

    @Test
    void placerMatchesQuadraticDp() {
        SplittableRandom rnd = new SplittableRandom(7);
        TrajectoryPlacer placer = new TrajectoryPlacer(200, 16, 64, TABLE);
        SegmentCost cost = new SegmentCost(TABLE, 64);
        for (int trial = 0; trial < 300; trial++) {
            int n = rnd.nextInt(201);
            int m = 1 + rnd.nextInt(16);
            double[] v = lengths(rnd, n);
            int[] deg = new int[m];
            int[] batch = new int[m];
            boolean same = rnd.nextBoolean();
            for (int j = 0; j < m; j++) {
                deg[j] = same ? 2 : DEGREES[rnd.nextInt(4)];
                batch[j] = same ? 8 : 1 + rnd.nextInt(64);
            }
            TrajectoryPlacer.Placement p = placer.place(v, n, deg, batch, m);
            assertEquals(reference(cost, v, n, deg, batch, null, 0, m), p.makespanSeconds(), "trial " + trial);
            checkPlacement(p, v, n, m);
            long[] kv = new long[m];
            for (int j = 0; j < m; j++) {
                kv[j] = rnd.nextInt(4) == 0 ? 0 : 20_000L * deg[j] * (1 + rnd.nextInt(20));
            }
            double context = rnd.nextInt(3000);
            p = placer.place(v, n, deg, batch, kv, context, m);
            assertEquals(reference(cost, v, n, deg, batch, kv, context, m), p.makespanSeconds(), "kv trial " + trial);
            checkPlacement(p, v, n, m);
        }
    }

    static void checkPlacement(TrajectoryPlacer.Placement p, double[] v, int n, int m) {
        boolean[] seen = new boolean[n];
        int covered = 0;
        double worst = 0;
        for (int j = 0; j < m; j++) {
            covered += p.segmentEnd(j) - p.segmentStart(j);
            worst = Math.max(worst, p.predictedSeconds(j));
            for (int r = p.segmentStart(j); r < p.segmentEnd(j); r++) {
                int t = p.rankedTrajectory(r);
                assertTrue(!seen[t]);
                seen[t] = true;
                assertEquals(j, p.instanceOf(t));
            }
        }
        assertEquals(n, covered);
        for (int r = 1; r < n; r++) {
            assertTrue(v[p.rankedTrajectory(r - 1)] >= v[p.rankedTrajectory(r)]);
        }
        assertEquals(worst, p.makespanSeconds());
    }

    @Test
    void placerMatchesBruteForceOnTinyCases() {
        SplittableRandom rnd = new SplittableRandom(11);
        TrajectoryPlacer placer = new TrajectoryPlacer(8, 4, 4, TABLE);
        SegmentCost cost = new SegmentCost(TABLE, 4);
        for (int trial = 0; trial < 500; trial++) {
            int n = rnd.nextInt(9);
            int m = 1 + rnd.nextInt(4);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextInt(6) * 1000.0;
            }
            int[] deg = new int[m];
            int[] batch = new int[m];
            for (int j = 0; j < m; j++) {
                deg[j] = DEGREES[rnd.nextInt(4)];
                batch[j] = 1 + rnd.nextInt(4);
            }
            double[] sorted = Arrays.stream(v).map(x -> -x).sorted().map(x -> -x).toArray();
            int[] order = fastestFirst(deg, m);
            double best = brute(cost, sorted, 0, 0, order, deg, batch, m);
            assertEquals(best, placer.place(v, n, deg, batch, m).makespanSeconds(), "trial " + trial);
        }
    }

    /** Every composition of the sorted order into m ordered groups. */
    private static double brute(SegmentCost cost, double[] s, int start, int p, int[] order, int[] deg, int[] batch, int m) {
        if (p == m) {
            return start == s.length ? 0.0 : Double.POSITIVE_INFINITY;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int end = start; end <= s.length; end++) {
            double sum = 0;
            for (int i = start; i < end; i++) {
                sum += s[i];
            }
            int j = order[p];
            double c = end == start ? 0.0 : cost.cost(TABLE.degreeIndex(deg[j]), batch[j], s[start], sum, end - start);
            best = Math.min(best, Math.max(c, brute(cost, s, end, p + 1, order, deg, batch, m)));
        }
        return best;
    }

    @Test
    void longestGoToTheFastestInstance() {
        TrajectoryPlacer placer = new TrajectoryPlacer(8, 2, 8, TABLE);
        double[] v = {100, 90_000, 200, 80_000, 300, 150};
        TrajectoryPlacer.Placement p = placer.place(v, 6, new int[] {1, 8}, new int[] {8, 8}, 2);
        assertEquals(1, p.instanceOf(1));
        assertEquals(0, p.instanceOf(0));
    }

    @Test
    void placerBadInputLeavesPreviousResult() {
        TrajectoryPlacer placer = new TrajectoryPlacer(16, 4, 8, TABLE);
        double[] v = {5, 4, 3, 2, 1};
        TrajectoryPlacer.Placement p = placer.place(v, 5, new int[] {1, 1}, new int[] {8, 8}, 2);
        double before = p.makespanSeconds();
        int inst = p.instanceOf(0);
        assertThrows(IllegalArgumentException.class, () -> placer.place(new double[] {1, Double.NaN}, 2, new int[] {1}, new int[] {8}, 1));
        assertThrows(IllegalArgumentException.class, () -> placer.place(new double[] {1, -1}, 2, new int[] {1}, new int[] {8}, 1));
        assertThrows(IllegalArgumentException.class, () -> placer.place(v, 5, new int[] {3}, new int[] {8}, 1));
        assertThrows(IllegalArgumentException.class, () -> placer.place(v, 5, new int[] {1}, new int[] {9}, 1));
        assertThrows(IllegalArgumentException.class, () -> placer.place(v, 17, new int[] {1}, new int[] {8}, 1));
        assertThrows(IllegalArgumentException.class, () -> placer.place(v, 5, new int[] {1}, new int[] {8}, 5));
        assertThrows(IllegalArgumentException.class, () -> placer.place(v, 6, new int[] {1}, new int[] {8}, 1));
        assertEquals(before, p.makespanSeconds());
        assertEquals(inst, p.instanceOf(0));
        assertEquals(before, placer.place(v, 5, new int[] {1, 1}, new int[] {8, 8}, 2).makespanSeconds());
    }

    @Test
    void placerAllocatesNothing() {
        SplittableRandom rnd = new SplittableRandom(3);
        TrajectoryPlacer placer = new TrajectoryPlacer(1024, 64, 256, TABLE);
        double[] v = lengths(rnd, 1024);
        int[] deg = new int[64];
        int[] batch = new int[64];
        for (int j = 0; j < 64; j++) {
            deg[j] = DEGREES[j % 4];
            batch[j] = 256;
        }
        AllocationProbe.assertZeroAllocation("place n=1024 m=64", () -> placer.place(v, 1024, deg, batch, 64), 2_000);
    }

    @Test
    void parallelismMatchesQuadraticDp() {
        SplittableRandom rnd = new SplittableRandom(5);
        int[] limits = {3, 6, 12, 16};
        ParallelismPlanner planner = new ParallelismPlanner(60, 24, limits, TABLE);
        SegmentCost cost = new SegmentCost(TABLE, 16);
        for (int trial = 0; trial < 200; trial++) {
            int n = rnd.nextInt(61);
            int g = 1 + rnd.nextInt(24);
            double[] v = lengths(rnd, n);
            ParallelismPlanner.Plan p = planner.plan(v, n, g);
            double[] sorted = Arrays.stream(v).map(x -> -x).sorted().map(x -> -x).toArray();
            assertEquals(QuadraticPartitionDp.parallelismMakespan(cost, sorted, n, g, limits), p.makespanSeconds(), "trial " + trial);
            assertTrue(p.gpusUsed() <= g);
            int covered = 0;
            double worst = 0;
            int used = 0;
            for (int j = 0; j < p.instances(); j++) {
                assertEquals(covered, p.segmentStart(j));
                covered = p.segmentEnd(j);
                worst = Math.max(worst, p.predictedSeconds(j));
                used += p.degree(j);
                for (int r = p.segmentStart(j); r < p.segmentEnd(j); r++) {
                    assertEquals(j, p.instanceOf(p.rankedTrajectory(r)));
                }
            }
            assertEquals(n, covered);
            assertEquals(used, p.gpusUsed());
            assertEquals(g - used, p.idleGpus());
            assertEquals(worst, p.makespanSeconds());
        }
    }

    @Test
    void parallelismWithKvBudgetMatchesQuadraticDp() {
        SplittableRandom rnd = new SplittableRandom(15);
        int[] limits = {4, 8, 16, 32};
        long[] kv = {60_000, 120_000, 240_000, 480_000};
        ParallelismPlanner planner = new ParallelismPlanner(50, 20, limits, kv, 1500, TABLE);
        SegmentCost cost = new SegmentCost(TABLE, 32);
        for (int trial = 0; trial < 150; trial++) {
            int n = rnd.nextInt(51);
            int g = 1 + rnd.nextInt(20);
            double[] v = lengths(rnd, n);
            double[] sorted = Arrays.stream(v).map(x -> -x).sorted().map(x -> -x).toArray();
            double expected = QuadraticPartitionDp.parallelismMakespan(cost, sorted, n, g, limits,
                    new double[] {60_000, 120_000, 240_000, 480_000}, 1500);
            assertEquals(expected, planner.plan(v, n, g).makespanSeconds(), "trial " + trial);
        }
    }

    @Test
    void kvBudgetSpreadsLongTrajectories() {
        TrajectoryPlacer placer = new TrajectoryPlacer(8, 4, 64, TABLE);
        double[] v = {60_000, 60_000, 60_000, 60_000, 500, 500, 500, 500};
        int[] deg = {1, 1, 1, 1};
        int[] batch = {64, 64, 64, 64};
        long[] kv = {50_000, 50_000, 50_000, 50_000}; // one long trajectory averages 31.5k tokens of cache
        TrajectoryPlacer.Placement p = placer.place(v, 8, deg, batch, kv, 1500, 4);
        for (int t = 0; t < 4; t++) {
            for (int u = t + 1; u < 4; u++) {
                assertTrue(p.instanceOf(t) != p.instanceOf(u), "two long trajectories share an instance");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> placer.place(v, 8, deg, batch, new long[] {1, 1, 1, -1}, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> placer.place(v, 8, deg, batch, kv, Double.NaN, 4));
    }

    @Test
    void parallelismPutsTheTailOnWideInstances() {
        ParallelismPlanner planner = new ParallelismPlanner(64, 16, 256, TABLE);
        double[] v = new double[64];
        Arrays.fill(v, 1_000);
        v[17] = 100_000;
        ParallelismPlanner.Plan p = planner.plan(v, 64, 16);
        assertEquals(8, p.degree(p.instanceOf(17)));
    }

    @Test
    void parallelismBadInputAndAllocation() {
        ParallelismPlanner planner = new ParallelismPlanner(1024, 64, 256, TABLE);
        double[] v = lengths(new SplittableRandom(9), 1024);
        ParallelismPlanner.Plan p = planner.plan(v, 1024, 64);
        double before = p.makespanSeconds();
        assertThrows(IllegalArgumentException.class, () -> planner.plan(v, 1025, 64));
        assertThrows(IllegalArgumentException.class, () -> planner.plan(v, 1024, 65));
        assertThrows(IllegalArgumentException.class, () -> planner.plan(v, 1024, 0));
        assertThrows(IllegalArgumentException.class, () -> planner.plan(new double[] {Double.POSITIVE_INFINITY}, 1, 8));
        assertEquals(before, p.makespanSeconds());
        AllocationProbe.assertZeroAllocation("parallelism G=64 n=1024", () -> planner.plan(v, 1024, 64), 300);
    }

    @Test
    void batchLimitsPastTheTabulatedRangeAreRefused() {
        DecodeTimeTable t = DecodeTimeTable.llama2_70bH100();
        assertThrows(IllegalArgumentException.class, () -> new TrajectoryPlacer(4, 2, Integer.MAX_VALUE, t));
        assertThrows(IllegalArgumentException.class, () -> new ParallelismPlanner(4, 8, Integer.MAX_VALUE, t));
        int[] perDegree = new int[t.degreeCount()];
        java.util.Arrays.fill(perDegree, 8);
        perDegree[0] = Integer.MAX_VALUE;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ParallelismPlanner(4, 8, perDegree, t));
        assertTrue(e.getMessage().contains("maxBatchPerDegree[0]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.fill(0, new double[4], Integer.MAX_VALUE));
        // Lengths past 2^53 tokens (where sums of squares lose the exact minimum) are refused.
        TrajectoryPlacer placer = new TrajectoryPlacer(20, 4, 16, t);
        double[] huge = new double[20];
        java.util.Arrays.fill(huge, 9e306);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> placer.place(huge, 20, new int[] {1, 2, 4, 8}, new int[] {16, 16, 16, 16}, 4));
        assertTrue(e2.getMessage().contains("predictedTokens[0] must be at most 2^53"), e2.getMessage());
    }
}
