package io.keel.bench.sim.rollout;

import java.util.Arrays;

import io.keel.core.IndexedHeap;
import io.keel.planners.rollout.AdmissionGate;
import io.keel.planners.rollout.MigrationPlanner;
import io.keel.planners.rollout.ProgressiveScheduler;
import io.keel.planners.rollout.RooflineCostModel;

/**
 * One rollout (one training step) as a discrete-event simulation. An instance runs iterations:
 * each decodes one token for every admitted sequence past its prefill and prefills up to the
 * rest of the token budget from its prefill queue, at the {@link RooflineCostModel} time of the
 * iteration's batch, contexts and chunk. Between two events every decoding sequence advances by
 * the same number of iterations, so the cost is per event, not per token.
 *
 * <p>Memory: a trajectory's KV stays resident on its instance through tool calls until evicted.
 * A step is admitted when its new tokens fit (after evicting idle prefixes); decoding grows the
 * cache one token per sequence per iteration, and a full cache evicts idle prefixes, then
 * preempts a running sequence (recompute: it prefills its whole context again).
 *
 * <p>keel with memory-aware residency starts new trajectories through an {@link AdmissionGate}:
 * in {@link Predictions#releaseOrder} while their {@link Predictions#gatePeak} contexts fit
 * {@link Predictions#gateBudget} times the cluster's KV. When the gate holds some back at the
 * start, the rollout runs in waves that the placement (planned for every trajectory at once) does
 * not describe, so steps are routed by load, as slime does, and the per-instance peak test is off.
 *
 * <p>Each instance keeps the list of trajectories resident on it and of those homed on it, so
 * eviction, admission and the residency test cost the instance's members per event, not the
 * trajectory count.
 *
 * <p>Single-threaded; allocates freely (a simulator, not a kernel).
 */
final class SimulatedRollout {
    static final byte NEW = 0;
    static final byte WAITING = 1;
    static final byte PREFILL = 2;
    static final byte DECODE = 3;
    static final byte TOOL = 4;
    static final byte DONE = 5;
    private static final double EPS = 1e-6;
    /** Free KV kept back at admission, as a share of capacity (vLLM's watermark is 1%). */
    private static final double WATERMARK = 0.01;

    final RolloutWorkload w;
    final RolloutConfig cfg;
    final Policy policy;
    final Predictions pred;
    final int n;
    final int m;
    final int[] degree;
    final RooflineCostModel[] cost;
    private final double[] cap;
    final double[] used;
    private final int[][] runIds;
    final int[] runCount;
    private final int[][] prefillQueue;
    private final int[] prefillHead;
    private final int[] prefillSize;
    private final IndexedHeap[] fifo;
    private final ProgressiveScheduler[] resumeQueue;
    private final ProgressiveScheduler[] newQueue;
    private final double[] lastUpdate;
    private final double[] busy;
    private final double[] iter;
    private final double[] chunk;
    private final int[] decoders;
    private final int[] requests;
    final int[] homeCount;

    final byte[] phase;
    final int[] step;
    final long[] ctx;
    final double[] stepRem;
    private final double[] prefillRem;
    final int[] res;
    /** Trajectories whose KV is resident on each instance, and each one's index there. */
    private final int[][] residents;
    private final int[] residentCount;
    private final int[] residentIndex;
    /** Trajectories homed on each instance (keel), and each one's index there. */
    private final int[][] homed;
    private final int[] homedCount;
    private final int[] homedIndex;
    final double[] kv;
    final int[] home;
    private final double[] readyAt;
    final double[] queued;
    private final double[] lastUse;
    final double[] toolStart;
    final double[] toolEnd;
    final double[] finish;
    final long[] admitted;
    private long admissions;

    /**
     * Events: {@code t < n} trajectory ready, {@code n + j} instance iteration end, {@code n + m}
     * migration tick, {@code n + m + 1 + t} trajectory {@code t}'s migrated KV has left its source.
     */
    private final IndexedHeap events;
    private final MigrationPlanner migrationPlanner;
    private final KvLinks links;
    /** A migrating trajectory's source instance until its KV has left (-1: none), and the tokens it holds there meanwhile. */
    private final int[] leaving;
    private final double[] leavingTokens;
    /** KV tokens each instance still holds for trajectories migrating away from it. */
    private final double[] outgoing;

