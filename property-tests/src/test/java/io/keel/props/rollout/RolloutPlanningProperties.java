package io.keel.props.rollout;

import java.util.Arrays;
import java.util.SplittableRandom;

import io.keel.planners.rollout.AdmissionGate;
import io.keel.planners.rollout.DecodeTimeTable;
import io.keel.planners.rollout.LogHistogram;
import io.keel.planners.rollout.RuntimePredictor;
import io.keel.planners.rollout.MigrationPlanner;
import io.keel.planners.rollout.ParallelismPlanner;
import io.keel.planners.rollout.ProgressiveScheduler;
import io.keel.planners.rollout.TrajectoryPlacer;
import io.keel.planners.rollout.internal.QuadraticPartitionDp;
import io.keel.planners.rollout.internal.SegmentCost;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/** Properties of the rollout planners: exact optimality, heap order, migration invariants. */
class RolloutPlanningProperties {
    private static final DecodeTimeTable TABLE = DecodeTimeTable.llama2_70bH100();
    private static final int[] DEGREES = {1, 2, 4, 8};

    private static double[] lengths(SplittableRandom r, int n, int distinct) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(distinct) * 997.0 + (r.nextBoolean() ? 0 : r.nextInt(50));
        }
        return v;
    }

    private static double[] descending(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    /** The placer's documented instance order: per-token time at batch 1, ties by index. */
    private static int[] fastestFirst(int[] deg) {
        return java.util.stream.IntStream.range(0, deg.length).boxed()
                .sorted((a, b) -> {
                    int c = Double.compare(TABLE.secondsPerToken(1, deg[a]), TABLE.secondsPerToken(1, deg[b]));
                    return c != 0 ? c : Integer.compare(a, b);
                }).mapToInt(Integer::intValue).toArray();
    }

    /**
     * Seconds for an instance of {@code degree} GPUs running at most {@code limit} sequences to
     * finish a group of {@code k} trajectories, longest {@code lmax}, total {@code sum}, straight
     * from the cost model's definition: {@code max(lmax * t(b), sum * t(b) / b)} with
     * {@code b = min(k, limit)} and {@code t} the table's per-token time.
     */
    private static double groupSeconds(int degree, int limit, double lmax, double sum, int k) {
        if (k == 0) {
            return 0.0;
        }
        int b = Math.min(k, limit);
        double t = TABLE.secondsPerToken(b, degree);
        return Math.max(lmax * t, sum * t / b);
    }

    private static double brute(double[] s, int start, int p, int[] order, int[] deg, int[] batch) {
        if (p == order.length) {
            return start == s.length ? 0.0 : Double.POSITIVE_INFINITY;
        }
        double best = Double.POSITIVE_INFINITY;
        double sum = 0;
        for (int end = start; end <= s.length; end++) {
            if (end > start) {
                sum += s[end - 1];
            }
            int j = order[p];
            double c = end == start ? 0.0 : groupSeconds(deg[j], batch[j], s[start], sum, end - start);
            if (c < best) {
                best = Math.min(best, Math.max(c, brute(s, end, p + 1, order, deg, batch)));
            }
        }
        return best;
    }

    @Test
    void placementIsOptimalAgainstBruteForce() {
        TrajectoryPlacer placer = new TrajectoryPlacer(9, 4, 6, TABLE);
        qt().withExamples(2000).forAll(integers().between(0, 9), integers().between(1, 4), longs().all())
                .checkAssert((n, m, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    double[] v = lengths(r, n, 6);
                    int[] deg = new int[m];
                    int[] batch = new int[m];
                    for (int j = 0; j < m; j++) {
                        deg[j] = DEGREES[r.nextInt(4)];
                        batch[j] = 1 + r.nextInt(6);
                    }
                    double expected = brute(descending(v), 0, 0, fastestFirst(deg), deg, batch);
                    assertEquals(expected, placer.place(v, n, deg, batch, m).makespanSeconds(), 1e-12 * expected);
                });
    }

    @Test
    void placementMatchesQuadraticDpUpTo200() {
        TrajectoryPlacer placer = new TrajectoryPlacer(200, 12, 32, TABLE);
        SegmentCost cost = new SegmentCost(TABLE, 32);
        qt().withExamples(1000).forAll(integers().between(0, 200), integers().between(1, 12), longs().all())
                .checkAssert((n, m, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    double[] v = lengths(r, n, 1 + r.nextInt(200));
                    int[] deg = new int[m];
                    int[] batch = new int[m];
                    for (int j = 0; j < m; j++) {
                        deg[j] = DEGREES[r.nextInt(4)];
                        batch[j] = 1 + r.nextInt(32);
                    }
                    int[] order = fastestFirst(deg);
                    int[] di = new int[m];
                    int[] bi = new int[m];
                    for (int p = 0; p < m; p++) {
                        di[p] = TABLE.degreeIndex(deg[order[p]]);
                        bi[p] = batch[order[p]];
                    }
                    double[] kv = new double[m];
                    long[] kvIn = new long[m];
                    boolean bounded = r.nextBoolean();
                    for (int p = 0; p < m; p++) {
                        kvIn[order[p]] = bounded ? 1000L * (1 + r.nextInt(500)) : 0L;
                    }
                    for (int p = 0; p < m; p++) {
                        kv[p] = kvIn[order[p]];
                    }
                    double context = bounded ? r.nextInt(2000) : 0;
                    double expected = QuadraticPartitionDp.makespan(cost, descending(v), n, di, bi, kv, context, m);
                    TrajectoryPlacer.Placement p = placer.place(v, n, deg, batch, kvIn, context, m);
                    assertEquals(expected, p.makespanSeconds());
                    int covered = 0;
                    for (int j = 0; j < m; j++) {
                        covered += p.segmentEnd(j) - p.segmentStart(j);
                        assertTrue(p.predictedSeconds(j) <= p.makespanSeconds());
                    }
                    assertEquals(n, covered);
                });
    }

    @Test
    void parallelismIsOptimalAgainstQuadraticDp() {
        int[] limits = {4, 8, 16, 32};
        ParallelismPlanner planner = new ParallelismPlanner(40, 16, limits, TABLE);
        SegmentCost cost = new SegmentCost(TABLE, 32);
        qt().withExamples(1000).forAll(integers().between(0, 40), integers().between(1, 16), longs().all())
                .checkAssert((n, g, seed) -> {
                    double[] v = lengths(new SplittableRandom(seed), n, 40);
                    ParallelismPlanner.Plan p = planner.plan(v, n, g);
                    assertEquals(QuadraticPartitionDp.parallelismMakespan(cost, descending(v), n, g, limits), p.makespanSeconds());
                    assertTrue(p.gpusUsed() <= g);
                });
    }

    @Test
    void schedulerKeepsHeapOrderUnderRandomOperations() {
        qt().withExamples(1000).forAll(integers().between(1, 64), integers().between(1, 400), longs().all())
                .checkAssert((cap, ops, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    double aging = r.nextBoolean() ? 0.0 : r.nextDouble(0, 20);
                    ProgressiveScheduler s = new ProgressiveScheduler(cap, aging);
                    // The model: 0 absent, 1 waiting, 2 running.
                    int[] where = new int[cap];
                    double[] pred = new double[cap];
                    double[] enq = new double[cap];
                    double now = 0;
                    for (int op = 0; op < ops; op++) {
                        now += r.nextDouble(0, 3);
                        int id = r.nextInt(cap);
                        double p = r.nextInt(8) * 100.0;
                        switch (r.nextInt(5)) {
                            case 0 -> {
                                if (where[id] == 0) {
                                    s.enqueue(id, p, now);
                                    where[id] = 1;
                                    pred[id] = p;
                                    enq[id] = now;
                                }
                            }
                            case 1 -> {
                                if (where[id] != 0) {
                                    s.update(id, p);
                                    pred[id] = p;
                                }
                            }
                            case 2 -> {
                                assertEquals(where[id] != 0, s.remove(id));
                                where[id] = 0;
                            }
                            case 3 -> {
                                int expected = bestWaiting(where, pred, enq, aging);
                                assertEquals(expected, s.pollNext());
                                if (expected >= 0) {
                                    where[expected] = 2;
                                }
                            }
                            default -> {
                                int victim = s.preemptionVictim(0.25);
                                int w = bestWaiting(where, pred, enq, aging);
                                int low = -1;
                                for (int i = 0; i < cap; i++) {
                                    if (where[i] == 2 && (low < 0 || pred[i] < pred[low])) {
                                        low = i;
                                    }
                                }
                                int expected = w >= 0 && low >= 0 && pred[w] > pred[low] * 1.25 ? low : -1;
                                assertEquals(expected, victim);
                                if (victim >= 0) {
                                    s.preempt(victim, now);
                                    where[victim] = 1;
                                    enq[victim] = now;
                                }
                            }
                        }
                        assertEquals(bestWaiting(where, pred, enq, aging), s.peekNext());
                    }
                });
    }

    private static int bestWaiting(int[] where, double[] pred, double[] enq, double aging) {
        int best = -1;
        double bestKey = 0;
        for (int i = 0; i < where.length; i++) {
            if (where[i] != 1) {
                continue;
            }
            double key = pred[i] - aging * enq[i];
            if (best < 0 || key > bestKey) {
                best = i;
                bestKey = key;
            }
        }
        return best;
    }

    @Test
    void migrationNeverRaisesTheMaxLoadAndRespectsTransfers() {
        MigrationPlanner mp = new MigrationPlanner(16, 64, 64);
        qt().withExamples(1000).forAll(integers().between(1, 16), integers().between(0, 64), longs().all())
                .checkAssert((m, c, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    double[] load = new double[m];
                    double[] spt = new double[m];
                    for (int j = 0; j < m; j++) {
                        load[j] = r.nextDouble(0, 1000);
                        spt[j] = r.nextDouble(0.01, 0.06);
                    }
                    int[] traj = new int[c];
                    int[] inst = new int[c];
                    double[] tok = new double[c];
                    double[] kv = new double[c];
                    double[] tool = new double[c];
                    for (int i = 0; i < c; i++) {
                        traj[i] = i;
                        inst[i] = r.nextInt(m);
                        tok[i] = r.nextDouble(0, 5000);
                        kv[i] = r.nextDouble(0, 4e9);
                        tool[i] = r.nextDouble(0, 10);
                    }
                    mp.beginInterval();
                    double before = Arrays.stream(load).max().orElse(0);
                    int maxMoves = 1 + r.nextInt(16);
                    MigrationPlanner.Moves moves = mp.plan(load, spt, m, traj, inst, tok, kv, tool, c, 1e9, maxMoves);
                    // Replay the moves on the input loads with the documented cost model: a moved
                    // trajectory's remaining tokens leave its source at the source's per-token time
                    // and arrive at the destination re-priced at the destination's.
                    double[] replay = load.clone();
                    boolean[] moved = new boolean[c];
                    for (int k = 0; k < moves.count(); k++) {
                        int i = moves.candidate(k);
                        int from = moves.from(k);
                        int to = moves.to(k);
                        assertTrue(!moved[i]);
                        assertEquals(traj[i], moves.trajectory(k));
                        assertTrue(kv[i] / 1e9 <= tool[i]);
                        assertEquals(inst[i], from);
                        double most = Arrays.stream(replay).max().orElseThrow();
                        double least = Arrays.stream(replay).min().orElseThrow();
                        assertEquals(most, replay[from], "move " + k + " leaves the most loaded instance");
                        assertEquals(least, replay[to], "move " + k + " goes to the least loaded instance");
                        assertTrue(to != from);
                        double gain = migrationGain(replay, spt, from, to, tok[i]);
                        assertEquals(gain, moves.gain(k), 1e-9 * (1 + replay[from]));
                        assertTrue(gain > 0);
                        moved[i] = true;
                        for (int o = 0; o < c; o++) {
                            if (!moved[o] && inst[o] == from && kv[o] / 1e9 <= tool[o] && tok[o] > 0) {
                                assertTrue(migrationGain(replay, spt, from, to, tok[o]) <= gain, "move " + k + " is the best");
                            }
                        }
                        replay[from] -= tok[i] * spt[from];
                        replay[to] += tok[i] * spt[to];
                    }
                    double replayMax = 0;
                    for (int j = 0; j < m; j++) {
                        assertEquals(replay[j], moves.loadAfter(j), 1e-9 * (1 + Math.abs(replay[j])), "instance " + j);
                        replayMax = Math.max(replayMax, replay[j]);
                    }
                    assertEquals(replayMax, moves.maxLoadAfter(), 1e-9 * (1 + replayMax));
                    assertTrue(replayMax <= before + 1e-9 * (1 + before), replayMax + " > " + before);
                    if (moves.count() < maxMoves) {
                        // Stopped early: no eligible candidate on the most loaded instance helps.
                        int src = 0;
                        int dst = 0;
                        for (int j = 1; j < m; j++) {
                            src = replay[j] > replay[src] ? j : src;
                            dst = replay[j] < replay[dst] ? j : dst;
                        }
                        for (int o = 0; o < c; o++) {
                            if (src != dst && !moved[o] && inst[o] == src && kv[o] / 1e9 <= tool[o] && tok[o] > 0) {
                                assertTrue(migrationGain(replay, spt, src, dst, tok[o]) <= 1e-9,
                                        "stopped while candidate " + o + " helps");
                            }
                        }
                    }
                });
    }

    /** How much moving {@code tokens} from {@code src} to {@code dst} lowers the pair's larger load. */
    private static double migrationGain(double[] load, double[] spt, int src, int dst, double tokens) {
        return load[src] - Math.max(load[src] - tokens * spt[src], load[dst] + tokens * spt[dst]);
    }

    @Test
    void meanResidualMatchesExactComputationOnIntegers() {
        qt().withExamples(1000).forAll(integers().between(1, 200), integers().between(0, 20), longs().all())
                .checkAssert((count, x, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    LogHistogram h = new LogHistogram();
                    long survivors = 0;
                    double sum = 0;
                    for (int i = 0; i < count; i++) {
                        int v = r.nextInt(16); // below 16 every integer has its own bucket
                        h.record(v);
                        if (v > x) {
                            survivors++;
                            sum += v;
                        }
                    }
                    assertEquals(survivors, h.survivors(x));
                    if (survivors == 0) {
                        assertTrue(Double.isNaN(h.meanResidual(x)));
                    } else {
                        assertEquals(sum / survivors - x, h.meanResidual(x), 1e-9);
                    }
                });
    }

    /**
     * The predictor's class comment, recomputed from the raw history: remaining steps are the
     * mean residual {@code E[S - s | S > s]} over the group's last {@code window} completions
     * that outlasted {@code s} steps, blended with weight {@code c / (c + 2)} ({@code c} such
     * siblings) with the global histogram's; tokens per step are {@code (s * own + 3 * prior) /
     * (s + 3)}, the prior being the group's rate blended with the global one (weight {@code h /
     * (h + 2)} on the group's {@code h} completions, as for the steps); remaining tokens are their
     * product. With no completion that outlasted {@code s} steps (in particular no history at all)
     * the trajectory is taken as half done: {@code max(1, s)} steps to go; with no history at all
     * the rate is its own.
     */
    private static final class PredictorModel {
        private final int window;
        private final java.util.List<java.util.List<long[]>> groups = new java.util.ArrayList<>();
        private final LogHistogram globalSteps = new LogHistogram();
        private long globalTokens;
        private long globalStepSum;

        PredictorModel(int groups, int window) {
            this.window = window;
            for (int g = 0; g < groups; g++) {
                this.groups.add(new java.util.ArrayList<>());
            }
        }

        void record(int group, long tokens, int steps) {
            groups.get(group).add(new long[] {tokens, steps});
            globalSteps.record(steps);
            globalTokens += tokens;
            globalStepSum += steps;
        }

        /** {remaining steps, remaining tokens} after {@code s} steps and {@code x} tokens. */
        double[] predict(int group, int s, long x) {
            java.util.List<long[]> all = groups.get(group);
            java.util.List<long[]> siblings = all.subList(Math.max(0, all.size() - window), all.size());
            int survivors = 0;
            double residual = 0;
            long groupTokens = 0;
            long groupSteps = 0;
            for (long[] h : siblings) {
                groupTokens += h[0];
                groupSteps += h[1];
                if (h[1] > s) {
                    survivors++;
                    residual += h[1] - s;
                }
            }
            double global = globalSteps.meanResidual(s);
            double steps;
            if (survivors > 0) {
                double own = residual / survivors;
                double w = survivors / (survivors + 2.0);
                steps = Double.isNaN(global) ? own : w * own + (1 - w) * global;
            } else if (!Double.isNaN(global)) {
                steps = global;
            } else {
                steps = Math.max(1, s);
            }
            double prior = globalStepSum == 0 ? Double.NaN : (double) globalTokens / globalStepSum;
            if (!siblings.isEmpty()) {
                double w = siblings.size() / (siblings.size() + 2.0);
                prior = w * groupTokens / groupSteps + (1 - w) * prior;
            }
            double own = s == 0 ? 0.0 : (double) x / s;
            double rate = Double.isNaN(prior) ? own : (s * own + 3 * prior) / (s + 3);
            return new double[] {steps, steps * rate};
        }
    }

    private static void assertPredicts(PredictorModel model, RuntimePredictor p, int trajectory, int group, String when) {
        int s = p.stepsDone(trajectory);
        long x = p.tokensDone(trajectory);
        double[] expected = model.predict(group, s, x);
        String what = when + ", after " + s + " steps and " + x + " tokens";
        assertEquals(expected[0], p.predictedRemainingSteps(trajectory), 1e-9 * (1 + expected[0]), what);
        assertEquals(expected[1], p.predictedRemainingTokens(trajectory), 1e-9 * (1 + expected[1]), what);
        assertEquals(x + expected[1], p.predictedTotalTokens(trajectory), 1e-9 * (1 + x + expected[1]), what);
    }

    @Test
    void predictionsFollowTheDocumentedBlendOfHistory() {
        qt().withExamples(1000).forAll(integers().between(0, 40), integers().between(1, 60), longs().all())
                .checkAssert((history, stepsRun, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    RuntimePredictor p = new RuntimePredictor(4, 8, 4, 16);
                    PredictorModel model = new PredictorModel(4, 8);
                    // Mostly short histories, so the trajectory runs past some siblings and all of them.
                    int longest = r.nextBoolean() ? 15 : 300;
                    for (int i = 0; i < history; i++) {
                        int g = r.nextInt(4);
                        long tokens = r.nextInt(100_000);
                        int steps = 1 + r.nextInt(longest);
                        p.recordCompleted(g, tokens, steps);
                        model.record(g, tokens, steps);
                    }
                    int group = r.nextInt(4);
                    p.start(0, group);
                    assertPredicts(model, p, 0, group, "at the start");
                    int late = r.nextInt(stepsRun);
                    for (int s = 0; s < stepsRun; s++) {
                        p.observeStep(0, r.nextInt(2000));
                        double rem = p.predictedRemainingTokens(0);
                        assertTrue(rem >= 0 && !Double.isInfinite(rem) && !Double.isNaN(rem));
                        assertPredicts(model, p, 0, group, "step " + s);
                        if (s == late) {
                            // A sibling completing now moves the next refresh as the model says.
                            long tokens = r.nextInt(100_000);
                            int steps = 1 + r.nextInt(longest);
                            p.recordCompleted(group, tokens, steps);
                            model.record(group, tokens, steps);
                            double refreshed = p.refresh(0);
                            assertEquals(refreshed, p.predictedTotalTokens(0));
                            assertPredicts(model, p, 0, group, "refreshed after a sibling of " + steps + " steps");
                        }
                    }
                    int steps = p.stepsDone(0);
                    long tokens = p.tokensDone(0);
                    p.complete(0);
                    model.record(group, tokens, steps);
                    assertEquals(0.0, p.predictedRemainingTokens(0));
                    assertEquals(history + 2, p.historyCount());
                    // The completed trajectory is now history for the next one of its group.
                    p.start(1, group);
                    assertPredicts(model, p, 1, group, "a new trajectory after the first completed");
                });
    }

    @Test
    void tabulatedTimesNeverDecreaseWithBatch() {
        qt().withExamples(1000).forAll(integers().between(1, 6), longs().all()).checkAssert((rows, seed) -> {
            SplittableRandom r = new SplittableRandom(seed);
            DecodeTimeTable.Builder b = DecodeTimeTable.builder().degrees(1, 2, 4, 8);
            double[] ms = {r.nextDouble(1, 60), r.nextDouble(1, 60), r.nextDouble(1, 60), r.nextDouble(1, 60)};
            int batch = 1;
            for (int i = 0; i < rows; i++) {
                b.rowMillis(batch, ms.clone());
                batch += 1 + r.nextInt(100);
                for (int d = 0; d < 4; d++) {
                    ms[d] += r.nextDouble(0, 5);
                }
            }
            DecodeTimeTable t = b.build();
            double[] out = new double[513];
            for (int d = 0; d < 4; d++) {
                t.fill(d, out, 512);
                for (int k = 2; k <= 512; k++) {
                    assertTrue(out[k] >= out[k - 1]);
                    assertTrue(out[k] > 0);
                }
            }
        });
    }

    @Test
    void admissionGateChargesExactlyItsAdmittedPeaksAndAdmitsOnlyWhatFits() {
        qt().withExamples(1000).forAll(integers().between(1, 64), integers().between(1, 400), longs().all())
                .checkAssert((n, ops, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    AdmissionGate g = new AdmissionGate(n);
                    double budget = 1 + r.nextDouble(1e5);
                    g.reset(budget);
                    double[] model = new double[n];
                    for (int k = 0; k < ops; k++) {
                        int id = r.nextInt(n);
                        double peak = 1 + r.nextDouble(budget / 2);
                        int admitted = (int) Arrays.stream(model).filter(x -> x > 0).count();
                        double sum = Arrays.stream(model).sum();
                        if (model[id] == 0) {
                            boolean fits = admitted == 0 || sum + peak <= budget;
                            assertEquals(fits, g.fits(peak));
                            assertEquals(fits, g.tryAdmit(id, peak));
                            if (fits) {
                                model[id] = peak;
                            }
                        } else if (r.nextBoolean()) {
                            g.recharge(id, peak);
                            model[id] = peak;
                        } else {
                            g.release(id);
                            model[id] = 0;
                        }
                        assertEquals(Arrays.stream(model).sum(), g.chargedTokens(), 1e-6 * budget);
                        assertEquals((int) Arrays.stream(model).filter(x -> x > 0).count(), g.admittedCount());
                        assertEquals(model[id], g.charge(id), 0.0);
                    }
                });
    }
}
