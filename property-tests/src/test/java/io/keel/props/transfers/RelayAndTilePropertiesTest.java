package io.keel.props.transfers;

import java.lang.foreign.MemorySegment;
import java.util.List;

import io.keel.planners.relay.RelayPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
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

/**
 * Relay trees and tile tables over random layers: every target gets the state once, relays forward
 * only what they received, and the tile table covers every transfer.
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

    /**
     * One int per expert slot: low bits pick whether it is replicated and how many targets, the
     * rest where in the home domain the targets start. Homes are e / 2, targets in the domain.
     */
    private static Gen<List<Integer>> layers() {
        return lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(0, EXPERTS);
    }

    private void fill(List<Integer> genes, int stateBytes) {
        request.clear().stateBytes(stateBytes).chunkBytes((long) TILE * TILES_PER_CHUNK);
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
                    request.add(e, home, to, (e % 2) * (long) stateBytes, (2 + used[to]++) * (long) stateBytes);
                    k--;
                }
            }
        }
    }

    @Test
    void treesDeliverEveryTargetOnceWithExactBytes() {
        qt().forAll(layers(), integers().between(1, 40_000), integers().between(0, 2)).checkAssert((genes, s, pol) -> {
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
                        out[plan.source(t)] += s;
                    } else {
                        // Stage order: a relay is a stage-1 child of the source, so it only forwards
                        // chunks it received, and no leaf forwards (no cycles).
                        assertTrue(parent < plan.relayCount(t) && j >= plan.stageOneCount(t));
                        assertEquals(-1, plan.parent(t, parent));
                        out[plan.target(t, parent)] += s;
                    }
                }
                transfers += plan.targetCount(t);
            }
            assertEquals(request.size(), transfers);
            for (int r = 0; r < RANKS; r++) {
                assertEquals(out[r], plan.egressBytes(r));
                assertEquals(in[r], plan.ingressBytes(r));
            }
            assertTrue(plan.makespanSeconds() >= plan.lowerBoundSeconds() * (1 - 1e-12));
            // Every policy builds depth-2 trees, so the depth-2 bound holds too.
            assertTrue(plan.depthTwoBoundSeconds() >= plan.lowerBoundSeconds());
            assertTrue(plan.makespanSeconds() >= plan.depthTwoBoundSeconds() * (1 - 1e-12),
                    plan.makespanSeconds() + " < depth-2 bound " + plan.depthTwoBoundSeconds());
        });
    }

    @Test
    void keelIsNeverWorseThanDirectOrUltraep() {
        qt().forAll(layers(), integers().between(1, 1 << 22)).checkAssert((genes, s) -> {
            fill(genes, s);
            double keel = planner.plan(request, RelayPolicy.BALANCED_TREES).makespanSeconds();
            double again = twin.plan(request, RelayPolicy.BALANCED_TREES).makespanSeconds();
            assertEquals(keel, again, "deterministic");
            double direct = planner.plan(request, RelayPolicy.DIRECT).makespanSeconds();
            double sqrt = planner.plan(request, RelayPolicy.ULTRAEP_SQRT).makespanSeconds();
            assertTrue(keel <= direct && keel <= sqrt, keel + " vs direct " + direct + ", ultraep " + sqrt);
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
            // Flags signalled so far (by earlier stage-1 tasks): a stage-2 task may only wait on those.
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
                    for (int d = first; d < first + dests; d++) {
                        int ready = m.get(INT, destBase + (long) d * TileTaskDescriptor.DESTINATION_LENGTH
                                + TileTaskDescriptor.DESTINATION_READY_FLAG_SLOT_OFFSET);
                        if (ready >= 0) {
                            signalled[ready] = true;
                        }
                    }
                } else {
                    assertTrue(signalled[wait], "stage-2 task " + t + " waits on a flag no earlier task signals");
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
}