    long evictions;
    long preemptions;
    long prefillTokens;
    long reprefillTokens;
    long migrations;
    /** KV tokens migrations freed on their sources when decided (0: sources are charged until sent) and when sent. */
    double freedAtMove;
    double freedAtSent;
    long tokens;
    long stepsRun;
    int finished;
    private int released;
    double lastFinish;
    /** keel's admission gate (null for baselines and without residency), its release order, and whether it holds any back. */
    private final AdmissionGate gate;
    private int[] releaseOrder;
    private boolean gated;

    SimulatedRollout(RolloutWorkload w, RolloutConfig cfg, Policy policy, Predictions pred, int[] degrees) {
        this.w = w;
        this.cfg = cfg;
        this.policy = policy;
        this.pred = pred;
        n = w.trajectories();
        m = degrees.length;
        degree = degrees;
        cost = new RooflineCostModel[m];
        cap = new double[m];
        used = new double[m];
        runIds = new int[m][cfg.maxBatch()];
        runCount = new int[m];
        prefillQueue = new int[m][cfg.maxBatch()];
        prefillHead = new int[m];
        prefillSize = new int[m];
        boolean keel = policy.isKeel();
        fifo = keel ? null : new IndexedHeap[m];
        resumeQueue = keel ? new ProgressiveScheduler[m] : null;
        newQueue = keel ? new ProgressiveScheduler[m] : null;
        lastUpdate = new double[m];
        busy = new double[m];
        iter = new double[m];
        chunk = new double[m];
        decoders = new int[m];
        requests = new int[m];
        homeCount = new int[m];
        RooflineCostModel[] byDegree = new RooflineCostModel[9];
        for (int j = 0; j < m; j++) {
            int d = degrees[j];
            if (byDegree[d] == null) {
                byDegree[d] = new RooflineCostModel(cfg.model(), cfg.gpu(), d);
            }
            cost[j] = byDegree[d];
            cap[j] = cost[j].kvCapacityTokens();
            if (keel) {
                resumeQueue[j] = new ProgressiveScheduler(n, cfg.agingTokensPerSecond());
                newQueue[j] = new ProgressiveScheduler(n, cfg.agingTokensPerSecond());
            } else {
                fifo[j] = new IndexedHeap(n, IndexedHeap.Order.MIN);
            }
        }
        phase = new byte[n];
        step = new int[n];
        ctx = new long[n];
        stepRem = new double[n];
        prefillRem = new double[n];
        res = new int[n];
        kv = new double[n];
        home = new int[n];
        readyAt = new double[n];
        queued = new double[n];
        lastUse = new double[n];
        toolStart = new double[n];
        toolEnd = new double[n];
        finish = new double[n];
        admitted = new long[n];
        Arrays.fill(res, -1);
        Arrays.fill(home, -1);
        residents = new int[m][];
        residentCount = new int[m];
        residentIndex = new int[n];
        homed = new int[m][];
        homedCount = new int[m];
        homedIndex = new int[n];
        for (int j = 0; j < m; j++) {
            residents[j] = new int[16];
            homed[j] = new int[16];
        }
        events = new IndexedHeap(n + m + 1 + n, IndexedHeap.Order.MIN);
        links = new KvLinks(m);
        leaving = new int[n];
        leavingTokens = new double[n];
        outgoing = new double[m];
        Arrays.fill(leaving, -1);
        migrationPlanner = keel && policy.migration() ? new MigrationPlanner(m, n, n) : null;
        gate = keel && policy.residency() ? new AdmissionGate(n) : null;
    }

    /** Sets {@code t}'s home instance (keel's placement). */
    void setHome(int t, int j) {
        if (home[t] >= 0) {
            homeCount[home[t]]--;
            unlink(homed, homedCount, homedIndex, home[t], t);
        }
        home[t] = j;
        homeCount[j]++;
        link(homed, homedCount, homedIndex, j, t);
    }

