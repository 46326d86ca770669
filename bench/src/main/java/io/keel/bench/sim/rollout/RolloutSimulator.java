package io.keel.bench.sim.rollout;

import java.util.Arrays;
import java.util.TreeMap;

import io.keel.core.IndexedHeap;
import io.keel.planners.rollout.DecodeTimeTable;
import io.keel.planners.rollout.LogHistogram;
import io.keel.planners.rollout.MigrationPlanner;
import io.keel.planners.rollout.ParallelismPlanner;
import io.keel.planners.rollout.ProgressiveScheduler;
import io.keel.planners.rollout.RuntimePredictor;
import io.keel.planners.rollout.TrajectoryPlacer;

/**
 * Discrete-event simulation of one agentic rollout: every trajectory alternates LLM steps
 * (decoded on an inference instance) and tool calls (off the GPU); an instance decodes its
 * running sequences together, one token each per iteration of {@link DecodeTimeTable} time at
 * the current batch size and its degree. Events are step completions (per instance: the running
 * sequence closest to the end of its step), tool-call ends and keel's migration ticks; between
 * events every running sequence advances by the same number of tokens, so the cost is per event,
 * not per token.
 *
 * <p>Modelled: batch-size-dependent decode speed per degree; a batch limit and a KV-token
 * capacity per instance (a step is admitted only if its context fits beside the running ones,
 * head-of-line in queue order); prefill of the whole context, stalling the instance, when a step
 * runs where its KV cache is not (first step, FCFS rerouting, after preemption); KV transfers for
 * migrations that finish before the step starts. Not modelled: prefill of tool output tokens,
 * KV eviction while a trajectory is in a tool call (caches are assumed to persist), network
 * contention, CPU-side scheduling overhead, the training step.
 *
 * <p>Deterministic for a workload, configuration and policy. Single-threaded; allocates freely.
 */
public final class RolloutSimulator {
    private static final double EPS = 1e-6;
    private static final int HISTORY_PER_GROUP = 64;
    private static final int TRACKED_STEPS = 128;

    private static final byte ARRIVING = 0;
    private static final byte WAITING = 1;
    private static final byte RUNNING = 2;
    private static final byte TOOL = 3;
    private static final byte DONE = 4;

    private final RolloutWorkload w;
    private final RolloutConfig cfg;
    private final Policy policy;
    private final int n;
    private final int gpus;
    private final int maxBatch;

    private int m;
    private int[] degree;
    private double[][] spt;
    private long[] kvCap;
    private int[][] runIds;
    private int[] runCount;
    private long[] kvUsed;
    private double[] stallUntil;
    private double[] lastUpdate;
    private double[] idle;
    private IndexedHeap[] fifo;
    private ProgressiveScheduler[] sched;
    private int[] homeCount;

    private final byte[] phase;
    private final int[] step;
    private final double[] stepRem;
    private final long[] ctx;
    private final long[] need;
    private final int[] home;
    private final int[] at;
    private final int[] kvAt;
    private final double[] readyAt;
    private final double[] queued;
    private final double[] toolStart;
    private final double[] toolEnd;
    private final long[] generated;
    private final boolean[] preempted;

    private IndexedHeap events;
    private RuntimePredictor predictor;
    private LogHistogram toolHistory;
    private double meanTotal = 1;
    private MigrationPlanner migrationPlanner;

    private long tokens;
    private long steps;
    private long prefillTokens;
    private int finished;
    private int migrations;
    private int preemptions;
    private double lastFinish;

    private RolloutSimulator(RolloutWorkload w, RolloutConfig cfg, Policy policy) {
        this.w = w;
        this.cfg = cfg;
        this.policy = policy;
        n = w.trajectories();
        gpus = cfg.gpus();
        maxBatch = cfg.maxBatch();
        phase = new byte[n];
        step = new int[n];
        stepRem = new double[n];
        ctx = new long[n];
        need = new long[n];
        home = new int[n];
        at = new int[n];
        kvAt = new int[n];
        readyAt = new double[n];
        queued = new double[n];
        toolStart = new double[n];
        toolEnd = new double[n];
        generated = new long[n];
        preempted = new boolean[n];
    }

    /** Simulates {@code policy} on {@code workload}; {@code seed} drew the workload (for the history epoch). */
    public static RolloutResult run(RolloutWorkload workload, RolloutConfig cfg, Policy policy, long seed) {
        RolloutSimulator s = new RolloutSimulator(workload, cfg, policy);
        s.setUp(seed);
        s.loop();
        return s.result();
    }

