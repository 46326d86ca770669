package io.keel.props.transfers;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.planners.relay.RelayPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
import io.keel.planners.testing.RelayTuples;
import io.keel.streaming.TileStream;
import io.keel.streaming.TileStreamPacker;
import io.keel.streaming.TileTaskDescriptor;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import static io.keel.props.Props.qt;
import static io.keel.streaming.TileTaskDescriptor.INT;
import static io.keel.streaming.TileTaskDescriptor.LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Relay trees and tile tables over random layers: every target gets the state once, forwarders
 * forward only what they received (trees of any depth), keel's trees are never worse than the
 * other policies, the tile table covers every transfer, and executing it delivers the source's
 * exact bytes to every destination without a deadlock.
 */
class RelayAndTilePropertiesTest {
    private static final int RANKS = 24;
    private static final int DOMAIN = 8;
    private static final int EXPERTS = 48;
    private static final int MAX_TRANSFERS = RANKS * 4;
    private static final int TILE = 256;
    private static final int TILES_PER_CHUNK = 4;

    private final RelayPlanner planner = RelayPlanner.uniform(RANKS, 50e9, EXPERTS, MAX_TRANSFERS);
    private final RelayPlanner twin = RelayPlanner.uniform(RANKS, 50e9, EXPERTS, MAX_TRANSFERS);
    private final RelayRequest request = new RelayRequest(MAX_TRANSFERS);
    private final TileStreamPacker packer = new TileStreamPacker(RANKS, EXPERTS, MAX_TRANSFERS, 5, 7, TILE, TILES_PER_CHUNK);
    /** What {@link #fill} asked for: (expert, source, sourceOffset, target, targetOffset, bytes), sorted. */
    private final List<List<Long>> requested = new ArrayList<>();

    /**
     * One int per expert slot: low bits pick whether it is replicated and how many targets, the
     * rest where in the home domain the targets start. Homes are e / 2, targets in the domain.
     */
    private static Gen<List<Integer>> layers() {
        return lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(0, EXPERTS);
    }

    private void fill(List<Integer> genes, int stateBytes) {
        request.clear().stateBytes(stateBytes).chunkBytes((long) TILE * TILES_PER_CHUNK);
        requested.clear();
        int[] used = new int[RANKS];
        for (int e = 0; e < genes.size(); e++) {
            int g = genes.get(e);
            int k = g % DOMAIN;
            int first = (g / DOMAIN) % DOMAIN;
            int home = e / 2;
            int base = home / DOMAIN * DOMAIN;
            for (int i = 0; i < DOMAIN && k > 0; i++) {
                int to = base + (first + i) % DOMAIN;
                if (to != home && used[to] < 4) {
                    long from = (e % 2) * (long) stateBytes;
                    long at = (2 + used[to]++) * (long) stateBytes;
                    request.add(e, home, to, from, at);
                    requested.add(RelayTuples.transfer(e, home, from, to, at, stateBytes));
                    k--;
                }
            }
        }
        requested.sort(RelayTuples.ORDER);
    }