    /** Moves {@code t}'s KV residency to {@code j} (-1: none), keeping the per-instance lists. */
    private void setRes(int t, int j) {
        if (res[t] >= 0) {
            unlink(residents, residentCount, residentIndex, res[t], t);
        }
        res[t] = j;
        if (j >= 0) {
            link(residents, residentCount, residentIndex, j, t);
        }
    }

    private static void link(int[][] lists, int[] counts, int[] index, int j, int t) {
        if (counts[j] == lists[j].length) {
            lists[j] = Arrays.copyOf(lists[j], 2 * counts[j]);
        }
        index[t] = counts[j];
        lists[j][counts[j]++] = t;
    }

    private static void unlink(int[][] lists, int[] counts, int[] index, int j, int t) {
        int i = index[t];
        int last = lists[j][--counts[j]];
        lists[j][i] = last;
        index[last] = i;
    }

    /** Number of trajectories homed on {@code j} (started or not, finished included). */
    int homedCount(int j) {
        return homedCount[j];
    }

    /** The {@code i}-th trajectory homed on {@code j}. */
    int homed(int j, int i) {
        return homed[j][i];
    }

    /**
     * Runs the rollout to its end. Nothing starts before {@code start} (a re-launch of the
     * engines), which counts in the makespan and in every trajectory's wait to start.
     */
    void run(double start) {
        for (int t = 0; t < n; t++) {
            ctx[t] = w.params().promptTokens();
        }
        if (gate != null) {
            gate.reset(pred.gateBudget() * clusterCapacity());
            releaseOrder = pred.releaseOrder(this);
            gated = pred.gateHolds(clusterCapacity());
            releaseNew(start);
        } else {
            // A baseline with a concurrency limit starts the first trajectories and one more as each finishes.
            int limit = policy.isKeel() || cfg.baselineConcurrency() <= 0 ? n : Math.min(n, cfg.baselineConcurrency());
            for (int t = 0; t < limit; t++) {
                events.insertDouble(t, start);
            }
            released = limit;
        }
        if (migrationPlanner != null) {
            events.insertDouble(n + m, start + cfg.migrationIntervalSeconds());
        }
        while (!events.isEmpty()) {
            int id = events.peek();
            double now = events.keyDouble(id);
            events.poll();
            if (id < n) {
                onReady(id, now);
            } else if (id < n + m) {
                onInstance(id - n, now);
            } else if (id > n + m) {
                onSent(id - n - m - 1, now);
            } else {
                Migration.run(this, migrationPlanner, now);
                if (finished < n) {
                    events.insertDouble(n + m, now + cfg.migrationIntervalSeconds());
                }
            }
        }
        if (finished != n) {
            throw new IllegalStateException(policy.name() + ": simulation stalled, " + finished + " of " + n + " trajectories finished");
        }
    }

    private double clusterCapacity() {
        double sum = 0;
        for (int j = 0; j < m; j++) {
            sum += cap[j];
        }
        return sum;
    }

    /** Starts new trajectories, in release order, while the gate admits them. */
    private void releaseNew(double now) {
        while (released < n && gate.tryAdmit(releaseOrder[released], pred.gatePeak(this, releaseOrder[released]))) {
            events.insertDouble(releaseOrder[released++], now);
        }
    }

    /** Re-charges a started trajectory at the gate after its prediction changed. */
    void repeak(int t) {
        if (gate != null && gate.isAdmitted(t)) {
            gate.recharge(t, pred.gatePeak(this, t));
        }
    }

    /** Seconds per decoded token on a loaded instance of {@code c} (64 sequences over a full cache): keel's token price. */
    static double loadedTokenSeconds(RooflineCostModel c) {
        return c.iterationSeconds(64, c.kvCapacityTokens(), 0, 0);
    }

    // ---- routing and queues -------------------------------------------------------------