    /**
     * The predictions keel starts a rollout with: each trajectory's predicted total tokens from
     * the previous epoch of the same prompts (or the cold predictor's guess when {@code history}
     * is false).
     */
    public static double[] initialPredictions(RolloutWorkload workload, long seed, boolean history) {
        RuntimePredictor p = new RuntimePredictor(workload.groups(), HISTORY_PER_GROUP, workload.trajectories(), TRACKED_STEPS);
        if (history) {
            warm(p, null, workload, seed);
        }
        double[] out = new double[workload.trajectories()];
        for (int t = 0; t < out.length; t++) {
            p.start(t, workload.group(t));
            out[t] = p.predictedTotalTokens(t);
        }
        return out;
    }

    private static RolloutWorkload warm(RuntimePredictor p, LogHistogram tools, RolloutWorkload w, long seed) {
        RolloutWorkload previous = RolloutWorkload.generate(w.params(), seed, 1);
        for (int t = 0; t < previous.trajectories(); t++) {
            p.recordCompleted(previous.group(t), previous.totalTokens(t), previous.steps(t));
            if (tools != null) {
                for (int s = 0; s + 1 < previous.steps(t); s++) {
                    tools.record(previous.toolSeconds(t, s));
                }
            }
        }
        return previous;
    }

    private void setUp(long seed) {
        int baseDegree = cfg.baselineDegree();
        boolean keel = policy.routing() == Policy.Routing.KEEL;
        double[] predicted = null;
        if (keel) {
            predictor = new RuntimePredictor(w.groups(), HISTORY_PER_GROUP, n, TRACKED_STEPS);
            toolHistory = new LogHistogram();
            if (policy.history()) {
                meanTotal = warm(predictor, toolHistory, w, seed).totalTokens() / (double) n;
            }
            predicted = new double[n];
            for (int t = 0; t < n; t++) {
                predictor.start(t, w.group(t));
                predicted[t] = predictedTotal(t);
            }
        }
        int[] degrees;
        DecodeTimeTable table = cfg.table();
        int[] limitPerDegree = new int[table.degreeCount()];
        long[] kvPerDegree = new long[table.degreeCount()];
        for (int d = 0; d < limitPerDegree.length; d++) {
            limitPerDegree[d] = maxBatch;
            kvPerDegree[d] = cfg.kvTokensPerGpu() * table.degree(d);
        }
        if (keel) {
            for (int t = 0; t < n; t++) {
                predicted[t] = Math.max(1.0, predicted[t]);
            }
        }
        if (keel && policy.parallelism()) {
            ParallelismPlanner planner = new ParallelismPlanner(n, gpus, limitPerDegree, kvPerDegree,
                    w.params().promptTokens(), table);
            ParallelismPlanner.Plan plan = planner.plan(predicted, n, gpus);
            int extra = table.degreeIndex(1) >= 0 ? plan.idleGpus() : 0;
            degrees = new int[plan.instances() + extra];
            for (int j = 0; j < plan.instances(); j++) {
                degrees[j] = plan.degree(j);
            }
            Arrays.fill(degrees, plan.instances(), degrees.length, 1);
        } else {
            degrees = new int[cfg.instances()];
            Arrays.fill(degrees, baseDegree);
        }
        buildInstances(degrees);
        Arrays.fill(home, -1);
        Arrays.fill(kvAt, -1);
        if (keel) {
            if (policy.placement()) {
                int[] limits = new int[m];
                for (int j = 0; j < m; j++) {
                    limits[j] = limitPerDegree[table.degreeIndex(degree[j])];
                }
                TrajectoryPlacer placer = new TrajectoryPlacer(n, m, maxBatch, cfg.table());
                TrajectoryPlacer.Placement pl = placer.place(predicted, n, degree, limits, kvCap, w.params().promptTokens(), m);
                for (int t = 0; t < n; t++) {
                    setHome(t, pl.instanceOf(t));
                }
            } else {
                for (int t = 0; t < n; t++) {
                    setHome(t, leastPerDegree());
                }
            }
            if (policy.migration()) {
                migrationPlanner = new MigrationPlanner(m, n, n);
            }
        }
        events = new IndexedHeap(n + m + 1, IndexedHeap.Order.MIN);
        for (int t = 0; t < n; t++) {
            ctx[t] = w.params().promptTokens();
            events.insertDouble(t, 0.0);
        }
        if (migrationPlanner != null) {
            events.insertDouble(n + m, cfg.migrationIntervalSeconds());
        }
    }

