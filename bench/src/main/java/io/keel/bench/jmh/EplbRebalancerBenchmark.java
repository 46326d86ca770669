package io.keel.bench.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.keel.bench.sim.ep.DriftingZipfWorkload;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.EplbRebalancer;
import io.keel.planners.ep.SlotLayout;
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
 * One rebalance of every layer, as the serving replay calls it: EPLB from scratch ({@link EplbPlanner},
 * the peer) against {@link EplbRebalancer} from the current placement under a budget of 25% of the
 * copies, without a budget, and on the skip-when-balanced path, in the same run. Layouts are the
 * replay's: qwen's trace (12 layers, 60 experts, 6 ranks x 12 slots, 3 ranks per node) and the
 * synthetic one (8 layers, 256 experts, 32 ranks x 12 slots, 8 per node). Loads are windows of 10
 * steps of the drifting-skew Zipf workload; the current placement for window i is EPLB's plan for
 * window i - 1, so each call has real work (8 windows, cycled).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EplbRebalancerBenchmark extends KeelBenchmark {
    private static final int WINDOWS = 8;
    private static final int WINDOW_STEPS = 10;

    /** layers/experts/ranks/slots per rank/ranks per node. */
    @Param({"12/60/6/12/3", "8/256/32/12/8"})
    public String shape;

    private int layers;
    private int budget;
    private int[][] windows;
    private int[][] current;
    private EplbPlanner eplb;
    private EplbRebalancer rebalancer;
    private int next;

    /** Builds the windows, the current placements and the planners. */
    @Setup(Level.Trial)
    public void setup() {
        String[] f = shape.split("/");
        layers = Integer.parseInt(f[0]);
        int experts = Integer.parseInt(f[1]);
        int ranks = Integer.parseInt(f[2]);
        int perRank = Integer.parseInt(f[3]);
        int perNode = Integer.parseInt(f[4]);
        SlotLayout layout = SlotLayout.uniform(ranks, perRank, perNode);
        int slots = layout.slots();
        eplb = new EplbPlanner(layers, experts, slots, 1, layout.nodes(), ranks);
        rebalancer = new EplbRebalancer(layers, experts, 1, layout, 3L * 2048 * 1408 * 2, false);
        budget = (int) Math.ceil(0.25 * layers * slots);
        List<int[]> steps = new DriftingZipfWorkload(experts, layers, 8192L * 8 * ranks, 1.0, 0.4, 100, experts / 8, 42)
                .steps((WINDOWS + 1) * WINDOW_STEPS);
        int[][] all = new int[WINDOWS + 1][layers * experts];
        for (int s = 0; s < steps.size(); s++) {
            int[] loads = steps.get(s);
            for (int i = 0; i < loads.length; i++) {
                all[s / WINDOW_STEPS][i] += loads[i];
            }
        }
        windows = new int[WINDOWS][];
        current = new int[WINDOWS][layers * slots];
        for (int k = 0; k < WINDOWS; k++) {
            windows[k] = all[k + 1];
            eplb.rebalance(all[k], layers);
            for (int l = 0; l < layers; l++) {
                for (int p = 0; p < slots; p++) {
                    current[k][l * slots + p] = eplb.lastPlan().phy2log(l, p);
                }
            }
        }
    }

    private int window() {
        return next++ & (WINDOWS - 1);
    }

    /** Peer: EPLB from scratch on the window. */
    @Benchmark
    public int eplbFromScratch() {
        return eplb.rebalance(windows[window()], layers).phy2log(0, 0);
    }

    /** keel incremental from the current placement, at most 25% of the copies moved. */
    @Benchmark
    public int incremental25() {
        int k = window();
        return rebalancer.rebalance(current[k], windows[k], layers, budget, Long.MAX_VALUE, 0, null).movedCopies();
    }

    /** keel incremental from the current placement, no budget (EPLB's balance, keeping what it can). */
    @Benchmark
    public int incrementalUnlimited() {
        int k = window();
        return rebalancer.rebalance(current[k], windows[k], layers, Integer.MAX_VALUE, Long.MAX_VALUE, 0, null)
                .movedCopies();
    }

    /** Skip when balanced: a threshold every layer is under, so the call is the O(experts + slots) check. */
    @Benchmark
    public int skipBalanced() {
        int k = window();
        return rebalancer.rebalance(current[k], windows[k], layers, budget, Long.MAX_VALUE, 1e9, null).movedCopies();
    }
}