    private void onReady(int t, double now) {
        if (step[t] == 0) {
            // Held back by keel's gate or a baseline's concurrency limit since the rollout began.
            queued[t] += now;
        } else {
            // The tool call returned: only now are its duration and its observation known.
            int s = step[t] - 1;
            ctx[t] += w.observationTokens(t, s);
            pred.recordTool(w.toolSeconds(t, s));
            repeak(t);
        }
        int j = route(t);
        stepRem[t] = w.stepTokens(t, step[t]);
        readyAt[t] = now;
        enqueue(t, j, now);
        touch(j, now);
    }

    private int route(int t) {
        switch (policy.routing()) {
            case STICKY_FEWEST_REQUESTS -> {
                if (home[t] < 0) {
                    setHome(t, fewestRequests());
                }
                requests[home[t]]++;
                return home[t];
            }
            case CACHE_AWARE_LEAST_LOAD -> {
                return cacheAware(t);
            }
            default -> {
                if (!pred.mature() || gated) {
                    // Placement by load until predictions mature, or in waves: slime's rule, with homes following it.
                    int j = cacheAware(t);
                    if (j != home[t]) {
                        setHome(t, j);
                    }
                    return j;
                }
                return policy.placement() ? followLoad(t) : home[t];
            }
        }
    }

    /**
     * keel's step routing: a started trajectory's step goes where its KV is (or home) unless
     * that instance is imbalanced against the least-loaded one, as slime's router does; it then
     * moves home, so placement follows load. Trajectories predicted in the longest 20% keep the
     * home the placer gave them (few, long co-runners on fast instances).
     */
    private int followLoad(int t) {
        if (admitted[t] == 0 || pred.inTail(t)) {
            return home[t];
        }
        int j = res[t] >= 0 ? res[t] : home[t];
        int least = j;
        for (int k = 0; k < m; k++) {
            if (load(k) < load(least)) {
                least = k;
            }
        }
        if (least != j && load(j) - load(least) > 32.0 / degree[least] && load(j) > 1.0001 * load(least)) {
            j = least;
        }
        if (j != home[t]) {
            setHome(t, j);
        }
        return j;
    }

    private int fewestRequests() {
        int best = 0;
        for (int j = 1; j < m; j++) {
            if ((long) requests[j] * degree[best] < (long) requests[best] * degree[j]) {
                best = j;
            }
        }
        return best;
    }

    /** SGLang router defaults: cache-aware unless max - min load > 32 and max > 1.0001 x min. */
    private int cacheAware(int t) {
        int least = 0;
        int most = 0;
        for (int j = 1; j < m; j++) {
            if (queuedLoad(j) < queuedLoad(least)) {
                least = j;
            }
            if (queuedLoad(j) > queuedLoad(most)) {
                most = j;
            }
        }
        boolean imbalanced = queuedLoad(most) - queuedLoad(least) > 32 && queuedLoad(most) > 1.0001 * queuedLoad(least);
        if (!imbalanced && res[t] >= 0) {
            return res[t];
        }
        return least;
    }

    /** Running plus every waiting step (new trajectories included) per GPU: the router's load. */
    private double queuedLoad(int j) {
        int waiting = fifo != null ? fifo[j].size() : resumeQueue[j].waitingCount() + newQueue[j].waitingCount();
        return (double) (runCount[j] + waiting) / degree[j];
    }

    private double load(int j) {
        int waiting = fifo != null ? fifo[j].size() : resumeQueue[j].waitingCount();
        return (double) (runCount[j] + waiting) / degree[j];
    }

    private void enqueue(int t, int j, double now) {
        phase[t] = WAITING;
        if (fifo != null) {
            fifo[j].insertDouble(t, now);
        } else if (admitted[t] == 0) {
            newQueue[j].enqueue(t, pred.priority(t), now);
        } else {
            resumeQueue[j].enqueue(t, pred.priority(t), now);
        }
        at(t, j);
    }

    private void at(int t, int j) {
        // The queue a waiting trajectory sits in is its home for keel and verl; slime queues by step.
        if (policy.routing() == Policy.Routing.CACHE_AWARE_LEAST_LOAD) {
            home[t] = j;
        }
    }

