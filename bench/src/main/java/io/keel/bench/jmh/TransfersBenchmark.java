package io.keel.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.keel.bench.report.ColumnSumReference;
import io.keel.bench.sim.ep.EpStepSimulator;
import io.keel.bench.sim.ep.UltraEpWorkload;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.relay.RelayPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
import io.keel.streaming.BalancedStep;
import io.keel.streaming.SlotBufferTransfers;
import io.keel.streaming.EpBalancer;
import io.keel.streaming.TileStream;
import io.keel.streaming.TileStreamPacker;
import jdk.jfr.Recording;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Expert-state transfers on UltraEP's workload (64 ranks, 256 experts, 2 slots, top-8, 8192
 * tokens per rank, DeepSeek-V3-sized 88 MB experts), over the replication plans of 8 microbatches
 * (cycled): the relay planner under each policy (paired methods that differ only in the policy),
 * the tile packer, the whole {@code EpBalancer.step} with JFR recording off and on, and the floor
 * control (a SIMD column sum of the step's load matrix).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TransfersBenchmark extends KeelBenchmark {
    private static final int BATCHES = 8;

    /** Ranks per scale-up domain. */
    @Param({"8", "64"})
    public int domain;

    /** Target initial imbalance. */
    @Param({"2.0"})
    public double imbalance;

    private int[][] loads;
    private RelayRequest[] requests;
    private RelayPlanner relay;
    private RelayPlanner[] keelPlans;
    private RelayPlanner[] depthTwoPlans;
    private TileStreamPacker packer;
    private EpBalancer balancer;
    private EpBalancer borrowing;
    private EpBalancer tolerant;
    private final int[] columnSums = new int[256];
    private int next;

    /** Builds the workload, the plans and the kernels. */
    @Setup(Level.Trial)
    public void setup() {
        long state = EpStepSimulator.Assumptions.deepSeekV3(8192, 8).stateBytes();
        ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, domain, state);
        UltraEpWorkload w = new UltraEpWorkload(layout, 8, 8192, imbalance, 42);
        QuotaPlanner planner = new QuotaPlanner(layout);
        int transfers = 64 * 2;
        loads = new int[BATCHES][64 * 256];
        requests = new RelayRequest[BATCHES];
        keelPlans = new RelayPlanner[BATCHES];
        depthTwoPlans = new RelayPlanner[BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            w.fill(b, loads[b]);
            requests[b] = SlotBufferTransfers.add(planner.plan(loads[b]), new RelayRequest(transfers).stateBytes(state));
            keelPlans[b] = RelayPlanner.uniform(64, 400e9, 256, transfers);
            keelPlans[b].plan(requests[b], RelayPolicy.BALANCED_TREES);
            depthTwoPlans[b] = RelayPlanner.uniform(64, 400e9, 256, transfers);
            depthTwoPlans[b].plan(requests[b], RelayPolicy.BALANCED_DEPTH_TWO);
        }
        relay = RelayPlanner.uniform(64, 400e9, 256, transfers);
        packer = TileStreamPacker.withDefaults(64, transfers, transfers, 32);
        balancer = new EpBalancer(EpBalancer.Config.defaults(layout, 1));
        borrowing = new EpBalancer(EpBalancer.Config.defaults(layout, 1)
                .withPlannerOptions(QuotaPlanner.Options.DEFAULTS.withBorrowInput(true)));
        tolerant = new EpBalancer(EpBalancer.Config.defaults(layout, 1)
                .withPlannerOptions(QuotaPlanner.Options.DEFAULTS.withEps(0.01).withBorrowInput(true)));
    }

    /** Frees the off-heap tables. */
    @TearDown(Level.Trial)
    public void tearDown() {
        packer.close();
        balancer.close();
        borrowing.close();
        tolerant.close();
    }

    private int batch() {
        return next++ & (BATCHES - 1);
    }

    /** Relay trees, DIRECT. */
    @Benchmark
    public RelayPlan relayDirect() {
        return relay.plan(requests[batch()], RelayPolicy.DIRECT);
    }

    /** Relay trees, UltraEP's sqrt rule. */
    @Benchmark
    public RelayPlan relayUltraep() {
        return relay.plan(requests[batch()], RelayPolicy.ULTRAEP_SQRT);
    }

    /** Relay trees, keel's joint egress search with trees of any depth. */
    @Benchmark
    public RelayPlan relayKeel() {
        return relay.plan(requests[batch()], RelayPolicy.BALANCED_TREES);
    }

    /** Relay trees, keel's depth-2 search alone. */
    @Benchmark
    public RelayPlan relayKeelDepthTwo() {
        return relay.plan(requests[batch()], RelayPolicy.BALANCED_DEPTH_TWO);
    }

    /** Task table of a BALANCED_TREES relay plan (any depth), 32 channels. */
    @Benchmark
    public TileStream pack() {
        return packer.pack(keelPlans[batch()].plan(), 32);
    }

    /** Task table of a BALANCED_DEPTH_TWO relay plan, 32 channels (the trees of the version-1 tables). */
    @Benchmark
    public TileStream packDepthTwo() {
        return packer.pack(depthTwoPlans[batch()].plan(), 32);
    }

    /** Plan + relay + tiles, no JFR recording. */
    @Benchmark
    public BalancedStep step() {
        return balancer.step(0, loads[batch()]);
    }

    /** {@link #step} with the planner reading the load matrix in place ({@code Options.borrowInput}). */
    @Benchmark
    public BalancedStep stepBorrowed() {
        return borrowing.step(0, loads[batch()]);
    }

    /** {@link #stepBorrowed} at UltraEP's own tolerance (eps 0.01) instead of the exact plan. */
    @Benchmark
    public BalancedStep stepBorrowedEps01() {
        return tolerant.step(0, loads[batch()]);
    }

    /** Floor control: a SIMD column sum of the step's load matrix (the least any step must read). */
    @Benchmark
    public int floorColumnSum() {
        return ColumnSumReference.sum(loads[batch()], 64, 256, columnSums);
    }

    /** The same step while a recording has {@code keel.EpStep} on. */
    @State(Scope.Thread)
    public static class Recorded {
        Recording recording;

        /** Starts an in-memory recording of the step events. */
        @Setup(Level.Trial)
        public void start() {
            recording = new Recording();
            recording.enable("keel.EpStep");
            recording.setToDisk(false);
            recording.setMaxSize(16 << 20);
            recording.start();
        }

        /** Ends it. */
        @TearDown(Level.Trial)
        public void stop() {
            recording.close();
        }
    }

    /** Plan + relay + tiles with the BalancerStepEvent (keel.EpStep) recorded. */
    @Benchmark
    public BalancedStep stepRecording(Recorded recorded) {
        return balancer.step(0, loads[batch()]);
    }
}
