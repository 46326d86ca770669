package io.keel.bench.sim.ep;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

import io.keel.bench.report.Measure;
import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import org.HdrHistogram.Histogram;

/**
 * Runs one planner over a sequence of load matrices (microbatches of one layer) and collects
 * what {@code keel ep} reports: initial, final and lower-bound imbalance (max/mean rank load),
 * replicas, planning latency and heap bytes per plan. Planners: {@code quota} (the
 * {@link QuotaPlanner} on this microbatch's loads), {@code eplb} ({@link EplbPlanner} on the
 * previous microbatch's totals, as EPLB plans from history; each expert's tokens split evenly
 * over its copies) and {@code none} (masters only).
 *
 * <p>Cold-path harness: allocates its summary; the timed calls are the planners' own.
 */
public final class EpEvaluation {
    /** Planner choice. */
    public enum Kind {
        /** The quota planner. */
        QUOTA,
        /** DeepSeek EPLB semantics on the previous microbatch. */
        EPLB,
        /** No replication. */
        NONE;

        /** Parses quota|eplb|none. */
        public static Kind parse(String s) {
            return switch (s) {
                case "quota" -> QUOTA;
                case "eplb" -> EPLB;
                case "none" -> NONE;
                default -> throw new IllegalArgumentException("planner must be quota, eplb or none, was " + s);
            };
        }

        /** The CLI name. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Per-microbatch figures and timing of one run. Heap bytes per plan are per measured pass (plan
     * loop - control loop) / plans: {@code allocatedBytesPerPlan} is the median pass, so an
     * allocation in most passes shows even when a pass without it exists, and a one-off (a JIT tier
     * transition) does not; {@code allocatedBytesPerPlanMin} is the least pass. Neither is clamped
     * at 0: the control loop's bytes are measured like the plan loop's, so a pass in which the
     * thread happened to allocate more during the empty loop than during the plans (a one-off on
     * the harness's side) gives a negative figure, and its size is the noise of the measurement,
     * which a clamp would hide. Both are 0 for {@link Kind#NONE}, which times nothing.
     */
    public record Result(double[] initial, double[] finalImbalance, double[] lowerBound, int[] replicas,
                         Histogram planNanos, double allocatedBytesPerPlan, double allocatedBytesPerPlanMin,
                         long tokensOffSource, int[] probes) {
    }

    private EpEvaluation() {
    }

    /**
     * Plans each of {@code batches} (R x E matrices) with {@code kind}, timing {@code rounds} plans
     * per batch in each of {@link #PASSES} passes, after warm-up passes of as many plans: at least
     * one, and at least {@link #WARM_UP_NANOS} of them per planner kind and process.
     */
    public static Result run(ExpertLayout layout, QuotaPlanner.Options options, Kind kind, List<int[]> batches,
                             int rounds) {
        int n = batches.size();
        int ranks = layout.ranks();
        int experts = layout.experts();
        double[] initial = new double[n];
        double[] fin = new double[n];
        double[] lb = new double[n];
        int[] replicas = new int[n];
        int[] probes = new int[n];
        Histogram h = new Histogram(60_000_000_000L, 3);
        QuotaPlanner quota = new QuotaPlanner(layout, options);
        int domains = layout.domains();
        int physical = experts + ranks * layout.slotsPerRank();
        EplbPlanner eplb = kind == Kind.EPLB ? new EplbPlanner(1, experts, physical, domains, domains, ranks) : null;
        int[][] totals = new int[n][experts];
        for (int b = 0; b < n; b++) {
            int[] m = batches.get(b);
            for (int s = 0; s < ranks; s++) {
                for (int e = 0; e < experts; e++) {
                    totals[b][e] += m[s * experts + e];
                }
            }
        }
        long off = 0;
        for (int b = 0; b < n; b++) {
            ReplicationPlan p = quota.plan(batches.get(b));
            initial[b] = p.initialImbalance();
            lb[b] = p.lowerBoundImbalance();
            switch (kind) {
                case QUOTA -> {
                    fin[b] = p.imbalance();
                    replicas[b] = p.replicaCount();
                    off += p.tokensOffSource();
                    probes[b] = p.probes();
                }
                case NONE -> {
                    fin[b] = p.initialImbalance();
                    replicas[b] = 0;
                }
                case EPLB -> {
                    int[] history = totals[b == 0 ? n - 1 : b - 1];
                    EplbPlan plan = eplb.rebalance(history, 1);
                    fin[b] = eplbImbalance(plan, totals[b], ranks, physical);
                    replicas[b] = physical - experts;
                }
                default -> throw new IllegalStateException();
            }
        }
        if (kind == Kind.NONE || rounds <= 0) {
            return new Result(initial, fin, lb, replicas, h, 0, 0, off, probes);
        }
        long[] passBytes = timeAndCount(quota, eplb, kind, batches, totals, rounds, h);
        double plans = (double) rounds * n;
        return new Result(initial, fin, lb, replicas, h, passBytes[PASSES / 2] / plans, passBytes[0] / plans, off,
                probes);
    }