    /** Re-prioritises a waiting keel trajectory after its prediction changed. */
    void reprioritise(int t) {
        if (resumeQueue == null || phase[t] != WAITING) {
            return;
        }
        int j = home[t];
        if (newQueue[j].isWaiting(t)) {
            newQueue[j].update(t, pred.priority(t));
        } else if (resumeQueue[j].isWaiting(t)) {
            resumeQueue[j].update(t, pred.priority(t));
        }
    }

    // ---- instance events ------------------------------------------------------------------

    private void onInstance(int j, double now) {
        advance(j, now);
        completeDone(j, now);
        makeRoomForGrowth(j, now);
        admit(j, now);
        reschedule(j, now);
    }

    /** Brings instance {@code j} up to {@code now}, admits what fits and schedules its next event. */
    void touch(int j, double now) {
        advance(j, now);
        admit(j, now);
        reschedule(j, now);
    }

    private void advance(int j, double now) {
        double dt = now - lastUpdate[j];
        lastUpdate[j] = now;
        if (dt <= 0 || runCount[j] == 0 || iter[j] <= 0) {
            return;
        }
        busy[j] += dt;
        double k = dt / iter[j];
        int[] ids = runIds[j];
        for (int i = 0; i < runCount[j]; i++) {
            int t = ids[i];
            if (phase[t] == DECODE) {
                double done = Math.min(k, stepRem[t]);
                stepRem[t] -= done;
                kv[t] += done;
                used[j] += done;
            }
        }
        double drain = k * chunk[j];
        while (drain > EPS && prefillSize[j] > 0) {
            int t = prefillQueue[j][prefillHead[j]];
            double take = Math.min(drain, prefillRem[t]);
            prefillRem[t] -= take;
            drain -= take;
            if (prefillRem[t] <= EPS) {
                prefillRem[t] = 0;
                phase[t] = DECODE;
                prefillHead[j] = (prefillHead[j] + 1) % prefillQueue[j].length;
                prefillSize[j]--;
            }
        }
    }

    private void completeDone(int j, double now) {
        int[] ids = runIds[j];
        for (int i = runCount[j] - 1; i >= 0; i--) {
            int t = ids[i];
            if (phase[t] == DECODE && stepRem[t] <= EPS) {
                ids[i] = ids[--runCount[j]];
                completeStep(t, j, now);
            }
        }
    }

    private void completeStep(int t, int j, double now) {
        int s = step[t];
        int produced = w.stepTokens(t, s);
        tokens += produced;
        stepsRun++;
        kv[t] = Math.rint(kv[t]);
        if (resumeQueue != null) {
            resumeQueue[j].remove(t);
            newQueue[j].remove(t);
        }
        lastUse[t] = now;
        step[t] = s + 1;
        pred.observeStep(this, t, produced);
        if (step[t] == w.steps(t)) {
            phase[t] = DONE;
            finished++;
            if (gate != null) {
                gate.release(t);
            } else if (released < n) {
                events.insertDouble(released++, now);
            }
            finish[t] = now;
            lastFinish = now;
            used[j] -= kv[t];
            kv[t] = 0;
            setRes(t, -1);
            if (home[t] >= 0 && policy.isKeel()) {
                homeCount[home[t]]--;
            }
            pred.complete(this, t);
            if (gate != null) {
                releaseNew(now);
            }
            return;
        }
        phase[t] = TOOL;
        // The observation joins the context, and the call's duration the history, when the call returns (onReady).
        ctx[t] += produced;
        toolStart[t] = now;
        toolEnd[t] = now + w.toolSeconds(t, s);
        events.insertDouble(t, toolEnd[t]);
        if (gate != null) {
            repeak(t);
            releaseNew(now);
        }
    }