    private void buildInstances(int[] degrees) {
        m = degrees.length;
        degree = degrees;
        DecodeTimeTable table = cfg.table();
        double[][] perDegree = new double[table.degreeCount()][];
        spt = new double[m][];
        kvCap = new long[m];
        runIds = new int[m][maxBatch];
        runCount = new int[m];
        kvUsed = new long[m];
        stallUntil = new double[m];
        lastUpdate = new double[m];
        idle = new double[m];
        homeCount = new int[m];
        boolean priority = policy.routing() == Policy.Routing.KEEL && policy.priority();
        if (priority) {
            sched = new ProgressiveScheduler[m];
        } else {
            fifo = new IndexedHeap[m];
        }
        for (int j = 0; j < m; j++) {
            int d = table.degreeIndex(degrees[j]);
            if (perDegree[d] == null) {
                perDegree[d] = new double[maxBatch + 1];
                table.fill(d, perDegree[d], maxBatch);
            }
            spt[j] = perDegree[d];
            kvCap[j] = cfg.kvTokensPerGpu() * degrees[j];
            if (priority) {
                sched[j] = new ProgressiveScheduler(n, cfg.agingTokensPerSecond());
            } else {
                fifo[j] = new IndexedHeap(n, IndexedHeap.Order.MIN);
            }
        }
    }

    private void setHome(int t, int j) {
        if (home[t] >= 0) {
            homeCount[home[t]]--;
        }
        home[t] = j;
        homeCount[j]++;
    }

    private int leastPerDegree() {
        int best = 0;
        for (int j = 1; j < m; j++) {
            if ((long) homeCount[j] * degree[best] < (long) homeCount[best] * degree[j]) {
                best = j;
            }
        }
        return best;
    }

    private double predictedTotal(int t) {
        if (policy.predictor()) {
            return predictor.predictedTotalTokens(t);
        }
        return Math.max(meanTotal, generated[t]);
    }

    private double predictedRemaining(int t) {
        if (policy.predictor()) {
            return predictor.predictedRemainingTokens(t);
        }
        return Math.max(0.0, meanTotal - generated[t]);
    }

    private void loop() {
        while (!events.isEmpty()) {
            int id = events.peek();
            double now = events.keyDouble(id);
            events.poll();
            if (id < n) {
                onReady(id, now);
            } else if (id < n + m) {
                onInstance(id - n, now);
            } else {
                onMigration(now);
                if (finished < n) {
                    events.insertDouble(n + m, now + cfg.migrationIntervalSeconds());
                }
            }
        }
        if (finished != n) {
            throw new IllegalStateException("simulation stalled: " + finished + " of " + n + " trajectories finished");
        }
        for (int t = 0; t < n; t++) {
            if (generated[t] != w.totalTokens(t) || step[t] != w.steps(t)) {
                throw new IllegalStateException("trajectory " + t + " generated " + generated[t] + " of " + w.totalTokens(t) + " tokens");
            }
        }
    }

    private void onReady(int t, double now) {
        int j;
        switch (policy.routing()) {
            case FCFS -> j = leastLoaded();
            case STICKY -> {
                if (home[t] < 0) {
                    setHome(t, leastPerDegree());
                }
                j = home[t];
            }
            default -> j = home[t];
        }
        stepRem[t] = w.stepTokens(t, step[t]);
        preempted[t] = false;
        phase[t] = WAITING;
        at[t] = j;
        readyAt[t] = now;
        if (sched != null) {
            sched[j].enqueue(t, predictedTotal(t), now);
        } else {
            fifo[j].insertDouble(t, now);
        }
        advance(j, now);
        admit(j, now);
        reschedule(j, now);
    }

    private int leastLoaded() {
        int best = 0;
        int bestLoad = Integer.MAX_VALUE;
        for (int j = 0; j < m; j++) {
            int load = runCount[j] + fifo[j].size();
            if (load < bestLoad) {
                best = j;
                bestLoad = load;
            }
        }
        return best;
    }