    /** Measured passes of {@code rounds} x batches plans each: odd, so that the median is one pass's figure. */
    private static final int PASSES = 5;
    /**
     * The least time a planner kind spends in warm-up passes in one process before its first
     * measured pass: one pass alone is {@code rounds} x batches plans, which at a trace's 20 rounds
     * can end before C2 has compiled the planner, so {@code planMicros} would time C1 code.
     */
    private static final long WARM_UP_NANOS = 1_000_000_000L;
    /**
     * Per kind ({@link Kind#ordinal}), the time spent in warm-up passes so far in this process. The
     * JIT's compiled code is the process's, so a trace's later rows (same planner, other shapes)
     * start from the first row's warm-up and pay only their own warm-up pass (a second to each of a
     * trace's ~130 rows would add minutes). The cost: a later row whose options or shape send the
     * planner down other branches may see C2 recompile during its measured passes, and its
     * {@code planMicros} tail then includes that.
     */
    private static final AtomicLongArray WARMED_NANOS = new AtomicLongArray(Kind.values().length);

    /**
     * Times {@code rounds} plans per batch and pass into {@code h} and returns the heap bytes of
     * each of the {@link #PASSES} measured passes, sorted: the plan loop's bytes - the same loop's
     * bytes with no plan call (what the harness allocates by itself). Before them, warm-up passes,
     * the same code timed into a histogram that is then dropped: at least one, and until this kind
     * has had {@link #WARM_UP_NANOS} of them in this process.
     */
    private static long[] timeAndCount(QuotaPlanner quota, EplbPlanner eplb, Kind kind, List<int[]> batches,
                                       int[][] totals, int rounds, Histogram h) {
        Histogram warmUp = Measure.nanosHistogram();
        do {
            long t0 = System.nanoTime();
            planLoop(quota, eplb, kind, batches, totals, rounds, warmUp);
            controlLoop(batches, rounds, warmUp);
            WARMED_NANOS.addAndGet(kind.ordinal(), System.nanoTime() - t0);
        } while (WARMED_NANOS.get(kind.ordinal()) < WARM_UP_NANOS);
        long[] bytes = new long[PASSES];
        for (int pass = 0; pass < PASSES; pass++) {
            long before = Measure.allocatedBytes();
            planLoop(quota, eplb, kind, batches, totals, rounds, h);
            long planBytes = Measure.allocatedBytes() - before;
            bytes[pass] = planBytes - controlLoop(batches, rounds, h);
        }
        java.util.Arrays.sort(bytes);
        return bytes;
    }

    /** {@code rounds} plans per batch, each timed into {@code h}. */
    private static void planLoop(QuotaPlanner quota, EplbPlanner eplb, Kind kind, List<int[]> batches, int[][] totals,
                                 int rounds, Histogram h) {
        for (int r = 0; r < rounds; r++) {
            for (int b = 0, n = batches.size(); b < n; b++) {
                long t0 = System.nanoTime();
                if (kind == Kind.QUOTA) {
                    quota.plan(batches.get(b));
                } else {
                    eplb.rebalance(totals[b], 1);
                }
                h.recordValue(System.nanoTime() - t0);
            }
        }
    }

    /** The timed loop with no plan call: what the harness allocates by itself (its bytes). */
    private static long controlLoop(List<int[]> batches, int rounds, Histogram h) {
        long before = Measure.allocatedBytes();
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            for (int b = 0, n = batches.size(); b < n; b++) {
                long t0 = System.nanoTime();
                sink += batches.get(b).length;
                long t = System.nanoTime() - t0;
                if (t < 0) {
                    h.recordValue(sink);
                }
            }
        }
        return Measure.allocatedBytes() - before;
    }

    /** Max/mean rank load when each expert's tokens are split evenly over its EPLB copies. */
    public static double eplbImbalance(EplbPlan plan, int[] totals, int ranks, int physical) {
        int perGpu = physical / ranks;
        double max = 0;
        double sum = 0;
        for (int g = 0; g < ranks; g++) {
            double load = 0;
            for (int p = g * perGpu; p < (g + 1) * perGpu; p++) {
                int e = plan.phy2log(0, p);
                load += (double) totals[e] / plan.logcnt(0, e);
            }
            max = Math.max(max, load);
            sum += load;
        }
        return sum == 0 ? 1.0 : max / (sum / ranks);
    }

    /** {mean, max} of {@code v}. */
    public static Map<String, Object> meanMax(double[] v) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        double sum = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            sum += x;
            max = Math.max(max, x);
        }
        m.put("mean", v.length == 0 ? 0.0 : sum / v.length);
        m.put("max", v.length == 0 ? 0.0 : max);
        return m;
    }

    /** {mean, max} of {@code v}. */
    public static Map<String, Object> meanMax(int[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return meanMax(d);
    }
}
