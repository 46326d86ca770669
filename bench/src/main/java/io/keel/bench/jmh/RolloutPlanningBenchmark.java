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
 * step. Placement instances are either 64 x TP1 ({@code uniform}) or a mix of degrees.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RolloutPlanningBenchmark extends KeelBenchmark {
    private static final DecodeTimeTable TABLE = DecodeTimeTable.llama2_70bH100();

    @Param({"uniform", "mixed"})
    public String instances;

    private double[] predicted;
    private double[] sortedDesc;
    private int[] degrees;
    private int[] limits;
    private int[] degreeIndexFastestFirst;
    private int[] limitsFastestFirst;
    private TrajectoryPlacer placer;
    private ParallelismPlanner planner;
    private ParallelismPlanner smallPlanner;
    private SegmentCost cost;
    private double[] small;
    private int[] degreeLimits;

    @Setup
    public void setUp() {
        RolloutWorkload w = RolloutWorkload.generate(RolloutWorkload.Params.defaults(1024), 42, 0);
        predicted = RolloutSimulator.initialPredictions(w, 42, true);
        sortedDesc = Arrays.stream(predicted).map(x -> -x).sorted().map(x -> -x).toArray();
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
        degreeLimits = new int[] {26, 52, 104, 208};
        planner = new ParallelismPlanner(1024, 64, degreeLimits, TABLE);
        smallPlanner = new ParallelismPlanner(256, 64, degreeLimits, TABLE);
        cost = new SegmentCost(TABLE, 256);
        small = Arrays.copyOf(sortedDesc, 256);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public double placementPresorted() {
        return placer.place(predicted, 1024, degrees, limits, 64).makespanSeconds();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 2)
    public double placementQuadraticDp() {
        return QuadraticPartitionDp.makespan(cost, sortedDesc, 1024, degreeIndexFastestFirst, limitsFastestFirst, 64);
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
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 2)
    public double parallelismQuadraticDp256() {
        return QuadraticPartitionDp.parallelismMakespan(cost, small, 256, 64, degreeLimits);
    }

    /** One scheduler operation on a queue of about 512 of 1024 ids: enqueue, update, poll or remove. */
    @State(Scope.Thread)
    public static class SchedulerState {
        ProgressiveScheduler scheduler;
        SplittableRandom rnd;
        double now;

        @Setup(Level.Trial)
        public void setUp() {
            scheduler = new ProgressiveScheduler(1024, 10);
            rnd = new SplittableRandom(1);
            for (int id = 0; id < 1024; id += 2) {
                scheduler.enqueue(id, rnd.nextDouble(1e5), 0);
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int schedulerOperation(SchedulerState s) {
        ProgressiveScheduler q = s.scheduler;
        s.now += 0.001;
        int id = s.rnd.nextInt(1024);
        if (q.isWaiting(id)) {
            q.update(id, s.rnd.nextDouble(1e5));
        } else if (q.isRunning(id)) {
            q.remove(id);
        } else {
            q.enqueue(id, s.rnd.nextDouble(1e5), s.now);
        }
        if (q.runningCount() < 256) {
            q.pollNext();
        }
        return q.preemptionVictim(1.0);
    }

    /** One admission-gate operation over 1,024 ids, about half admitted: admit, re-charge or release. */
    @State(Scope.Thread)
    public static class GateState {
        AdmissionGate gate;
        SplittableRandom rnd;

        @Setup(Level.Trial)
        public void setUp() {
            gate = new AdmissionGate(1024);
            gate.reset(512 * 32768.0);
            rnd = new SplittableRandom(1);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double admissionGateOperation(GateState s) {
        AdmissionGate g = s.gate;
        int id = s.rnd.nextInt(1024);
        double peak = 1 + s.rnd.nextDouble(65536);
        if (!g.isAdmitted(id)) {
            g.tryAdmit(id, peak);
        } else if (s.rnd.nextBoolean()) {
            g.recharge(id, peak);
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

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
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
