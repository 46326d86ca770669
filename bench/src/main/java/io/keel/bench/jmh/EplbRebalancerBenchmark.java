package io.keel.bench.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.keel.bench.sim.ep.DriftingZipfWorkload;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.EplbRebalancer;
import io.keel.planners.ep.PlacementImbalance;
import io.keel.planners.ep.RebalancePlan;
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
 * copies, without a budget, and on the skip-when-balanced path, in the same run. The skip path has
 * its own peer, {@link #eplbWithImbalanceCheck}: an EPLB caller that checks each layer's max / mean
 * against the same threshold first and plans only the layers above it, as any caller of EPLB can
 * (comparing {@link #skipBalanced} with {@link #eplbFromScratch} would credit keel with a check it
 * does not own). Layouts are the replay's: qwen's trace (12 layers, 60 experts, 6 ranks x 12 slots,
 * 3 ranks per node) and the synthetic one (8 layers, 256 experts, 32 ranks x 12 slots, 8 per node).
 * Loads are windows of 10 steps of the drifting-skew Zipf workload; the current placement for
 * window i is EPLB's plan for window i - 1, so each call has real work (8 windows, cycled).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EplbRebalancerBenchmark extends KeelBenchmark {
    private static final int WINDOWS = 8;
    private static final int WINDOW_STEPS = 10;
    /**
     * The skip threshold of {@link #skipBalanced} and {@link #eplbWithImbalanceCheck}: a max / mean
     * every layer of these windows is under, so both measure the check alone.
     */
    static final double SKIP_THRESHOLD = 1e9;

    /** layers/experts/ranks/slots per rank/ranks per node. */
    @Param({"12/60/6/12/3", "8/256/32/12/8"})
    public String shape;

    private int layers;
    private int experts;
    private int budget;
    private int[][] windows;
    private int[][] current;
    private EplbPlanner eplb;
    private EplbRebalancer rebalancer;
    private PlacementImbalance imbalance;
    /** Per count n, the loads of the n layers an imbalance check picked, packed as EPLB takes them. */
    private int[][] pickedLoads;
    /** The layers an imbalance check picked, in layer order (where their plans go back to). */
    private int[] pickedLayers;
    private int next;

    /** Builds the windows, the current placements and the planners. */
    @Setup(Level.Trial)
    public void setup() {
        String[] f = shape.split("/");
        layers = Integer.parseInt(f[0]);
        experts = Integer.parseInt(f[1]);
        int ranks = Integer.parseInt(f[2]);
        int perRank = Integer.parseInt(f[3]);
        int perNode = Integer.parseInt(f[4]);
        SlotLayout layout = SlotLayout.uniform(ranks, perRank, perNode);
        int slots = layout.slots();
        eplb = new EplbPlanner(layers, experts, slots, 1, layout.nodes(), ranks);
        rebalancer = new EplbRebalancer(layers, experts, 1, layout, 3L * 2048 * 1408 * 2, false);
        imbalance = new PlacementImbalance(experts, layout.slotsPerRank());
        pickedLoads = new int[layers + 1][];
        for (int n = 0; n <= layers; n++) {
            pickedLoads[n] = new int[n * experts];
        }
        pickedLayers = new int[layers];
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
        return keelWithSkip(window(), SKIP_THRESHOLD).movedCopies();
    }

    /**
     * Peer of {@link #skipBalanced}: EPLB behind the caller's own check, on the same window, current
     * placement and threshold (every layer under it, so EPLB plans none).
     */
    @Benchmark
    public int eplbWithImbalanceCheck() {
        return eplbAboveThreshold(window(), SKIP_THRESHOLD);
    }

    /** keel's rebalancer on window {@code k} from its current placement, budget 25%, skipping at {@code threshold}. */
    RebalancePlan keelWithSkip(int k, double threshold) {
        return rebalancer.rebalance(current[k], windows[k], layers, budget, Long.MAX_VALUE, threshold, null);
    }

    /**
     * What an EPLB caller does with keel's skip rule on window {@code k}: each layer's max / mean on
     * the window under the current placement ({@link PlacementImbalance}, as the rebalancer measures
     * it), then EPLB on only the layers above {@code threshold}, their loads packed into consecutive
     * layers. keel also plans a layer that lost an expert; EPLB's placements hold every expert, so on
     * these windows the rule is the same (the test checks that both plan the same layers).
     *
     * @return how many layers EPLB planned (which: {@link #pickedLayer}, in layer order)
     */
    int eplbAboveThreshold(int k, double threshold) {
        int n = 0;
        for (int l = 0; l < layers; l++) {
            if (imbalance.imbalance(current[k], windows[k], l) > threshold) {
                pickedLayers[n++] = l;
            }
        }
        if (n > 0) {
            int[] loads = pickedLoads[n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(windows[k], pickedLayers[i] * experts, loads, i * experts, experts);
            }
            eplb.rebalance(loads, n);
        }
        return n;
    }

    /** Layer {@code i} of those the last {@link #eplbAboveThreshold} planned. */
    int pickedLayer(int i) {
        return pickedLayers[i];
    }
}
