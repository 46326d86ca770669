package io.keel.bench.sim.rollout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

import io.keel.core.ArgSort;
import io.keel.planners.rollout.DecodeTimeTable;
import io.keel.planners.rollout.ParallelismPlanner;
import io.keel.planners.rollout.RooflineCostModel;
import io.keel.planners.rollout.RuntimePredictor;
import io.keel.planners.rollout.TrajectoryPlacer;

/**
 * Simulates a policy over several training steps of agentic RL rollouts (one {@link
 * SimulatedRollout} per step, the same prompts each time), and sizes and bounds the runs.
 *
 * <p>keel plans each step from what its predictor knows then: the parallelism planner chooses
 * the instances (re-planned at every training step boundary, when the weights are reloaded
 * anyway) and the presorted-DP placer the home of each trajectory (when the trajectories
 * outnumber the instances' batch slots and so run in waves, which one presorted segment per
 * instance does not describe, homes spread the predicted work instead: longest first onto the
 * instance with the least predicted work per GPU). When keel's admission gate will hold
 * trajectories back, steps follow load rather than the placement, and the instances share one
 * degree (the planner's fastest uniform one). The planners price with a {@link DecodeTimeTable}
 * derived from the {@link RooflineCostModel} at one typical context, and with KV capacity in
 * output-token units (context per output token from history) scaled by the share of a
 * trajectory's life spent decoding: simpler than the simulator's model, which charges prefill,
 * growing contexts and tool calls.
 *
 * <p>Deterministic for its inputs. Single-threaded; allocates freely.
 */
public final class RolloutSimulator {
    private static final int[] PLANNER_BATCHES = {1, 16, 64, 256, 1024};
    /**
     * How much faster (predicted) a planned set of instances must be than the uniform widest degree
     * to be used: the planner's table is one typical context without prefill, and in the measured
     * cells where its mixes were within 10% of uniform TP8 they lost to it (bench/RESULTS.md).
     */
    private static final double PLAN_MARGIN = 0.10;

    private RolloutSimulator() {
    }

    /** The workloads of {@code cfg.trainingSteps()} training steps over the same prompts. */
    public static List<RolloutWorkload> trainingSteps(RolloutWorkload.Params p, RolloutConfig cfg, long seed) {
        List<RolloutWorkload> out = new ArrayList<>();
        for (int e = 0; e < cfg.trainingSteps(); e++) {
            out.add(RolloutWorkload.generate(p, seed, e));
        }
        return out;
    }

