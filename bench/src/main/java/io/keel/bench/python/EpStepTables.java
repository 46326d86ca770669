package io.keel.bench.python;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.keel.core.Checks;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.streaming.BalancedStep;
import io.keel.streaming.EpBalancer;
import io.keel.streaming.TileStream;

import static io.keel.bench.python.EpTablesDescriptor.CALL_NANOS;
import static io.keel.bench.python.EpTablesDescriptor.DOUBLES;
import static io.keel.bench.python.EpTablesDescriptor.IMBALANCE;
import static io.keel.bench.python.EpTablesDescriptor.INITIAL_IMBALANCE;
import static io.keel.bench.python.EpTablesDescriptor.INITIAL_MAX_RANK_LOAD;
import static io.keel.bench.python.EpTablesDescriptor.LAYER;
import static io.keel.bench.python.EpTablesDescriptor.LONGS;
import static io.keel.bench.python.EpTablesDescriptor.LOWER_BOUND;
import static io.keel.bench.python.EpTablesDescriptor.LOWER_BOUND_IMBALANCE;
import static io.keel.bench.python.EpTablesDescriptor.MAX_INSTANCES;
import static io.keel.bench.python.EpTablesDescriptor.MAX_RANK_LOAD;
import static io.keel.bench.python.EpTablesDescriptor.MICROBATCH;
import static io.keel.bench.python.EpTablesDescriptor.RELAY_MAKESPAN_SECONDS;
import static io.keel.bench.python.EpTablesDescriptor.REPLICAS;
import static io.keel.bench.python.EpTablesDescriptor.STEP_NANOS;
import static io.keel.bench.python.EpTablesDescriptor.TILES;
import static io.keel.bench.python.EpTablesDescriptor.TILE_TABLE_ADDRESS;
import static io.keel.bench.python.EpTablesDescriptor.TILE_TABLE_BYTES;
import static io.keel.bench.python.EpTablesDescriptor.TILE_TABLE_CAPACITY;
import static io.keel.bench.python.EpTablesDescriptor.TILE_TASKS;
import static io.keel.bench.python.EpTablesDescriptor.TOKENS_OFF_SOURCE;
import static io.keel.bench.python.EpTablesDescriptor.TOTAL_TOKENS;
import static io.keel.bench.python.EpTablesDescriptor.TRANSFERS;

/**
 * An {@link EpBalancer} whose {@link #step} reads the loads from a segment over the caller's
 * int32 matrix and writes what a host loop needs into the caller's tables (layout in
 * {@link EpTablesDescriptor}), in one call.
 *
 * <p>The instance tables are rewritten only where they change: the entries of the step's
 * instances, and -1 over the ones the previous step had beyond them, so a step costs
 * O(instances + previous instances + transfers + ranks) on top of the balancer's.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates the balancer and a
 * reroute scratch of E x D ints; {@link #step} allocates nothing (the step itself allocates
 * nothing while no JFR recording enables {@code keel.EpStep}). A failed step (bad layer, rank or
 * loads) throws {@link IllegalArgumentException} before any table changes.
 */
public final class EpStepTables implements AutoCloseable {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;

    private final EpBalancer balancer;
    private final int ranks;
    private final int experts;
    private final int stride;
    private final int maxTransfers;
    private final int[] scratch;
    /** Instances per expert the tables show (what the next step must clear beyond its own). */
    private final int[] shown;
    /* The transfers and the int64/float64 tables are written here and copied out in bulk: one copy
       instead of one segment access per element (30 to 70 of them), which costs most before C2 has
       compiled the accessors and on a loaded machine was 2-3 us per step. */
    private final int[] transferRows;
    private final long[] loadRows;
    private final long[] figures = new long[LONGS];
    private final double[] ratios = new double[DOUBLES];
    private MemorySegment counts;
    private MemorySegment rank;
    private MemorySegment quota;
    private MemorySegment physical;
    private MemorySegment prefix;
    private MemorySegment transfers;
    private MemorySegment rankLoads;
    private MemorySegment longs;
    private MemorySegment doubles;

