package io.keel.streaming;

import java.lang.foreign.MemorySegment;

import io.keel.core.Checks;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.planners.relay.RelayPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
import jdk.jfr.EventType;

/**
 * One call per layer per microbatch: {@link #step} plans the replicas from the router's loads
 * ({@link QuotaPlanner}), builds the relay trees of the replica transfers ({@link RelayPlanner})
 * and packs them into the copy kernel's task table ({@link TileStreamPacker}), and returns a view
 * of all three. Expert state lives, on every rank, in one buffer of the rank's physical slots in
 * order (masters, then redundant slots), slot {@code i} at byte {@code i * S}
 * ({@link SlotBufferTransfers} turns the plan's transfers into relay transfers by this rule).
 *
 * <p>Each step commits an {@link BalancerStepEvent} JFR event when a recording enables it.
 *
 * <p>Threading: one thread per instance ({@link BalancerPipeline} runs one on its own thread).
 * Allocation: the constructor allocates the planners, the packer's off-heap segment (freed by
 * {@link #close()}) and per-layer counters; {@code step} allocates nothing while no recording is
 * on (one event object per step while one is).
 */
public final class EpBalancer implements AutoCloseable {
    private static final EventType STEP = EventType.getEventType(BalancerStepEvent.class);

    /**
     * What a balancer is built for.
     *
     * @param layout ranks, experts, slots, domains and the expert state bytes (> 0)
     * @param layers layers that will call {@link #step} (ids {@code 0 .. layers - 1})
     * @param plannerOptions the replication planner's options
     * @param relayPolicy how the relay trees are shaped
     * @param linkBytesPerSecond every rank's egress and ingress bandwidth (for the makespan model)
     * @param channels static channel ranges in the task table
     * @param maxPieces pieces each state is cut into, at most
     * @param tileBytes bytes per tile
     * @param tilesPerChunk tiles per relay chunk
     */
    public record Config(ExpertLayout layout, int layers, QuotaPlanner.Options plannerOptions,
                         RelayPolicy relayPolicy, double linkBytesPerSecond, int channels, int maxPieces,
                         int tileBytes, int tilesPerChunk) {
        /** Validates the configuration. */
        public Config {
            Checks.notNull("layout", layout);
            Checks.positive("layers", layers);
            Checks.notNull("plannerOptions", plannerOptions);
            Checks.notNull("relayPolicy", relayPolicy);
            Checks.positiveFinite("linkBytesPerSecond", linkBytesPerSecond);
            Checks.positive("channels", channels);
            Checks.positive("maxPieces", maxPieces);
            Checks.positive("tileBytes", tileBytes);
            Checks.positive("tilesPerChunk", tilesPerChunk);
            long s = layout.expertStateBytes();
            if (s <= 0) {
                throw new IllegalArgumentException("layout.expertStateBytes must be > 0, was " + s);
            }
            // What every step's later stages need, checked here so that no step can fail after its plan.
            long transfers = (long) layout.ranks() * layout.slotsPerRank();
            long perRank = (long) layout.experts() / layout.ranks() + layout.slotsPerRank();
            if (s > Long.MAX_VALUE / Math.max(1, perRank + transfers)) {
                throw new IllegalArgumentException("layout.expertStateBytes x (slots per rank + transfers) overflows a "
                        + "long, expertStateBytes was " + s);
            }
            long chunks = Math.ceilDiv(s, (long) tileBytes * tilesPerChunk);
            if (chunks > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a state of " + s + " bytes is " + chunks + " chunks (> 2^31 - 1): "
                        + "raise tileBytes x tilesPerChunk, was " + (long) tileBytes * tilesPerChunk);
            }
            long perState = Math.ceilDiv(s, (long) tileBytes);
            long streams = Math.min(layout.experts(), transfers) + transfers;
            if (streams > 0 && perState > Integer.MAX_VALUE / streams) {
                throw new IllegalArgumentException("a step could need " + streams + " x " + perState
                        + " tiles (> 2^31): raise tileBytes, was " + tileBytes);
            }
        }

        /**
         * keel's defaults: UltraEP's planner options, BALANCED_TREES relay trees, 400 GB/s links (an NVLink
         * 4 port group), 32 channels, 8 pieces per state, 32 KiB tiles, chunks of 8 tiles.
         */
        public static Config defaults(ExpertLayout layout, int layers) {
            return new Config(layout, layers, QuotaPlanner.Options.DEFAULTS, RelayPolicy.BALANCED_TREES, 400e9, 32,
                    TileStreamPacker.DEFAULT_MAX_PIECES, TileStreamPacker.DEFAULT_TILE_BYTES,
                    TileStreamPacker.DEFAULT_TILES_PER_CHUNK);
        }

        /** This configuration with another relay policy. */
        public Config withRelayPolicy(RelayPolicy policy) {
            return new Config(layout, layers, plannerOptions, policy, linkBytesPerSecond, channels, maxPieces, tileBytes,
                    tilesPerChunk);
        }

        /** This configuration with other planner options. */
        public Config withPlannerOptions(QuotaPlanner.Options options) {
            return new Config(layout, layers, options, relayPolicy, linkBytesPerSecond, channels, maxPieces, tileBytes,
                    tilesPerChunk);
        }