    private void reschedule(int j, double now) {
        int b = 0;
        double context = 0;
        int[] ids = runIds[j];
        double minSteps = Double.POSITIVE_INFINITY;
        for (int i = 0; i < runCount[j]; i++) {
            int t = ids[i];
            if (phase[t] == DECODE) {
                b++;
                context += kv[t];
                minSteps = Math.min(minSteps, stepRem[t]);
            }
        }
        decoders[j] = b;
        double pending = 0;
        double headPrefix = 0;
        if (prefillSize[j] > 0) {
            int head = prefillQueue[j][prefillHead[j]];
            headPrefix = kv[head] - prefillRem[head];
            for (int q = 0; q < prefillSize[j]; q++) {
                pending += prefillRem[prefillQueue[j][(prefillHead[j] + q) % prefillQueue[j].length]];
            }
        }
        chunk[j] = Math.min(pending, Math.max(0, cfg.tokenBudget() - b));
        if (b == 0 && chunk[j] <= 0) {
            iter[j] = 0;
            events.remove(n + j);
            return;
        }
        iter[j] = cost[j].iterationSeconds(b, context, (int) Math.ceil(chunk[j]), headPrefix);
        double k = minSteps;
        if (chunk[j] > 0) {
            k = Math.min(k, prefillRem[prefillQueue[j][prefillHead[j]]] / chunk[j]);
        }
        if (b > 0) {
            double free = cap[j] - used[j];
            if (free < b && outgoing[j] > 0) {
                // Full, with KV still leaving for a migration: decode waits until the transfer frees it (onSent).
                iter[j] = 0;
                events.remove(n + j);
                return;
            }
            k = Math.min(k, Math.max(0.0, free) / b + EPS);
        }
        double next = now + Math.max(k, EPS) * iter[j];
        if (events.contains(n + j)) {
            events.updateDouble(n + j, next);
        } else {
            events.insertDouble(n + j, next);
        }
    }

    // ---- memory ---------------------------------------------------------------------------

    private void makeRoomForGrowth(int j, double now) {
        double need = Math.max(decoders[j], 1) * 16.0;
        if (cap[j] - used[j] >= need) {
            return;
        }
        evictIdle(j, need, -1);
        if (outgoing[j] > 0 && cap[j] - used[j] + outgoing[j] >= need) {
            // KV leaving for a migration will make the room: decode waits for it (reschedule, onSent) rather than
            // preempting. Idle prefixes were evicted first, as any full cache does, so in the measured runs
            // this never happens (0 waits in 48 probed configurations); it keeps a full source from stalling.
            return;
        }
        while (cap[j] - used[j] < need && runCount[j] > 1) {
            preemptOne(j, now);
        }
    }

    /** Evicts idle prefixes on {@code j} (never {@code keep}) until {@code need} tokens are free; false if it cannot. */
    private boolean evictIdle(int j, double need, int keep) {
        while (cap[j] - used[j] < need) {
            int victim = -1;
            int[] ids = residents[j];
            for (int i = 0; i < residentCount[j]; i++) {
                int t = ids[i];
                // The first in trajectory order among equals, as a scan over every trajectory would pick.
                if (t != keep && (phase[t] == TOOL || phase[t] == WAITING) && (victim < 0 || evictBefore(t, victim)
                        || (t < victim && !evictBefore(victim, t)))) {
                    victim = t;
                }
            }
            if (victim < 0) {
                return false;
            }
            used[j] -= kv[victim];
            kv[victim] = 0;
            setRes(victim, -1);
            evictions++;
        }
        return true;
    }

    /** Memory-aware residency is on and has predictions from history to act on. */
    private boolean residency() {
        return policy.residency() && pred.mature();
    }

    private boolean evictBefore(int a, int b) {
        if (residency()) {
            return pred.keepValue(a) < pred.keepValue(b);
        }
        return lastUse[a] < lastUse[b];
    }

    private double evictable(int j, int keep) {
        double sum = 0;
        int[] ids = residents[j];
        for (int i = 0; i < residentCount[j]; i++) {
            int t = ids[i];
            if (t != keep && (phase[t] == TOOL || phase[t] == WAITING)) {
                sum += kv[t];
            }
        }
        return sum;
    }

