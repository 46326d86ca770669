package io.keel.bench.jmh;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.keel.bench.sim.rollout.RolloutSimulator;
import io.keel.bench.sim.rollout.RolloutWorkload;
import io.keel.planners.rollout.DecodeTimeTable;
import io.keel.planners.rollout.ParallelismPlanner;
import io.keel.planners.rollout.AdmissionGate;
import io.keel.planners.rollout.ProgressiveScheduler;
import io.keel.planners.rollout.RuntimePredictor;
import io.keel.planners.rollout.TrajectoryPlacer;
import io.keel.planners.rollout.internal.QuadraticPartitionDp;
import io.keel.planners.rollout.internal.SegmentCost;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The rollout planners on the default workload's predictions: presorted-DP placement (n = 1024,
 * m = 64) against the {@code O(m n^2)} dynamic program, the parallelism planner (G = 64,
 * n = 1024; its {@code O(G n^2)} reference at n = 256), scheduler and admission-gate operations and a predictor
 * step. Only the placement methods take the {@code instances} parameter ({@link PlacementState}):
 * instances are either 64 x TP1 ({@code uniform}) or a mix of degrees. The other methods do not
 * depend on it, so they run once, without it.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RolloutPlanningBenchmark extends KeelBenchmark {
    private static final DecodeTimeTable TABLE = DecodeTimeTable.llama2_70bH100();
    /** Length of the pre-generated operation streams (a power of two; the methods cycle through them). */
    static final int OPS = 1 << 14;

    private ParallelismPlanner planner;
    private ParallelismPlanner smallPlanner;
    private SegmentCost cost;
    private double[] predicted;
    private double[] small;
    private int[] degreeLimits;

    /** The default workload's 1,024 initial predictions (keel's predictor warmed by the previous epoch). */
    static double[] initialPredictions() {
        RolloutWorkload w = RolloutWorkload.generate(RolloutWorkload.Params.defaults(1024), 42, 0);
        return RolloutSimulator.initialPredictions(w, 42, true);
    }

    static double[] sortedDescending(double[] x) {
        return Arrays.stream(x).map(v -> -v).sorted().map(v -> -v).toArray();
    }

    @Setup
    public void setUp() {
        predicted = initialPredictions();
        degreeLimits = new int[] {26, 52, 104, 208};
        planner = new ParallelismPlanner(1024, 64, degreeLimits, TABLE);
        smallPlanner = new ParallelismPlanner(256, 64, degreeLimits, TABLE);
        cost = new SegmentCost(TABLE, 256);
        small = Arrays.copyOf(sortedDescending(predicted), 256);
    }

    /** Placement inputs: 64 instances, {@code uniform} (64 x TP1) or {@code mixed} degrees. */
    @State(Scope.Benchmark)
    public static class PlacementState {
        @Param({"uniform", "mixed"})
        public String instances;

        double[] predicted;
        double[] sortedDesc;
        int[] degrees;
        int[] limits;
        int[] degreeIndexFastestFirst;
        int[] limitsFastestFirst;
        TrajectoryPlacer placer;
        SegmentCost cost;

        @Setup(Level.Trial)
        public void setUp() {
            predicted = initialPredictions();
            sortedDesc = sortedDescending(predicted);
            degrees = new int[64];
            limits = new int[64];
            for (int j = 0; j < 64; j++) {
                degrees[j] = instances.equals("uniform") ? 1 : new int[] {8, 4, 2, 1}[Math.min(3, j / 4)];
                limits[j] = 26 * degrees[j];
            }
            Integer[] order = new Integer[64];
            for (int j = 0; j < 64; j++) {
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> Integer.compare(degrees[b], degrees[a]) != 0 ? Integer.compare(degrees[b], degrees[a]) : Integer.compare(a, b));
            degreeIndexFastestFirst = new int[64];
            limitsFastestFirst = new int[64];
            for (int p = 0; p < 64; p++) {
                degreeIndexFastestFirst[p] = TABLE.degreeIndex(degrees[order[p]]);
                limitsFastestFirst[p] = limits[order[p]];
            }
            placer = new TrajectoryPlacer(1024, 64, 256, TABLE);
            cost = new SegmentCost(TABLE, 256);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public double placementPresorted(PlacementState s) {
        return s.placer.place(s.predicted, 1024, s.degrees, s.limits, 64).makespanSeconds();
    }

    /**
     * The {@code O(m n^2)} reference, about 150-200 ms a call: 5 x 4 s of warm-up (about 100
     * calls) so that JIT compilation is over before the measured iterations (1 x 1 s was about
     * six calls, and left it in them); about 30 s per {@code instances} value in all.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 5, time = 4)
    @Measurement(iterations = 5, time = 2)
    public double placementQuadraticDp(PlacementState s) {
        return QuadraticPartitionDp.makespan(s.cost, s.sortedDesc, 1024, s.degreeIndexFastestFirst, s.limitsFastestFirst, 64);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public double parallelismExact1024() {
        return planner.plan(predicted, 1024, 64).makespanSeconds();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public double parallelismExact256() {
        return smallPlanner.plan(small, 256, 64).makespanSeconds();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    // About 23 ms a call: 5 x 2 s of warm-up (about 400 calls) so that, as for the placement DP, JIT
    // work does not land in the measurement.
    @Warmup(iterations = 5, time = 2)
    @Measurement(iterations = 5, time = 2)
    public double parallelismQuadraticDp256() {
        return QuadraticPartitionDp.parallelismMakespan(cost, small, 256, 64, degreeLimits);
    }

    /**
     * One scheduler operation on a queue of about 512 of 1024 ids: enqueue, update, poll or remove.
     * The ids and keys are drawn at setup ({@link #OPS} of them, cycled).
     */
    @State(Scope.Thread)
    public static class SchedulerState {
        ProgressiveScheduler scheduler;
        int[] ids;
        double[] keys;
        int next;
        double now;

        @Setup(Level.Trial)
        public void setUp() {
            scheduler = new ProgressiveScheduler(1024, 10);
            SplittableRandom rnd = new SplittableRandom(1);
            for (int id = 0; id < 1024; id += 2) {
                scheduler.enqueue(id, rnd.nextDouble(1e5), 0);
            }
            ids = new int[OPS];
            keys = new double[OPS];
            for (int i = 0; i < OPS; i++) {
                ids[i] = rnd.nextInt(1024);
                keys[i] = rnd.nextDouble(1e5);
            }
        }
    }

    /**
     * Mean time of one scheduler operation (average-time mode, ns/op). Its inputs come from the
     * pre-generated stream, so the timed loop holds the operation and two array reads. Average
     * time, not sampled latency: at 50-110 ns an op, a per-call timer read would be a large part of
     * every sample.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int schedulerOperation(SchedulerState s) {
        ProgressiveScheduler q = s.scheduler;
        int op = s.next;
        s.next = (op + 1) & (OPS - 1);
        s.now += 0.001;
        int id = s.ids[op];
        if (q.isWaiting(id)) {
            q.update(id, s.keys[op]);
        } else if (q.isRunning(id)) {
            q.remove(id);
        } else {
            q.enqueue(id, s.keys[op], s.now);
        }
        if (q.runningCount() < 256) {
            q.pollNext();
        }
        return q.preemptionVictim(1.0);
    }

    /**
     * One admission-gate operation over 1,024 ids, about half admitted: admit, re-charge or release.
     * The ids, peaks and re-charge-or-release choices are drawn at setup ({@link #OPS} of them, cycled).
     */
    @State(Scope.Thread)
    public static class GateState {
        AdmissionGate gate;
        int[] ids;
        double[] peaks;
        boolean[] recharge;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            gate = new AdmissionGate(1024);
            gate.reset(512 * 32768.0);
            SplittableRandom rnd = new SplittableRandom(1);
            ids = new int[OPS];
            peaks = new double[OPS];
            recharge = new boolean[OPS];
            for (int i = 0; i < OPS; i++) {
                ids[i] = rnd.nextInt(1024);
                peaks[i] = 1 + rnd.nextDouble(65536);
                recharge[i] = rnd.nextBoolean();
            }
        }
    }

    /**
     * Mean time of one admission-gate operation (average-time mode, ns/op), inputs from the
     * pre-generated stream; average time for the reason given at {@link #schedulerOperation}.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double admissionGateOperation(GateState s) {
        AdmissionGate g = s.gate;
        int op = s.next;
        s.next = (op + 1) & (OPS - 1);
        int id = s.ids[op];
        if (!g.isAdmitted(id)) {
            g.tryAdmit(id, s.peaks[op]);
        } else if (s.recharge[op]) {
            g.recharge(id, s.peaks[op]);
        } else {
            g.release(id);
        }
        return g.chargedTokens();
    }

    /** A predictor step with 64 groups of history. */
    @State(Scope.Thread)
    public static class PredictorState {
        RuntimePredictor predictor;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            RolloutWorkload prev = RolloutWorkload.generate(RolloutWorkload.Params.defaults(1024), 42, 1);
            predictor = new RuntimePredictor(64, 64, 1024, 128);
            for (int t = 0; t < 1024; t++) {
                predictor.recordCompleted(prev.group(t), prev.totalTokens(t), prev.steps(t));
            }
            for (int t = 0; t < 1024; t++) {
                predictor.start(t, t / 16);
            }
        }
    }

    /**
     * Mean time of one predictor step over the 1,024 trajectories in turn (average-time mode,
     * ns/op); average time for the reason given at {@link #schedulerOperation}.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double predictorObserveStep(PredictorState s) {
        RuntimePredictor p = s.predictor;
        int t = s.next++ & 1023;
        if (p.stepsDone(t) >= 300) {
            p.complete(t);
            p.start(t, t / 16);
        }
        p.observeStep(t, 144);
        return p.predictedRemainingTokens(t);
    }
}