    private void onInstance(int j, double now) {
        advance(j, now);
        int[] ids = runIds[j];
        for (int i = runCount[j] - 1; i >= 0; i--) {
            int t = ids[i];
            if (stepRem[t] <= EPS) {
                removeRunning(j, i);
                completeStep(t, now);
            }
        }
        admit(j, now);
        reschedule(j, now);
    }

    private void removeRunning(int j, int i) {
        int t = runIds[j][i];
        runIds[j][i] = runIds[j][--runCount[j]];
        kvUsed[j] -= need[t];
    }

    private void completeStep(int t, double now) {
        int s = step[t];
        int produced = w.stepTokens(t, s);
        tokens += produced;
        generated[t] += produced;
        ctx[t] += produced;
        steps++;
        if (sched != null) {
            sched[at[t]].remove(t);
        }
        if (predictor != null) {
            predictor.observeStep(t, produced);
        }
        step[t] = s + 1;
        if (step[t] == w.steps(t)) {
            phase[t] = DONE;
            finished++;
            lastFinish = now;
            if (home[t] >= 0) {
                homeCount[home[t]]--;
            }
            if (predictor != null) {
                predictor.complete(t);
                refreshSiblings(t);
            }
            return;
        }
        phase[t] = TOOL;
        double tool = w.toolSeconds(t, s);
        toolStart[t] = now;
        toolEnd[t] = now + tool;
        if (toolHistory != null && !policy.history()) {
            toolHistory.record(tool);
        }
        events.insertDouble(t, toolEnd[t]);
    }

    private void refreshSiblings(int t) {
        int g = w.group(t);
        int size = w.params().groupSize();
        for (int u = g * size; u < Math.min(n, (g + 1) * size); u++) {
            if (phase[u] == DONE || phase[u] == ARRIVING) {
                continue;
            }
            double p = predictor.refresh(u);
            if (sched != null && (phase[u] == WAITING || phase[u] == RUNNING)) {
                sched[at[u]].update(u, policy.predictor() ? p : predictedTotal(u));
            }
        }
    }

    private void advance(int j, double now) {
        double from = Math.max(lastUpdate[j], stallUntil[j]);
        int b = runCount[j];
        if (now > from) {
            if (b == 0) {
                idle[j] += now - from;
            } else {
                double progressed = (now - from) / spt[j][Math.min(b, maxBatch)];
                int[] ids = runIds[j];
                for (int i = 0; i < b; i++) {
                    stepRem[ids[i]] -= progressed;
                }
            }
        }
        lastUpdate[j] = Math.max(lastUpdate[j], now);
    }

    private void reschedule(int j, double now) {
        int b = runCount[j];
        if (b == 0) {
            events.remove(n + j);
            return;
        }
        double min = Double.POSITIVE_INFINITY;
        int[] ids = runIds[j];
        for (int i = 0; i < b; i++) {
            min = Math.min(min, stepRem[ids[i]]);
        }
        double start = Math.max(now, stallUntil[j]);
        events.updateDouble(n + j, start + Math.max(0.0, min) * spt[j][Math.min(b, maxBatch)]);
    }

    private int peekWaiting(int j) {
        return sched != null ? sched[j].peekNext() : fifo[j].peek();
    }

    private void admit(int j, double now) {
        while (true) {
            int t = peekWaiting(j);
            if (t < 0) {
                return;
            }
            long want = ctx[t] + w.stepTokens(t, step[t]);
            boolean fits = runCount[j] < maxBatch && (runCount[j] == 0 || kvUsed[j] + want <= kvCap[j]);
            if (!fits) {
                if (sched != null && cfg.preemptionMargin() < Double.POSITIVE_INFINITY) {
                    int victim = sched[j].preemptionVictim(cfg.preemptionMargin());
                    if (victim >= 0 && !preempted[victim]) {
                        preempt(j, victim, now);
                        continue;
                    }
                }
                return;
            }
            if (sched != null) {
                sched[j].pollNext();
            } else {
                fifo[j].poll();
            }
            queued[t] += now - readyAt[t];
            runIds[j][runCount[j]++] = t;
            need[t] = want;
            kvUsed[j] += want;
            phase[t] = RUNNING;
            if (kvAt[t] != j) {
                long prefill = ctx[t] + (w.stepTokens(t, step[t]) - (long) Math.ceil(stepRem[t]));
                prefillTokens += prefill;
                stallUntil[j] = Math.max(now, stallUntil[j]) + prefill / (cfg.prefillTokensPerSecondPerGpu() * degree[j]);
                kvAt[t] = j;
            }
        }
    }