    /**
     * Trajectories for load {@code rho}: rho x cluster KV capacity / mean final context (of a
     * 2,048-trajectory sample), in whole prompt groups, at least one group.
     */
    public static int trajectoriesForLoad(RolloutWorkload.Params p, RolloutConfig cfg, double rho, long seed) {
        if (!(rho > 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("load must be positive and finite, was " + rho);
        }
        RolloutWorkload sample = RolloutWorkload.generate(p.withTrajectories(2048), seed ^ 0x5EEDL, 0);
        double sum = 0;
        for (int t = 0; t < sample.trajectories(); t++) {
            sum += sample.finalContext(t);
        }
        double n = rho * cfg.clusterKvTokens(p.contextCap()) / (sum / sample.trajectories());
        int groups = (int) Math.max(1, Math.round(n / p.groupSize()));
        return groups * p.groupSize();
    }

    /** Runs {@code policy} over the training steps; baselines on {@code cfg.baselineDegree()}. */
    public static RolloutResult run(List<RolloutWorkload> steps, RolloutConfig cfg, Policy policy) {
        return run(steps, cfg, policy, sim -> { });
    }

    /** {@link #run(List, RolloutConfig, Policy)}, handing each training step's finished simulation to {@code afterEachStep} (tests). */
    static RolloutResult run(List<RolloutWorkload> steps, RolloutConfig cfg, Policy policy,
                             java.util.function.Consumer<SimulatedRollout> afterEachStep) {
        int contextCap = steps.get(0).params().contextCap();
        cfg.requireUsable(cfg.baselineDegree(), contextCap);
        int maxN = 0;
        int maxGroups = 0;
        for (RolloutWorkload w : steps) {
            maxN = Math.max(maxN, w.trajectories());
            maxGroups = Math.max(maxGroups, w.groups());
        }
        Predictions pred = new Predictions(policy, maxGroups, maxN);
        Totals tot = new Totals(steps.size());
        String instances = "";
        double[][] quality = {new double[0], new double[0], new double[0]};
        int[] previous = null;
        for (RolloutWorkload w : steps) {
            pred.newRollout(w);
            int[] degrees = policy.isKeel() && policy.parallelism() ? plannedDegrees(w, cfg, policy, pred, previous)
                    : uniform(cfg.gpus(), cfg.baselineDegree());
            SimulatedRollout sim = new SimulatedRollout(w, cfg, policy, pred, degrees);
            if (policy.isKeel()) {
                place(sim, w, cfg, pred);
            }
            boolean relaunch = previous != null && !sameShape(previous, degrees);
            sim.run(relaunch ? cfg.relaunchSeconds() : 0.0);
            afterEachStep.accept(sim);
            tot.add(sim, w, lowerBoundSeconds(w, cfg), relaunch);
            previous = degrees;
            instances = shape(degrees);
            if (pred.predictor() != null && policy.predictor() && !policy.oracle()) {
                quality = quality(pred.predictor());
            }
        }
        return tot.result(policy, policy.isKeel() ? 0 : cfg.baselineDegree(), cfg.gpus(), instances, quality);
    }

    /**
     * The predictions keel would start a rollout of {@code workload} with: each trajectory's
     * predicted total output tokens after the previous training step of the same prompts (or a
     * cold predictor's guess when {@code history} is false). The JMH benchmarks' input.
     */
    public static double[] initialPredictions(RolloutWorkload workload, long seed, boolean history) {
        RuntimePredictor p = new RuntimePredictor(workload.groups(), 64, workload.trajectories(), 128);
        if (history) {
            RolloutWorkload previous = RolloutWorkload.generate(workload.params(), seed, 1);
            for (int t = 0; t < previous.trajectories(); t++) {
                p.recordCompleted(previous.group(t), previous.totalTokens(t), previous.steps(t));
            }
        }
        double[] out = new double[workload.trajectories()];
        for (int t = 0; t < out.length; t++) {
            p.start(t, workload.group(t));
            out[t] = p.predictedTotalTokens(t);
        }
        return out;
    }

    /**
     * The degree the frameworks' recipes usually give the model: the smallest usable one with
     * at most 20 GB of weights per GPU (TP1 for 8B, TP4 for 30-32B, TP8 for 70B).
     */
    public static int frameworkDefaultDegree(RolloutConfig cfg, int contextCap) {
        int[] usable = cfg.usableDegrees(contextCap);
        for (int d : usable) {
            if (cfg.model().weightBytesPerGpu(d) <= 20e9) {
                return d;
            }
        }
        return usable[usable.length - 1];
    }

    /** Whether two sets of instances have the same degrees (a re-launch is needed when not). */
    static boolean sameShape(int[] a, int[] b) {
        int[] x = a.clone();
        int[] y = b.clone();
        Arrays.sort(x);
        Arrays.sort(y);
        return Arrays.equals(x, y);
    }

    private static int[] uniform(int gpus, int degree) {
        int[] d = new int[gpus / degree];
        Arrays.fill(d, degree);
        return d;
    }

    /** Context tokens per output token, from history; NaN before any. */
    private static double contextPerOutputToken(Predictions pred) {
        return pred.meanFinalContext() / Math.max(1.0, pred.meanTotal());
    }

    /**
     * keel's instances for the next training step: the planner's shape for {@code w}, unless the
     * instances of the {@code previous} step (null: none) are predicted to run it no more than
     * {@link RolloutConfig#relaunchSeconds()} slower, which a change of shape would cost. Both
     * shapes are priced the same way ({@link #shapeSeconds}). (When the admission gate runs the
     * rollout in waves, only uniform previous instances may stay.)
     */
    private static int[] plannedDegrees(RolloutWorkload w, RolloutConfig cfg, Policy policy, Predictions pred,
                                        int[] previous) {
        int[] next = plannedShape(w, cfg, policy, pred);
        if (previous == null || sameShape(previous, next)) {
            return next;
        }
        boolean waves = inWaves(w, cfg, policy, pred);
        if (waves && distinct(previous).length > 1) {
            return next;
        }
        double keep = shapeSeconds(w, cfg, pred, previous, waves);
        double change = shapeSeconds(w, cfg, pred, next, waves);
        return change + cfg.relaunchSeconds() < keep ? next : previous;
    }

    /**
     * The planners' predicted makespan of {@code w} on exactly the instances {@code degrees}: the
     * presorted placement's, or, where steps do not follow that placement, the makespan of the
     * spread by predicted work ({@link #byWorkSeconds}). They do not follow it when the admission
     * gate runs the rollout in waves ({@code waves}: steps are routed by load) or when the
     * trajectories outnumber the instances' batch slots (one segment per instance does not
     * describe that; {@link #place} spreads them by work then).
     */
    static double shapeSeconds(RolloutWorkload w, RolloutConfig cfg, Predictions pred, int[] degrees,
                               boolean waves) {
        double[] predicted = pred.shapeLengths(predictions(w, pred));
        if (waves || predicted.length > (long) degrees.length * cfg.maxBatch()) {
            return byWorkSeconds(w, cfg, pred, degrees, predicted);
        }
        return presorted(w, cfg, pred, degrees, predicted).makespanSeconds();
    }

    /**
     * The predicted makespan of {@code lengths} spread over the instances {@code degrees} by
     * predicted work ({@link #placeByWork}, as routing by load spreads them): each instance's share
     * priced alone by the planners' cost (its longest trajectory at its batch, its throughput past
     * the batch limit, its KV), the slowest instance's.
     */
    private static double byWorkSeconds(RolloutWorkload w, RolloutConfig cfg, Predictions pred, int[] degrees,
                                        double[] lengths) {
        int n = lengths.length;
        int m = degrees.length;
        int[] home = new int[n];
        placeByWork(lengths, degrees, home);
        // The lengths grouped by instance, in index order within each (a counting sort).
        int[] start = new int[m + 1];
        for (int t = 0; t < n; t++) {
            start[home[t] + 1]++;
        }
        for (int j = 0; j < m; j++) {
            start[j + 1] += start[j];
        }
        int[] next = Arrays.copyOf(start, m);
        double[] grouped = new double[n];
        for (int t = 0; t < n; t++) {
            grouped[next[home[t]]++] = lengths[t];
        }
        double worst = 0;
        for (int j = 0; j < m; j++) {
            double[] share = Arrays.copyOfRange(grouped, start[j], start[j + 1]);
            worst = Math.max(worst, presorted(w, cfg, pred, new int[] {degrees[j]}, share).makespanSeconds());
        }
        return worst;
    }

    /**
     * The presorted-DP placement of {@code lengths} on the instances {@code degrees}, priced by the
     * planners' table over the usable degrees, each instance's batch limit and its KV in the
     * planners' units ({@link #plannerKvTokens}).
     */
    private static TrajectoryPlacer.Placement presorted(RolloutWorkload w, RolloutConfig cfg, Predictions pred,
                                                        int[] degrees, double[] lengths) {
        int n = lengths.length;
        int m = degrees.length;
        double ratio = contextPerOutputToken(pred);
        int cap = w.params().contextCap();
        DecodeTimeTable table = plannerTable(cfg, cfg.usableDegrees(cap), pred, cap);
        int[] limits = new int[m];
        long[] kv = new long[m];
        for (int j = 0; j < m; j++) {
            limits[j] = cfg.maxBatch();
            kv[j] = plannerKvTokens(new RooflineCostModel(cfg.model(), cfg.gpu(), degrees[j]), ratio, pred);
        }
        return new TrajectoryPlacer(n, m, cfg.maxBatch(), table).place(lengths, n, degrees, limits, kv,
                (int) Math.ceil(w.params().promptTokens() / ratio), m);
    }

    /** Whether keel's admission gate will hold trajectories back (run the rollout in waves). */
    private static boolean inWaves(RolloutWorkload w, RolloutConfig cfg, Policy policy, Predictions pred) {
        int[] usable = cfg.usableDegrees(w.params().contextCap());
        int widest = usable[usable.length - 1];
        return policy.residency() && pred.gateHolds((double) (cfg.gpus() / widest)
                * new RooflineCostModel(cfg.model(), cfg.gpu(), widest).kvCapacityTokens());
    }

    private static int[] distinct(int[] degrees) {
        return Arrays.stream(degrees).distinct().sorted().toArray();
    }

    private static int[] plannedShape(RolloutWorkload w, RolloutConfig cfg, Policy policy, Predictions pred) {
        int cap = w.params().contextCap();
        int[] usable = cfg.usableDegrees(cap);
        double ratio = contextPerOutputToken(pred);
        if (Double.isNaN(ratio)) {
            return uniform(cfg.gpus(), usable[usable.length - 1]); // no history: the most KV per GPU
        }
        double[] predicted = pred.shapeLengths(predictions(w, pred));
        int widest = usable[usable.length - 1];
        if (inWaves(w, cfg, policy, pred)) {
            return uniform(cfg.gpus(), bestUniformDegree(w, cfg, pred, usable, predicted));
        }
        ParallelismPlanner.Plan plan = planDegrees(w, cfg, pred, ratio, usable, predicted);
        if (usable.length > 1) {
            // The planner prices one typical context and no prefill, so a plan is kept only when
            // it beats the uniform widest degree (the most KV per GPU) by a clear margin.
            ParallelismPlanner.Plan uniform = planDegrees(w, cfg, pred, ratio, new int[] {widest}, predicted);
            if (plan.makespanSeconds() > (1 - PLAN_MARGIN) * uniform.makespanSeconds()) {
                return uniform(cfg.gpus(), widest);
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < plan.instances(); j++) {
            out.add(plan.degree(j));
        }
        int idle = plan.idleGpus();
        for (int d = usable.length - 1; d >= 0; d--) {
            while (idle >= usable[d]) {
                out.add(usable[d]);
                idle -= usable[d];
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The degree for a rollout that the admission gate runs in waves. Its steps follow load then,
     * not the placement, so a mix of degrees (planned for presorted placement: the longest
     * trajectories on the fastest instances) does not hold, and the instances are uniform. Each
     * uniform degree is priced as load routing runs it ({@link #byWorkSeconds}: every instance
     * gets an equal share of the work, the longest trajectory sharing its batch), not by the
     * presorted plan, which gives the longest trajectories instances of their own that waves do
     * not. The degree is the fastest if it is predicted {@link #PLAN_MARGIN} faster than the
     * widest, else the widest. (At llama3.1-8b's short workload on 64 GPUs the planner's mix of
     * 18 x TP1, 17 x TP2, ... ran 233 s where uniform TP4 ran 198 s; at qwen2.5-32b's short
     * workload on 8 GPUs the presorted plan priced 2 x TP4 at half TP8's time by running the
     * longest trajectory alone, and 2 x TP4 ran 5% slower: bench/RESULTS.md.)
     */
    private static int bestUniformDegree(RolloutWorkload w, RolloutConfig cfg, Predictions pred, int[] usable,
                                         double[] predicted) {
        int widest = usable[usable.length - 1];
        double wide = byWorkSeconds(w, cfg, pred, uniform(cfg.gpus(), widest), predicted);
        int best = widest;
        double bestSeconds = wide;
        for (int d : usable) {
            if (d == widest) {
                continue;
            }
            double seconds = byWorkSeconds(w, cfg, pred, uniform(cfg.gpus(), d), predicted);
            if (seconds < bestSeconds) {
                bestSeconds = seconds;
                best = d;
            }
        }
        return bestSeconds <= (1 - PLAN_MARGIN) * wide ? best : widest;
    }

    private static ParallelismPlanner.Plan planDegrees(RolloutWorkload w, RolloutConfig cfg, Predictions pred, double ratio,
                                                       int[] degrees, double[] predicted) {
        DecodeTimeTable table = plannerTable(cfg, degrees, pred, w.params().contextCap());
        int[] limits = new int[table.degreeCount()];
        long[] kv = new long[table.degreeCount()];
        for (int d = 0; d < limits.length; d++) {
            limits[d] = cfg.maxBatch();
            kv[d] = plannerKvTokens(new RooflineCostModel(cfg.model(), cfg.gpu(), table.degree(d)), ratio, pred);
        }
        int n = predicted.length;
        ParallelismPlanner planner = new ParallelismPlanner(n, cfg.gpus(), limits, kv,
                (int) Math.ceil(w.params().promptTokens() / ratio), table);
        return planner.plan(predicted, n, cfg.gpus());
    }

    /**
     * An instance's KV capacity as the planners see it: in output-token units ({@code ratio}
     * context tokens per output token), times the share of a trajectory's life it spends
     * decoding. The planners' KV bound charges a trajectory's cache only while it decodes, but
     * its cache stays resident through its tool calls too, so a narrow instance holds fewer
     * trajectories than that bound assumed (at llama3.1-8b on 16 GPUs the planner's mix of 2 x TP4,
     * 3 x TP2 and 2 x TP1 ran 0.96x the best baseline; with this share it plans 1 x TP8, 1 x TP4,
     * 1 x TP2 and 2 x TP1 and runs 1.00x).
     */
    private static long plannerKvTokens(RooflineCostModel c, double ratio, Predictions pred) {
        return (long) (c.kvCapacityTokens() / ratio * pred.decodeShare(SimulatedRollout.loadedTokenSeconds(c)));
    }

    private static DecodeTimeTable plannerTable(RolloutConfig cfg, int[] usable, Predictions pred, int cap) {
        double typical = Math.min(cap, pred.meanFinalContext()) / 2;
        return RooflineCostModel.decodeTimeTable(cfg.model(), cfg.gpu(), usable, PLANNER_BATCHES, typical);
    }

    private static double[] predictions(RolloutWorkload w, Predictions pred) {
        double[] p = new double[w.trajectories()];
        for (int t = 0; t < p.length; t++) {
            p[t] = Math.max(1.0, pred.predictedTotal(t));
        }
        return p;
    }

    private static void place(SimulatedRollout sim, RolloutWorkload w, RolloutConfig cfg, Predictions pred) {
        int n = w.trajectories();
        int m = sim.m;
        double ratio = contextPerOutputToken(pred);
        if (!sim.policy.placement() || Double.isNaN(ratio)) {
            for (int t = 0; t < n; t++) {
                sim.setHome(t, leastPerGpu(sim));
            }
            return;
        }
        if (n > (long) m * cfg.maxBatch()) {
            // More trajectories than batch slots: they run in waves, which the presorted segments
            // (one batch per instance) do not describe. Spread the predicted work instead.
            int[] home = new int[n];
            placeByWork(predictions(w, pred), sim.degree, home);
            for (int t = 0; t < n; t++) {
                sim.setHome(t, home[t]);
            }
            return;
        }
        TrajectoryPlacer.Placement pl = presorted(w, cfg, pred, sim.degree, predictions(w, pred));
        for (int t = 0; t < n; t++) {
            sim.setHome(t, pl.instanceOf(t));
        }
    }

    /**
     * Longest predicted first, each to the instance with the least predicted work per GPU so far
     * (ties to the lowest index), written to {@code home}: every instance gets a mix of long and
     * short trajectories, and the per-GPU work of any two instances differs by at most one
     * trajectory's prediction over the smaller degree (the greedy's bound).
     */
    static void placeByWork(double[] predicted, int[] degree, int[] home) {
        int n = predicted.length;
        int[] order = new int[n];
        new ArgSort(n).sort(predicted, n, order, true);
        double[] work = new double[degree.length];
        for (int i = 0; i < n; i++) {
            int t = order[i];
            int best = 0;
            for (int j = 1; j < degree.length; j++) {
                if (work[j] * degree[best] < work[best] * degree[j]) {
                    best = j;
                }
            }
            work[best] += predicted[t];
            home[t] = best;
        }
    }

    private static int leastPerGpu(SimulatedRollout sim) {
        int best = 0;
        for (int j = 1; j < sim.m; j++) {
            if ((long) sim.homeCount[j] * sim.degree[best] < (long) sim.homeCount[best] * sim.degree[j]) {
                best = j;
            }
        }
        return best;
    }

    private static String shape(int[] degrees) {
        TreeMap<Integer, Integer> count = new TreeMap<>();
        for (int d : degrees) {
            count.merge(d, 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        count.descendingMap().forEach((d, c) -> sb.append(sb.isEmpty() ? "" : " + ").append(c).append("xTP").append(d));
        return sb.toString();
    }

    private static double[][] quality(RuntimePredictor p) {
        RuntimePredictor.Quality q = p.quality();
        int k = q.steps();
        double[][] out = {new double[k], new double[k], new double[k]};
        for (int i = 0; i < k; i++) {
            out[0][i] = q.populationTailRecall(i);
            out[1][i] = q.samples(i) >= 50 ? q.tailRecall(i) : Double.NaN;
            out[2][i] = q.samples(i) >= 50 ? q.pearson(i) : Double.NaN;
        }
        return out;
    }

    /**
     * A lower bound on any policy's makespan of {@code w}: the larger of (a) the slowest
     * trajectory alone on its best usable degree (each step's new tokens prefilled in one
     * iteration, each output token decoded at batch 1 over the step's starting context, plus its
     * tool calls) and (b) the whole rollout's decode work spread over every GPU: its output
     * tokens at the best per-GPU decode rate (full batch, empty contexts), or the bytes its decode
     * iterations must read (the weights once per full batch, every token's context) at the
     * cluster's HBM bandwidth, or its new tokens at the cluster's prefill FLOP rate.
     */
    public static double lowerBoundSeconds(RolloutWorkload w, RolloutConfig cfg) {
        int[] usable = cfg.usableDegrees(w.params().contextCap());
        RooflineCostModel[] costs = new RooflineCostModel[usable.length];
        double perTokenGpu = Double.POSITIVE_INFINITY;
        // The largest batch any swept configuration runs: a larger batch only lowers the bound.
        int b = Arrays.stream(RolloutExperiment.MAX_BATCH).reduce(cfg.maxBatch(), Math::max);
        for (int i = 0; i < usable.length; i++) {
            costs[i] = new RooflineCostModel(cfg.model(), cfg.gpu(), usable[i]);
            perTokenGpu = Math.min(perTokenGpu, usable[i] * costs[i].decodeSeconds(b, 0) / b);
        }
        double longest = 0;
        double fresh = 0;
        double contextReads = 0;
        for (int t = 0; t < w.trajectories(); t++) {
            contextReads += contextTokensRead(w, t);
            double best = Double.POSITIVE_INFINITY;
            for (RooflineCostModel c : costs) {
                best = Math.min(best, aloneSeconds(w, t, c));
            }
            longest = Math.max(longest, best);
            fresh += w.params().promptTokens();
            for (int s = 0; s + 1 < w.steps(t); s++) {
                fresh += w.observationTokens(t, s);
            }
        }
        double decode = w.totalTokens() * perTokenGpu / cfg.gpus();
        // Every iteration reads the weights once and each decoding sequence's whole context.
        double bytes = (double) w.totalTokens() / b * cfg.model().weightBytes()
                + contextReads * cfg.model().kvBytesPerToken();
        decode = Math.max(decode, bytes / (cfg.gpus() * cfg.gpu().hbmBytesPerSecond() * RooflineCostModel.MEMORY_EFFICIENCY));
        double prefill = fresh * cfg.model().flopsPerToken()
                / (cfg.gpus() * cfg.gpu().denseFlops() * RooflineCostModel.COMPUTE_EFFICIENCY);
        return Math.max(longest, Math.max(decode, prefill));
    }

    /** Context tokens read over every decoded token of trajectory {@code t}. */
    private static double contextTokensRead(RolloutWorkload w, int t) {
        double sum = 0;
        long ctx = w.params().promptTokens();
        for (int s = 0; s < w.steps(t); s++) {
            int out = w.stepTokens(t, s);
            sum += out * (ctx + (out - 1) / 2.0);
            ctx += out + w.observationTokens(t, s);
        }
        return sum;
    }

    private static double aloneSeconds(RolloutWorkload w, int t, RooflineCostModel c) {
        double time = 0;
        long ctx = 0;
        int fresh = w.params().promptTokens();
        for (int s = 0; s < w.steps(t); s++) {
            time += c.iterationSeconds(0, 0, fresh, ctx);
            ctx += fresh;
            time += w.stepTokens(t, s) * c.decodeSeconds(1, ctx) + w.toolSeconds(t, s);
            ctx += w.stepTokens(t, s);
            fresh = w.observationTokens(t, s);
        }
        return time;
    }

    /** Sums over training steps. */
    private static final class Totals {
        private final double[] makespans;
        private int k;
        private double lowerBound;
        private long tokens;
        private int finished;
        private long stepsRun;
        private double p99Completion;
        private double meanQueue;
        private double p99Queue;
        private double busy;
        private double gpuSeconds;
        private long evictions;
        private long preemptions;
        private long prefill;
        private long reprefill;
        private long migrations;
        private int relaunches;

        Totals(int steps) {
            makespans = new double[steps];
        }

        void add(SimulatedRollout sim, RolloutWorkload w, double bound, boolean relaunch) {
            relaunches += relaunch ? 1 : 0;
            int n = w.trajectories();
            makespans[k++] = sim.lastFinish;
            lowerBound += bound;
            tokens += sim.tokens;
            finished += sim.finished;
            stepsRun += sim.stepsRun;
            double[] f = sim.finish.clone();
            Arrays.sort(f);
            p99Completion += f[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)];
            double[] q = sim.queued.clone();
            Arrays.sort(q);
            p99Queue += q[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)];
            meanQueue += Arrays.stream(q).sum() / n;
            busy += sim.busyGpuSeconds();
            gpuSeconds += sim.lastFinish * sim.cfg.gpus();
            evictions += sim.evictions;
            preemptions += sim.preemptions;
            prefill += sim.prefillTokens;
            reprefill += sim.reprefillTokens;
            migrations += sim.migrations;
            if (sim.tokens != w.totalTokens() || sim.stepsRun != w.totalSteps()) {
                throw new IllegalStateException("tokens " + sim.tokens + " of " + w.totalTokens() + ", steps "
                        + sim.stepsRun + " of " + w.totalSteps());
            }
        }

        RolloutResult result(Policy p, int degree, int gpus, String instances, double[][] quality) {
            double mean = Arrays.stream(makespans).sum() / k;
            return new RolloutResult(p.name(), degree, mean, makespans.clone(), lowerBound / k, tokens, finished,
                    stepsRun, p99Completion / k, meanQueue / k, p99Queue / k, busy / gpuSeconds, evictions,
                    preemptions, prefill, reprefill, migrations, relaunches, instances, quality[0], quality[1], quality[2]);
        }
    }
}