    private void preemptOne(int j, double now) {
        int[] ids = runIds[j];
        int pick = 0;
        for (int i = 1; i < runCount[j]; i++) {
            int t = ids[i];
            boolean later = residency() ? pred.keepValue(t) < pred.keepValue(ids[pick]) : admitted[t] > admitted[ids[pick]];
            if (later) {
                pick = i;
            }
        }
        int t = ids[pick];
        ids[pick] = ids[--runCount[j]];
        if (phase[t] == PREFILL) {
            removeFromPrefill(j, t);
        }
        if (resumeQueue != null) {
            resumeQueue[j].remove(t);
            newQueue[j].remove(t);
        }
        used[j] -= kv[t];
        kv[t] = 0;
        setRes(t, -1);
        preemptions++;
        readyAt[t] = now;
        if (policy.routing() == Policy.Routing.STICKY_FEWEST_REQUESTS) {
            // vLLM (verl's engine) puts a preempted request back at the front of its waiting queue,
            // the latest preempted first; SGLang (slime's) appends it, as enqueue does.
            phase[t] = WAITING;
            fifo[j].insertDouble(t, -(double) preemptions);
            at(t, j);
        } else {
            enqueue(t, j, now);
        }
    }

    private void removeFromPrefill(int j, int t) {
        int len = prefillQueue[j].length;
        int size = prefillSize[j];
        int w2 = 0;
        int[] tmp = new int[size];
        for (int q = 0; q < size; q++) {
            int u = prefillQueue[j][(prefillHead[j] + q) % len];
            if (u != t) {
                tmp[w2++] = u;
            }
        }
        prefillHead[j] = 0;
        prefillSize[j] = w2;
        System.arraycopy(tmp, 0, prefillQueue[j], 0, w2);
    }

    // ---- admission --------------------------------------------------------------------------

    private void admit(int j, double now) {
        while (runCount[j] < cfg.maxBatch()) {
            int t = nextWaiting(j);
            if (t < 0 || !fits(j, t)) {
                return;
            }
            start(j, t, now);
        }
    }

    private int nextWaiting(int j) {
        if (fifo != null) {
            return fifo[j].peek();
        }
        int t = resumeQueue[j].peekNext();
        if (!pred.mature()) {
            // Without history every priority is 0: serve both queues first come, first served.
            int u = newQueue[j].peekNext();
            if (t < 0 || (u >= 0 && readyAt[u] < readyAt[t])) {
                t = u;
            }
            return t;
        }
        if (t >= 0) {
            return t;
        }
        t = newQueue[j].peekNext();
        if (t < 0 && policy.placement()) {
            t = steal(j);
        }
        if (t >= 0 && residency() && !gated && !pred.peakFits(this, j, t)) {
            return -1;
        }
        return t;
    }

    /** Takes the highest-priority new trajectory of the instance with the most of them waiting. */
    private int steal(int j) {
        int from = -1;
        for (int k = 0; k < m; k++) {
            if (k != j && newQueue[k].waitingCount() > 0
                    && (from < 0 || newQueue[k].waitingCount() * degree[from] > newQueue[from].waitingCount() * degree[k])) {
                from = k;
            }
        }
        if (from < 0) {
            return -1;
        }
        int t = newQueue[from].pollNext();
        newQueue[from].remove(t);
        setHome(t, j);
        newQueue[j].enqueue(t, pred.priority(t), readyAt[t]);
        return t;
    }

    private double logicalLength(int t) {
        return ctx[t] + (w.stepTokens(t, step[t]) - stepRem[t]);
    }

    private boolean fits(int j, int t) {
        double resident = res[t] == j ? kv[t] : 0;
        double need = logicalLength(t) - resident + WATERMARK * cap[j];
        if (cap[j] - used[j] >= need) {
            return true;
        }
        if (cap[j] - used[j] + evictable(j, t) < need) {
            return false;
        }
        return evictIdle(j, need, t);
    }