    private void preempt(int j, int victim, double now) {
        int[] ids = runIds[j];
        for (int i = 0; i < runCount[j]; i++) {
            if (ids[i] == victim) {
                removeRunning(j, i);
                break;
            }
        }
        sched[j].preempt(victim, now);
        preempted[victim] = true;
        kvAt[victim] = -1;
        phase[victim] = WAITING;
        readyAt[victim] = now;
        preemptions++;
    }

    private void onMigration(double now) {
        migrationPlanner.beginInterval();
        double[] load = new double[m];
        double[] perToken = new double[m];
        double[] remaining = new double[m];
        int[] active = new int[m];
        for (int t = 0; t < n; t++) {
            if (phase[t] != DONE) {
                remaining[home[t]] += predictedRemaining(t);
                active[home[t]]++;
            }
        }
        for (int j = 0; j < m; j++) {
            int b = Math.max(1, Math.min(active[j], maxBatch));
            perToken[j] = spt[j][b] / b;
            load[j] = remaining[j] * perToken[j];
        }
        int c = 0;
        int[] traj = new int[n];
        int[] inst = new int[n];
        double[] rem = new double[n];
        double[] kv = new double[n];
        double[] left = new double[n];
        for (int t = 0; t < n; t++) {
            if (phase[t] != TOOL || toolEnd[t] <= now) {
                continue;
            }
            double expected = toolHistory.meanResidual(now - toolStart[t]);
            traj[c] = t;
            inst[c] = home[t];
            rem[c] = predictedRemaining(t);
            kv[c] = ctx[t] * cfg.kvBytesPerToken();
            left[c] = Double.isNaN(expected) ? 0.0 : expected;
            c++;
        }
        MigrationPlanner.Moves moves = migrationPlanner.plan(load, perToken, m, traj, inst, rem, kv, left, c,
                cfg.transferBytesPerSecond(), cfg.maxMovesPerInterval());
        for (int k = 0; k < moves.count(); k++) {
            int t = moves.trajectory(k);
            int to = moves.to(k);
            setHome(t, to);
            kvAt[t] = to;
            double arrive = now + ctx[t] * cfg.kvBytesPerToken() / cfg.transferBytesPerSecond();
            if (arrive > toolEnd[t]) {
                events.updateDouble(t, arrive);
            }
            migrations++;
        }
    }

    private RolloutResult result() {
        double makespan = lastFinish;
        double idleGpuSeconds = 0;
        int used = 0;
        for (int j = 0; j < m; j++) {
            // Time after an instance's last event until the rollout ends is idle too.
            double tail = Math.max(0.0, makespan - Math.max(lastUpdate[j], stallUntil[j]));
            idleGpuSeconds += (idle[j] + tail) * degree[j];
            used += degree[j];
        }
        idleGpuSeconds += (double) (gpus - used) * makespan;
        double[] q = queued.clone();
        Arrays.sort(q);
        double p99 = q[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)];
        TreeMap<Integer, Integer> shape = new TreeMap<>();
        for (int d : degree) {
            shape.merge(d, 1, Integer::sum);
        }
        StringBuilder inst = new StringBuilder();
        shape.descendingMap().forEach((d, c) -> inst.append(inst.isEmpty() ? "" : " + ").append(c).append("xTP").append(d));
        double[] recall = new double[0];
        double[] survivors = new double[0];
        double[] pearson = new double[0];
        if (predictor != null && policy.predictor()) {
            RuntimePredictor.Quality quality = predictor.quality();
            int k = quality.steps();
            recall = new double[k];
            survivors = new double[k];
            pearson = new double[k];
            for (int i = 0; i < k; i++) {
                recall[i] = quality.populationTailRecall(i);
                survivors[i] = quality.samples(i) >= 50 ? quality.tailRecall(i) : Double.NaN;
                pearson[i] = quality.samples(i) >= 50 ? quality.pearson(i) : Double.NaN;
            }
        }
        return new RolloutResult(policy.name(), makespan, tokens, tokens / makespan, p99, q[n - 1],
                idleGpuSeconds / (makespan * gpus), migrations, preemptions, prefillTokens, finished, steps,
                inst.toString(), recall, survivors, pearson);
    }
}