    /**
     * A balancer with keel's defaults ({@link EpBalancer.Config#defaults}) for {@code ranks}
     * ranks, {@code experts} experts on contiguous home ranks, {@code slots} redundant slots per
     * rank, scale-up domains of {@code domain} ranks, {@code stateBytes} bytes of state per
     * expert, layers {@code 0 .. layers - 1}, with the planner's {@code minTokensPerReplica} and
     * {@code eps} ({@link QuotaPlanner.Options}).
     */
    public EpStepTables(int ranks, int experts, int slots, int domain, long stateBytes, int layers,
                        int minTokensPerReplica, double eps) {
        ExpertLayout layout = ExpertLayout.contiguous(ranks, experts, slots, domain, stateBytes);
        QuotaPlanner.Options options = QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(minTokensPerReplica)
                .withEps(eps);
        this.balancer = new EpBalancer(EpBalancer.Config.defaults(layout, layers).withPlannerOptions(options));
        this.ranks = layout.ranks();
        this.experts = layout.experts();
        this.stride = layout.domainSize();
        this.maxTransfers = ranks * layout.slotsPerRank();
        this.scratch = new int[experts * stride];
        this.shown = new int[experts];
        this.transferRows = new int[3 * maxTransfers];
        this.loadRows = new long[2 * ranks];
    }

    /** Ranks R. */
    public int ranks() {
        return ranks;
    }

    /** Experts E. */
    public int experts() {
        return experts;
    }

    /** Instances per expert at most: the domain size D, the row stride of the instance tables. */
    public int stride() {
        return stride;
    }

    /** Rows of the transfer table: R x slots. */
    public int maxTransfers() {
        return maxTransfers;
    }

    /**
     * Sets the tables later steps write (sizes in {@link EpTablesDescriptor}); the instance tables
     * are filled with -1 here.
     */
    public void bind(MemorySegment counts, MemorySegment rank, MemorySegment quota, MemorySegment physical,
                     MemorySegment prefix, MemorySegment transfers, MemorySegment rankLoads, MemorySegment longs,
                     MemorySegment doubles) {
        long cells = 4L * experts * stride;
        this.counts = CallerMemory.require("counts", counts, 4L * experts);
        this.rank = CallerMemory.require("rank", rank, cells);
        this.quota = CallerMemory.require("quota", quota, cells);
        this.physical = CallerMemory.require("physical", physical, cells);
        this.prefix = CallerMemory.require("prefix", prefix, cells);
        this.transfers = CallerMemory.require("transfers", transfers, 12L * maxTransfers);
        this.rankLoads = CallerMemory.require("rankLoads", rankLoads, 16L * ranks);
        this.longs = CallerMemory.require("longs", longs, 8L * LONGS);
        this.doubles = CallerMemory.require("doubles", doubles, 8L * DOUBLES);
        for (MemorySegment t : new MemorySegment[] {rank, quota, physical, prefix}) {
            t.asSlice(0, cells).fill((byte) -1);
        }
        counts.asSlice(0, 4L * experts).fill((byte) 0);
        java.util.Arrays.fill(shown, 0);
    }

    /**
     * Plans layer {@code layer} from {@code loads} (int32, row-major R x E, native order) and writes
     * the tables, the reroute prefix for source rank {@code myRank}.
     *
     * @throws IllegalArgumentException on a layer or rank out of range or bad loads; the tables
     *     and the balancer's previous step stay as they were
     * @throws IllegalStateException before {@link #bind}
     */
    public void step(int layer, MemorySegment loads, int myRank) {
        long t0 = System.nanoTime();
        if (longs == null) {
            throw new IllegalStateException("bind the tables before the first step");
        }
        Checks.index("rank", myRank, ranks);
        BalancedStep step = balancer.step(layer, loads);
        ReplicationPlan plan = step.plan();
        plan.writeReroutePrefix(myRank, scratch, stride);
        writeInstances(plan);
        writeTransfers(plan);
        writeFigures(step, plan);
        figures[CALL_NANOS] = System.nanoTime() - t0;
        MemorySegment.copy(figures, 0, longs, LONG, 0, LONGS);
    }