    private void start(int j, int t, double now) {
        if (fifo != null) {
            fifo[j].poll();
        } else if (resumeQueue[j].isWaiting(t)) {
            resumeQueue[j].pollNext();
        } else {
            newQueue[j].pollNext();
        }
        if (res[t] >= 0 && res[t] != j) {
            used[res[t]] -= kv[t];
            kv[t] = 0;
            setRes(t, -1);
        }
        double length = logicalLength(t);
        double resident = res[t] == j ? kv[t] : 0;
        double pre = Math.max(1.0, length - resident);
        long fresh = step[t] == 0 ? w.params().promptTokens() : w.observationTokens(t, step[t] - 1);
        prefillTokens += Math.round(pre);
        reprefillTokens += Math.max(0, Math.round(pre) - fresh);
        used[j] += length - resident;
        kv[t] = length;
        setRes(t, j);
        prefillRem[t] = pre;
        phase[t] = PREFILL;
        queued[t] += now - readyAt[t];
        admitted[t] = ++admissions;
        runIds[j][runCount[j]++] = t;
        int len = prefillQueue[j].length;
        prefillQueue[j][(prefillHead[j] + prefillSize[j]) % len] = t;
        prefillSize[j]++;
    }

    /**
     * When a move of {@code t} to {@code to} decided at {@code now} would deliver its KV: after
     * the transfers queued on the source's send link and the destination's receive link, at the
     * interconnect's bandwidth ({@code now} when {@code t} holds no KV).
     */
    double arrival(int t, int to, double now) {
        int from = res[t];
        if (from < 0) {
            return now;
        }
        return links.end(from, to, now, cost[to].transferSeconds(kv[t]));
    }

    /**
     * A trajectory in a tool call moves to {@code to}. Its KV, if resident, is reserved on
     * {@code to} at once, stays charged to its source until the transfer ends, and occupies both
     * links until then; the trajectory resumes no earlier than that. Without resident KV only its
     * home changes.
     */
    void move(int t, int to, double now) {
        int from = res[t];
        setHome(t, to);
        migrations++;
        if (from < 0) {
            return;
        }
        double before = used[from];
        double arrive = links.book(from, to, now, cost[to].transferSeconds(kv[t]));
        used[to] += kv[t];
        leaving[t] = from;
        leavingTokens[t] = kv[t];
        outgoing[from] += kv[t];
        setRes(t, to);
        freedAtMove += before - used[from];
        assert balanced(from) && balanced(to);
        events.insertDouble(n + m + 1 + t, arrive);
        if (arrive > toolEnd[t]) {
            toolEnd[t] = arrive;
            events.updateDouble(t, arrive);
        }
    }

    /** {@code t}'s migrated KV has left its source, which frees it. */
    private void onSent(int t, double now) {
        int from = leaving[t];
        used[from] -= leavingTokens[t];
        freedAtSent += leavingTokens[t];
        outgoing[from] -= leavingTokens[t];
        leaving[t] = -1;
        assert balanced(from);
        touch(from, now);
    }

    /** The KV charged to {@code j} is what its residents hold plus what is still leaving it (checked under -ea). */
    private boolean balanced(int j) {
        double sum = outgoing[j];
        for (int i = 0; i < residentCount[j]; i++) {
            sum += kv[residents[j][i]];
        }
        if (Math.abs(sum - used[j]) > 1e-6 * Math.max(1.0, cap[j])) {
            throw new AssertionError("instance " + j + ": charged " + used[j] + ", holds " + sum);
        }
        return true;
    }

    /** Whether {@code t}'s KV is on its way from a migration's source. */
    boolean sending(int t) {
        return leaving[t] >= 0;
    }

    /** Whether {@code j} has steps waiting for admission or under 5% of its KV free. */
    boolean pressured(int j) {
        int waiting = fifo != null ? fifo[j].size() : resumeQueue[j].waitingCount() + newQueue[j].waitingCount();
        return waiting > 0 || free(j) < 0.05 * cap[j];
    }

    /** Free KV tokens on {@code j}. */
    double free(int j) {
        return cap[j] - used[j];
    }

    /** KV capacity of {@code j} in tokens. */
    double capacity(int j) {
        return cap[j];
    }

    /** GPU-seconds some iteration ran. */
    double busyGpuSeconds() {
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += busy[j] * degree[j];
        }
        return s;
    }
}
