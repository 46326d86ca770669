package io.keel.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.keel.bench.report.ColumnSumReference;
import io.keel.bench.sim.ep.LegacyGreedyPlanner;
import io.keel.bench.sim.ep.UltraEpWorkload;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
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
 * One layer's replication plan on UltraEP's synthetic workload: the quota planner (exact; with
 * eps 0.005, the largest that keeps max/mean at most 1.005; both also reading the caller's matrix
 * in place instead of copying it; with UltraEP's own eps 0.01, also on
 * the per-rank path that UltraEP's timing includes, where each rank plans from the all-gathered
 * loads and writes its own reroute prefix), UltraEP's legacy greedy solver (baseline,
 * re-derived), the EPLB-compatible planner, and the floor control (a SIMD column sum of the same
 * matrix: no planner can do less than read it once), in the same run, over the same 8
 * microbatches (cycled).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EpPlannerBenchmark extends KeelBenchmark {
    private static final int BATCHES = 8;

    /** ranks/experts/slots/domain. */
    @Param({"64/256/2/64", "256/1024/2/64"})
    public String shape;

    /** Target initial imbalance. */
    @Param({"1.5", "2.0", "3.0"})
    public double imbalance;

    private int[][] loads;
    private int[][] totals;
    private QuotaPlanner exact;
    private QuotaPlanner tolerant;
    private QuotaPlanner exactBorrowing;
    private QuotaPlanner tolerantBorrowing;
    private LegacyGreedyPlanner legacy;
    private QuotaPlanner ultraEpEps;
    private EplbPlanner eplb;
    private int[] columnSums;
    private int[] reroute;
    private int ranks;
    private int experts;
    private int next;

    /** Builds the workload and the planners. */
    @Setup(Level.Trial)
    public void setup() {
        String[] f = shape.split("/");
        int ranks = Integer.parseInt(f[0]);
        int experts = Integer.parseInt(f[1]);
        int slots = Integer.parseInt(f[2]);
        int domain = Integer.parseInt(f[3]);
        ExpertLayout layout = ExpertLayout.contiguous(ranks, experts, slots, domain, 0);
        UltraEpWorkload w = new UltraEpWorkload(layout, 8, 8192, imbalance, 42);
        loads = new int[BATCHES][ranks * experts];
        totals = new int[BATCHES][experts];
        for (int b = 0; b < BATCHES; b++) {
            w.fill(b, loads[b]);
            for (int i = 0; i < loads[b].length; i++) {
                totals[b][i % experts] += loads[b][i];
            }
        }
        exact = new QuotaPlanner(layout);
        tolerant = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withEps(0.005));
        exactBorrowing = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withBorrowInput(true));
        tolerantBorrowing = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withEps(0.005).withBorrowInput(true));
        ultraEpEps = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withEps(0.01));
        this.ranks = ranks;
        this.experts = experts;
        columnSums = new int[experts];
        reroute = new int[experts * layout.domainSize()];
        legacy = new LegacyGreedyPlanner(layout);
        int domains = layout.domains();
        eplb = new EplbPlanner(1, experts, experts + ranks * slots, domains, domains, ranks);
    }

    private int batch() {
        return next++ & (BATCHES - 1);
    }

    /** Quota planner, exact threshold search, per-source matrix with locality-aware split. */
    @Benchmark
    public long quotaExact() {
        return exact.plan(loads[batch()]).maxRankLoad();
    }

    /** Quota planner accepting 0.5% over the lower bound. */
    @Benchmark
    public long quotaEps005() {
        return tolerant.plan(loads[batch()]).maxRankLoad();
    }

    /** {@link #quotaExact} reading the caller's matrix in place ({@code Options.borrowInput}): no copy. */
    @Benchmark
    public long quotaExactBorrowed() {
        return exactBorrowing.plan(loads[batch()]).maxRankLoad();
    }

    /** {@link #quotaEps005} reading the caller's matrix in place ({@code Options.borrowInput}): no copy. */
    @Benchmark
    public long quotaEps005Borrowed() {
        return tolerantBorrowing.plan(loads[batch()]).maxRankLoad();
    }

    /** Quota planner at UltraEP's tolerance, eps 0.01. */
    @Benchmark
    public long quotaEps01() {
        return ultraEpEps.plan(loads[batch()]).maxRankLoad();
    }

    /**
     * UltraEP's per-rank path at eps 0.01: rank {@code myRank} (cycling over the ranks) plans from
     * the all-gathered loads and writes its own reroute prefix, as UltraEP's 67-78 us include the
     * split of one rank's tokens.
     */
    @Benchmark
    public int perRankEps01() {
        int b = batch();
        int myRank = (next * 7) % ranks;
        ReplicationPlan p = ultraEpEps.plan(loads[b]);
        p.writeReroutePrefix(myRank, reroute, p.maxInstanceCount());
        return reroute[0];
    }

    /** Floor control: a SIMD column sum of the same matrix (the least any planner must read). */
    @Benchmark
    public int floorColumnSum() {
        return ColumnSumReference.sum(loads[batch()], ranks, experts, columnSums);
    }

    /** Quota planner from per-expert totals (no token split), exact. */
    @Benchmark
    public long quotaTotalsExact() {
        return exact.planTotals(totals[batch()]).maxRankLoad();
    }

    /**
     * Quota planner from per-expert totals at UltraEP's tolerance, eps 0.01: the legacy greedy's
     * like-for-like peer (same input, no token split), at the tolerance UltraEP itself plans to.
     */
    @Benchmark
    public long quotaTotalsEps01() {
        return ultraEpEps.planTotals(totals[batch()]).maxRankLoad();
    }

    /** UltraEP's legacy CPU greedy (baseline). */
    @Benchmark
    public long legacyGreedy() {
        return legacy.plan(totals[batch()]);
    }

    /** EPLB-compatible planner, one layer. */
    @Benchmark
    public int eplb() {
        return eplb.rebalance(totals[batch()], 1).phy2log(0, 0);
    }
}