    @Test
    void treesDeliverEveryTargetOnceWithExactBytes() {
        qt().forAll(layers(), integers().between(1, 40_000), integers().between(0, RelayPolicy.values().length - 1))
                .checkAssert((genes, s, pol) -> {
            fill(genes, s);
            RelayPolicy policy = RelayPolicy.values()[pol];
            RelayPlan plan = planner.plan(request, policy);
            long[] out = new long[RANKS];
            long[] in = new long[RANKS];
            int transfers = 0;
            for (int t = 0; t < plan.treeCount(); t++) {
                boolean[] seen = new boolean[RANKS];
                for (int j = 0; j < plan.targetCount(t); j++) {
                    int to = plan.target(t, j);
                    assertTrue(!seen[to] && to != plan.source(t), "each target exactly once");
                    seen[to] = true;
                    in[to] += s;
                    int parent = plan.parent(t, j);
                    if (parent < 0) {
                        assertTrue(j < plan.stageOneCount(t));
                        assertEquals(1, plan.hops(t, j));
                        out[plan.source(t)] += s;
                    } else {
                        // A forwarder sends only what it received: its parent comes first, one hop nearer
                        // the source (no cycles), and lists this target among its children.
                        assertTrue(parent < j && j >= plan.stageOneCount(t));
                        assertEquals(plan.hops(t, parent) + 1, plan.hops(t, j));
                        assertTrue(j >= plan.childStart(t, parent) && j < plan.childStart(t, parent) + plan.childCount(t, parent));
                        out[plan.target(t, parent)] += s;
                    }
                }
                transfers += plan.targetCount(t);
            }
            assertEquals(request.size(), transfers);
            // The plan against the request, not against itself: every requested transfer, no other.
            assertEquals(requested, RelayTuples.delivered(plan), "delivered transfers vs the request");
            for (int r = 0; r < RANKS; r++) {
                assertEquals(out[r], plan.egressBytes(r));
                assertEquals(in[r], plan.ingressBytes(r));
            }
            assertTrue(plan.makespanSeconds() >= plan.lowerBoundSeconds() * (1 - 1e-12));
            assertTrue(plan.depthTwoBoundSeconds() >= plan.lowerBoundSeconds());
            if (policy != RelayPolicy.BALANCED_TREES) {
                assertTrue(plan.depth() <= 2, policy + " builds depth-2 trees");
            }
            if (plan.depth() <= 2) {
                assertTrue(plan.makespanSeconds() >= plan.depthTwoBoundSeconds() * (1 - 1e-12),
                        plan.makespanSeconds() + " < depth-2 bound " + plan.depthTwoBoundSeconds());
            }
        });
    }

    @Test
    void keelIsNeverWorseThanDirectUltraepOrItsDepthTwoTrees() {
        qt().forAll(layers(), integers().between(1, 1 << 22), integers().between(0, 6)).checkAssert((genes, s, c) -> {
            fill(genes, s);
            // Chunks from a whole state down to 1/64 of one: deep trees pay a chunk per extra hop.
            request.chunkBytes(Math.max(1, s >> c));
            double keel = planner.plan(request, RelayPolicy.BALANCED_TREES).makespanSeconds();
            double again = twin.plan(request, RelayPolicy.BALANCED_TREES).makespanSeconds();
            assertEquals(keel, again, "deterministic");
            double direct = planner.plan(request, RelayPolicy.DIRECT).makespanSeconds();
            double sqrt = planner.plan(request, RelayPolicy.ULTRAEP_SQRT).makespanSeconds();
            double two = planner.plan(request, RelayPolicy.BALANCED_DEPTH_TWO).makespanSeconds();
            assertTrue(keel <= direct && keel <= sqrt && keel <= two,
                    keel + " vs direct " + direct + ", ultraep " + sqrt + ", depth-2 keel " + two);
            assertTrue(two <= direct && two <= sqrt, "depth-2 keel " + two + " vs direct " + direct + ", ultraep " + sqrt);
        });
    }