        /** This configuration with another channel count. */
        public Config withChannels(int n) {
            return new Config(layout, layers, plannerOptions, relayPolicy, linkBytesPerSecond, n, maxPieces, tileBytes,
                    tilesPerChunk);
        }

        /** This configuration with another tile size and chunk. */
        public Config withTiles(int bytes, int perChunk) {
            return new Config(layout, layers, plannerOptions, relayPolicy, linkBytesPerSecond, channels, maxPieces, bytes,
                    perChunk);
        }
    }

    private final Config config;
    private final ExpertLayout layout;
    private final QuotaPlanner planner;
    private final RelayPlanner relay;
    private final RelayRequest request;
    private final TileStreamPacker packer;
    private final long[] microbatches;
    private final BalancedStep view = new BalancedStep();
    private boolean closed;

    /** A balancer for {@code config}; allocates everything its steps use. */
    public EpBalancer(Config config) {
        this.config = Checks.notNull("config", config);
        this.layout = config.layout();
        int ranks = layout.ranks();
        int transfers = ranks * layout.slotsPerRank();
        this.planner = new QuotaPlanner(layout, config.plannerOptions());
        this.relay = RelayPlanner.uniform(ranks, config.linkBytesPerSecond(), layout.experts(), transfers);
        this.request = new RelayRequest(transfers)
                .stateBytes(layout.expertStateBytes())
                .chunkBytes((long) config.tileBytes() * config.tilesPerChunk());
        this.packer = newPacker();
        this.microbatches = new long[config.layers()];
    }

    /** The configuration. */
    public Config config() {
        return config;
    }

    /** The replication planner (to declare resident replicas, for example). */
    public QuotaPlanner planner() {
        return planner;
    }

    /**
     * Plans layer {@code layer} from {@code loads[s * E + e]} (tokens source rank {@code s} routed
     * to expert {@code e}): replicas, relay trees, task table.
     *
     * @throws IllegalArgumentException on a layer out of range or bad loads (the previous step's
     *     view stays as it was, unless the planner borrows its input and {@code loads} is the array
     *     the previous step read: {@link QuotaPlanner#plan(int[])})
     * @throws IllegalStateException after {@link #close()}
     */
    public BalancedStep step(int layer, int[] loads) {
        open();
        Checks.index("layer", layer, microbatches.length);
        long t0 = System.nanoTime();
        ReplicationPlan plan = planner.plan(loads);
        return finish(layer, plan, t0);
    }

    /** As {@link #step(int, int[])} from an int32 row-major R x E segment. */
    public BalancedStep step(int layer, MemorySegment loads) {
        open();
        Checks.index("layer", layer, microbatches.length);
        long t0 = System.nanoTime();
        ReplicationPlan plan = planner.plan(loads);
        return finish(layer, plan, t0);
    }

    /** As {@link #step(int, int[])}, packing the task table with {@code into} (same sizes as this balancer's). */
    BalancedStep step(int layer, int[] loads, TileStreamPacker into) {
        open();
        Checks.index("layer", layer, microbatches.length);
        long t0 = System.nanoTime();
        ReplicationPlan plan = planner.plan(loads);
        return finish(layer, plan, t0, into);
    }

    /** A packer with this balancer's sizes (for the pipeline's slots). */
    TileStreamPacker newPacker() {
        ExpertLayout l = layout;
        int transfers = l.ranks() * l.slotsPerRank();
        return new TileStreamPacker(l.ranks(), Math.max(1, Math.min(l.experts(), transfers)), transfers,
                config.maxPieces(), config.channels(), config.tileBytes(), config.tilesPerChunk());
    }

    private BalancedStep finish(int layer, ReplicationPlan plan, long t0) {
        return finish(layer, plan, t0, packer);
    }

    private BalancedStep finish(int layer, ReplicationPlan plan, long t0, TileStreamPacker into) {
        SlotBufferTransfers.add(plan, request.clear());
        RelayPlan trees = relay.plan(request, config.relayPolicy());
        TileStream tiles = into.pack(trees, config.channels());
        long nanos = System.nanoTime() - t0;
        BalancedStep v = view;
        v.plan = plan;
        v.relay = trees;
        v.tiles = tiles;
        v.layer = layer;
        v.microbatch = microbatches[layer]++;
        v.nanos = nanos;
        if (STEP.isEnabled()) {
            BalancerStepEvent e = new BalancerStepEvent();
            if (e.shouldCommit()) {
                e.layer = layer;
                e.microbatch = v.microbatch;
                e.imbalanceBefore = plan.initialImbalance();
                e.imbalanceAfter = plan.imbalance();
                e.replicas = plan.replicaCount();
                e.bytesMoved = trees.totalBytes();
                e.makespanUnits = trees.makespanUnits();
                e.tiles = tiles.tileCount();
                e.planNanos = nanos;
                e.commit();
            }
        }
        return v;
    }

    /** The last step's view (before any step: layer -1, no plan). */
    public BalancedStep lastStep() {
        return view;
    }

    /** Frees the task table's segment; later steps throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            packer.close();
        }
    }

    /** Refuses a step after {@link #close()}, before anything changes. */
    private void open() {
        if (closed) {
            throw new IllegalStateException("EpBalancer is closed");
        }
    }
}