    /**
     * Writes source rank {@code source}'s reroute prefix of the last step into {@code out}
     * (int32[E * D]; -1 beyond each expert's instances).
     *
     * @throws IllegalStateException before the first step
     */
    public void writeReroutePrefix(int source, MemorySegment out) {
        ReplicationPlan plan = balancer.lastStep().plan();
        if (plan == null) {
            throw new IllegalStateException("no step yet");
        }
        Checks.index("rank", source, ranks);
        CallerMemory.require("out", out, 4L * experts * stride);
        plan.writeReroutePrefix(source, scratch, stride);
        for (int e = 0; e < experts; e++) {
            int n = plan.instanceCount(e);
            int base = e * stride;
            for (int j = 0; j < stride; j++) {
                out.setAtIndex(INT, base + j, j < n ? scratch[base + j] : -1);
            }
        }
    }

    /** The balancer (its planner, config and last step). */
    public EpBalancer balancer() {
        return balancer;
    }

    /** Frees the balancer's task table; views over it die with it. */
    @Override
    public void close() {
        balancer.close();
    }

    private void writeInstances(ReplicationPlan plan) {
        final int[] pre = scratch;
        final int[] was = shown;
        final MemorySegment r = rank;
        final MemorySegment q = quota;
        final MemorySegment p = physical;
        final MemorySegment x = prefix;
        for (int e = 0; e < experts; e++) {
            int n = plan.instanceCount(e);
            int base = e * stride;
            counts.setAtIndex(INT, e, n);
            for (int j = 0; j < n; j++) {
                r.setAtIndex(INT, base + j, plan.instanceRank(e, j));
                q.setAtIndex(INT, base + j, plan.instanceQuota(e, j));
                p.setAtIndex(INT, base + j, plan.instancePhysical(e, j));
                x.setAtIndex(INT, base + j, pre[base + j]);
            }
            for (int j = n; j < was[e]; j++) {
                r.setAtIndex(INT, base + j, -1);
                q.setAtIndex(INT, base + j, -1);
                p.setAtIndex(INT, base + j, -1);
                x.setAtIndex(INT, base + j, -1);
            }
            was[e] = n;
        }
    }

    private void writeTransfers(ReplicationPlan plan) {
        final int[] t = transferRows;
        int n = plan.transferCount();
        for (int i = 0; i < n; i++) {
            t[3 * i] = plan.transferExpert(i);
            t[3 * i + 1] = plan.transferFrom(i);
            t[3 * i + 2] = plan.transferTo(i);
        }
        MemorySegment.copy(t, 0, transfers, INT, 0, 3 * n);
        final long[] l = loadRows;
        for (int r = 0; r < ranks; r++) {
            l[r] = plan.initialRankLoad(r);
            l[ranks + r] = plan.rankLoad(r);
        }
        MemorySegment.copy(l, 0, rankLoads, LONG, 0, 2 * ranks);
    }

    private void writeFigures(BalancedStep step, ReplicationPlan plan) {
        final long[] l = figures;
        TileStream tiles = step.tiles();
        l[TRANSFERS] = plan.transferCount();
        l[REPLICAS] = plan.replicaCount();
        l[TILE_TABLE_BYTES] = tiles.byteSize();
        l[TILE_TABLE_ADDRESS] = tiles.segment().address();
        l[TILE_TABLE_CAPACITY] = tiles.segment().byteSize();
        l[TOTAL_TOKENS] = plan.totalTokens();
        l[MAX_RANK_LOAD] = plan.maxRankLoad();
        l[INITIAL_MAX_RANK_LOAD] = plan.initialMaxRankLoad();
        l[LOWER_BOUND] = plan.lowerBound();
        l[STEP_NANOS] = step.nanos();
        l[MICROBATCH] = step.microbatch();
        l[LAYER] = step.layer();
        l[TILE_TASKS] = tiles.taskCount();
        l[TILES] = tiles.tileCount();
        l[MAX_INSTANCES] = plan.maxInstanceCount();
        l[TOKENS_OFF_SOURCE] = plan.tokensOffSource();
        final double[] d = ratios;
        d[IMBALANCE] = plan.imbalance();
        d[INITIAL_IMBALANCE] = plan.initialImbalance();
        d[LOWER_BOUND_IMBALANCE] = plan.lowerBoundImbalance();
        d[RELAY_MAKESPAN_SECONDS] = step.relay().makespanSeconds();
        MemorySegment.copy(d, 0, doubles, DOUBLE, 0, DOUBLES);
    }
}