    @Test
    void tileTablesCoverEveryByteAndOrderStages() {
        qt().forAll(layers(), integers().between(1, 30_000), integers().between(1, 7)).checkAssert((genes, s, channels) -> {
            fill(genes, s);
            RelayPlan plan = planner.plan(request, RelayPolicy.BALANCED_TREES);
            TileStream stream = packer.pack(plan, channels);
            MemorySegment m = stream.segment();
            long taskBase = m.get(LONG, TileTaskDescriptor.TASK_TABLE_OFFSET_OFFSET);
            long destBase = m.get(LONG, TileTaskDescriptor.DESTINATION_OFFSET_OFFSET);
            long written = 0;
            // Flags signalled so far (by earlier tasks, any stage): a task may only wait on those.
            boolean[] signalled = new boolean[stream.flagSlotCount()];
            long stageOneBytes = 0;
            for (int t = 0; t < stream.taskCount(); t++) {
                long at = taskBase + (long) t * TileTaskDescriptor.TASK_LENGTH;
                long bytes = m.get(LONG, at + TileTaskDescriptor.TASK_BYTE_COUNT_OFFSET);
                int dests = m.get(INT, at + TileTaskDescriptor.TASK_DESTINATION_COUNT_OFFSET);
                int first = m.get(INT, at + TileTaskDescriptor.TASK_FIRST_DESTINATION_OFFSET);
                int wait = m.get(INT, at + TileTaskDescriptor.TASK_WAIT_FLAG_SLOT_OFFSET);
                int stage = m.get(INT, at + TileTaskDescriptor.TASK_STAGE_OFFSET);
                written += bytes * dests;
                if (stage == 1) {
                    stageOneBytes += bytes * dests;
                    assertEquals(-1, wait);
                } else {
                    assertTrue(stage <= plan.depth() && signalled[wait], "stage-" + stage + " task " + t
                            + " waits on a flag no earlier task signals");
                }
                for (int d = first; d < first + dests; d++) {
                    int ready = m.get(INT, destBase + (long) d * TileTaskDescriptor.DESTINATION_LENGTH
                            + TileTaskDescriptor.DESTINATION_READY_FLAG_SLOT_OFFSET);
                    if (ready >= 0) {
                        signalled[ready] = true;
                    }
                }
            }
            assertEquals(plan.totalBytes(), written, "every target's bytes written once");
            long direct = 0;
            for (int i = 0; i < plan.treeCount(); i++) {
                direct += plan.stageOneCount(i) * (long) s;
            }
            assertEquals(direct, stageOneBytes);
            long sum = 0;
            long max = 0;
            for (int c = 0; c < channels; c++) {
                sum += stream.channelBytes(c);
                max = Math.max(max, stream.channelBytes(c));
            }
            assertEquals(written, sum);
            // Balanced to one tile to each of at most RANKS destinations.
            assertTrue(max <= written / channels + (long) TILE * RANKS);
        });
    }

    @Test
    void executedTablesDeliverTheSourcesExactBytes() {
        int[] deeperThanTwo = new int[1];
        qt().forAll(layers(), integers().between(1, 12_000), integers().between(1, 7), longs().all())
                .checkAssert((genes, s, lanes, seed) -> {
            fill(genes, s);
            // Chunks of 4 tiles, states of up to 12 chunks: keel's trees are often deeper than 2.
            RelayPlan plan = planner.plan(request, RelayPolicy.BALANCED_TREES);
            deeperThanTwo[0] += plan.depth() > 2 ? 1 : 0;
            SplittableRandom rnd = new SplittableRandom(seed);
            boolean channels = rnd.nextBoolean();
            TileStream stream = packer.pack(plan, lanes);
            byte[][] buffers = new byte[RANKS][6 * s];
            BitSet[] landed = new BitSet[RANKS];
            for (int r = 0; r < RANKS; r++) {
                for (int i = 0; i < 2 * s; i++) {
                    buffers[r][i] = (byte) rnd.nextInt(256);
                }
                landed[r] = new BitSet();
                landed[r].set(0, 2 * s);
            }
            byte[][] before = new byte[RANKS][];
            for (int r = 0; r < RANKS; r++) {
                before[r] = buffers[r].clone();
            }
            TableRun.execute(stream.segment(), buffers, landed, lanes, channels, rnd);
            // Checked against the request, not the plan: every requested target region holds the
            // bytes at the requested source offset, and every other byte is as it was.
            RelayTuples.assertDelivered(requested, before, buffers);
        });
        assertTrue(deeperThanTwo[0] > 0, "some layers should have trees deeper than 2");
    }
}
