package io.keel.bench.python;

/**
 * The tables {@link EpStepTables} writes, all in native byte order, R ranks, E experts, a domain
 * of D ranks (an expert has at most D instances), T = R x slots transfers at most:
 *
 * <pre>
 *   counts      int32[E]        instances of expert e (1 = master only)
 *   rank        int32[E * D]    rank of instance j of expert e at e * D + j (j = 0: the master)
 *   quota       int32[E * D]    tokens instance j computes
 *   physical    int32[E * D]    physical slot of instance j
 *   prefix      int32[E * D]    this rank's reroute prefix: its tokens for e on instances 0..j
 *                               (entries at j >= counts[e] hold -1 in all four tables)
 *   transfers   int32[T * 3]    (expert, from rank, to rank) per transfer; the first
 *                               longs[TRANSFERS] rows are this step's
 *   rankLoads   int64[2 * R]    rank loads without replicas, then under the plan
 *   longs       int64[LONGS]    the figures below, by index
 *   doubles     float64[DOUBLES]
 * </pre>
 *
 * <p>The task table of the copy kernel is not copied: its bytes stay in the balancer's off-heap
 * segment at {@link #TILE_TABLE_ADDRESS}, {@link #TILE_TABLE_BYTES} long, which the Python side
 * views in place.
 */
public final class EpTablesDescriptor {
    /** Transfers this step (rows of the transfer table). */
    public static final int TRANSFERS = 0;
    /** Replicas (instances beyond the masters). */
    public static final int REPLICAS = 1;
    /** Bytes of the task table a copy to the device needs. */
    public static final int TILE_TABLE_BYTES = 2;
    /** Address of the task table segment (stable for the balancer's life). */
    public static final int TILE_TABLE_ADDRESS = 3;
    /** Capacity in bytes of the task table segment. */
    public static final int TILE_TABLE_CAPACITY = 4;
    /** Tokens of the step (sum of the loads). */
    public static final int TOTAL_TOKENS = 5;
    /** Largest rank load under the plan. */
    public static final int MAX_RANK_LOAD = 6;
    /** Largest rank load without replicas. */
    public static final int INITIAL_MAX_RANK_LOAD = 7;
    /** The domain lower bound on the max rank load. */
    public static final int LOWER_BOUND = 8;
    /** Nanoseconds the step took inside Java (plan, relay trees, tile table; not the table copies). */
    public static final int STEP_NANOS = 9;
    /** Microbatch of the step (earlier steps of its layer). */
    public static final int MICROBATCH = 10;
    /** Layer of the step. */
    public static final int LAYER = 11;
    /** Task records in the tile table. */
    public static final int TILE_TASKS = 12;
    /** Tiles over all tasks. */
    public static final int TILES = 13;
    /** Largest instance count of any expert. */
    public static final int MAX_INSTANCES = 14;
    /** Tokens computed off their source rank. */
    public static final int TOKENS_OFF_SOURCE = 15;
    /** Nanoseconds of the whole Java call (step plus table copies), for the overhead figures. */
    public static final int CALL_NANOS = 16;
    /** Length of the longs table. */
    public static final int LONGS = 17;

    /** Max/mean rank load under the plan. */
    public static final int IMBALANCE = 0;
    /** Max/mean rank load without replicas. */
    public static final int INITIAL_IMBALANCE = 1;
    /** Lower bound / mean rank load. */
    public static final int LOWER_BOUND_IMBALANCE = 2;
    /** Relay trees' makespan in seconds under the link model. */
    public static final int RELAY_MAKESPAN_SECONDS = 3;
    /** Length of the doubles table. */
    public static final int DOUBLES = 4;

    private EpTablesDescriptor() {
    }
}
