package io.keel.streaming;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import io.keel.planners.relay.RelayPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
import io.keel.planners.testing.RelayTuples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TileStreamPackerTest {
    private static final int RANKS = 12;
    private static final int PER_RANK = 2;
    private static final int SLOTS = 3;
    private static final int TILE = 512;
    private static final int TILES_PER_CHUNK = 4;

    /** A layer: expert e lives on rank e / PER_RANK; replicas take free slots of other ranks. */
    static final class Layer {
        final RelayRequest request = new RelayRequest(RANKS * SLOTS);
        /** The transfers {@link #request} holds, as {@link RelayTuples#transfer} tuples. */
        final List<List<Long>> requested = new ArrayList<>();
        long state;

        void fill(SplittableRandom rnd, long stateBytes) {
            state = stateBytes;
            request.clear().stateBytes(stateBytes).chunkBytes((long) TILE * TILES_PER_CHUNK);
            requested.clear();
            int[] used = new int[RANKS];
            for (int e = 0; e < RANKS * PER_RANK; e++) {
                if (rnd.nextInt(3) == 0) {
                    continue;
                }
                int home = e / PER_RANK;
                int k = rnd.nextInt(4) == 0 ? 3 + rnd.nextInt(8) : 1 + rnd.nextInt(2);
                int first = rnd.nextInt(RANKS);
                for (int i = 0; i < RANKS && k > 0; i++) {
                    int to = (first + i) % RANKS;
                    if (to != home && used[to] < SLOTS) {
                        long from = (e % PER_RANK) * stateBytes;
                        long at = (PER_RANK + used[to]++) * stateBytes;
                        request.add(e, home, to, from, at);
                        requested.add(RelayTuples.transfer(e, home, from, to, at, stateBytes));
                        k--;
                    }
                }
            }
        }
    }


    private static byte[][] buffers(long state, SplittableRandom rnd, BitSet[] landed) {
        byte[][] b = new byte[RANKS][(int) ((PER_RANK + SLOTS) * state)];
        for (int r = 0; r < RANKS; r++) {
            for (int i = 0; i < PER_RANK * state; i++) {
                b[r][i] = (byte) rnd.nextInt(256);
            }
            landed[r] = new BitSet();
            landed[r].set(0, (int) (PER_RANK * state));
        }
        return b;
    }

    /**
     * Checks the plan and its table against {@code requested} (the request's transfers): the plan
     * delivers exactly those, and executing the table leaves in every requested target region the
     * bytes at the requested source offset and touches nothing else.
     */
    private static void roundTrip(RelayPlan plan, List<List<Long>> requested, TileStream stream, long state,
                                  SplittableRandom rnd, int workers, boolean channels) {
        List<List<Long>> wanted = new ArrayList<>(requested);
        wanted.sort(RelayTuples.ORDER);
        assertEquals(wanted, RelayTuples.delivered(plan), "delivered transfers vs the request");
        TileTableReader reader = new TileTableReader(stream.segment());
        reader.checkStructure();
        assertEquals(stream.taskCount(), reader.tasks);
        assertEquals(stream.tileCount(), reader.tiles);
        for (int g = 0; g < reader.tiles; g += 1 + rnd.nextInt(7)) {
            assertEquals(reader.taskOf(g), stream.taskOfTile(g));
        }
        BitSet[] landed = new BitSet[RANKS];
        byte[][] b = buffers(state, rnd, landed);
        byte[][] before = new byte[RANKS][];
        for (int r = 0; r < RANKS; r++) {
            before[r] = b[r].clone();
        }
        reader.execute(b, landed, workers, channels, rnd);
        for (int r = 0; r < RANKS; r++) {
            TileTableReader.assertRegion(before[r], 0, b[r], 0, PER_RANK * state, "masters of rank " + r + " untouched");
        }
        RelayTuples.assertDelivered(wanted, before, b);
    }

    @ParameterizedTest
    @EnumSource(RelayPolicy.class)
    void everyTargetGetsItsStateThroughTheTable(RelayPolicy policy) {
        SplittableRandom rnd = new SplittableRandom(21);
        RelayPlanner planner = RelayPlanner.uniform(RANKS, 1e9, RANKS * PER_RANK, RANKS * SLOTS);
        Layer layer = new Layer();
        try (TileStreamPacker packer = new TileStreamPacker(RANKS, RANKS * PER_RANK, RANKS * SLOTS, 3, 8, TILE,
                TILES_PER_CHUNK)) {
            for (int round = 0; round < 30; round++) {
                long state = 1 + rnd.nextInt(40 * TILE);
                layer.fill(rnd, state);
                RelayPlan plan = planner.plan(layer.request, policy);
                int channels = 1 + rnd.nextInt(8);
                TileStream stream = packer.pack(plan, channels);
                roundTrip(plan, layer.requested, stream, state, rnd, 1 + rnd.nextInt(6), round % 2 == 0);
            }
        }
    }

    @Test
    void stageTwoWaitsOnItsRelay() {
        // One expert, nine targets, UltraEP's three relays: stage-2 tasks exist and wait.
        RelayRequest q = new RelayRequest(16).stateBytes(10L * TILE * TILES_PER_CHUNK + 100).chunkBytes((long) TILE * TILES_PER_CHUNK);
        for (int t = 1; t <= 9; t++) {
            q.add(0, 0, t, 0, PER_RANK * q.stateBytes());
        }
        RelayPlan plan = RelayPlanner.uniform(RANKS, 1e9, 4, 16).plan(q, RelayPolicy.ULTRAEP_SQRT);
        assertEquals(3, plan.relayCount(0));
        try (TileStreamPacker packer = new TileStreamPacker(RANKS, 4, 16, 4, 4, TILE, TILES_PER_CHUNK)) {
            TileStream s = packer.pack(plan, 4);
            // 11 chunks in pieces of 3 chunks: 4 pieces; 1 stage-1 stream + 3 relays.
            assertEquals(16, s.taskCount());
            assertEquals(12, s.stageTwoTaskCount());
            assertEquals(3 * 11, s.flagSlotCount());
            TileTableReader reader = new TileTableReader(s.segment());
            // Stage-2 pieces of round p follow the stage-1 pieces of round p + 1.
            int[] stages = new int[s.taskCount()];
            for (int t = 0; t < stages.length; t++) {
                stages[t] = reader.stage(t);
            }
            assertArrayEquals(new int[] {1, 1, 2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2}, stages);
            long waits = 0;
            SplittableRandom rnd = new SplittableRandom(5);
            for (int i = 0; i < 20; i++) {
                BitSet[] landed = new BitSet[RANKS];
                byte[][] b = buffers(q.stateBytes(), rnd, landed);
                waits += reader.execute(b, landed, 6, i % 2 == 1, rnd);
            }
            assertTrue(waits > 0, "the random schedules should have made some stage-2 tile wait");
        }
    }

    @Test
    void deepTreesForwardHopByHop() {
        // One expert, nine targets, a state of 40 chunks: keel's trees chain the targets (each
        // sends one copy), so forwarders at every hop wait on their parent and signal their child.
        long state = 40L * TILE * TILES_PER_CHUNK;
        RelayRequest q = new RelayRequest(16).stateBytes(state).chunkBytes((long) TILE * TILES_PER_CHUNK);
        List<List<Long>> requested = new ArrayList<>();
        for (int t = 1; t <= 9; t++) {
            // From rank 0's second master slot: a forwarder must pass on those bytes, not slot 0's.
            q.add(0, 0, t, state, PER_RANK * state);
            requested.add(RelayTuples.transfer(0, 0, state, t, PER_RANK * state, state));
        }
        RelayPlan plan = RelayPlanner.uniform(RANKS, 1e9, 4, 16).plan(q, RelayPolicy.BALANCED_TREES);
        assertTrue(plan.depth() > 2, "depth " + plan.depth());
        try (TileStreamPacker packer = new TileStreamPacker(RANKS, 4, 16, 4, 4, TILE, TILES_PER_CHUNK)) {
            TileStream s = packer.pack(plan, 4);
            TileTableReader reader = new TileTableReader(s.segment());
            int deepest = 0;
            for (int t = 0; t < reader.tasks; t++) {
                deepest = Math.max(deepest, reader.stage(t));
                // Pieces climb one stage per round: a stage-h task of piece p follows the stage-(h-1) one.
                if (reader.stage(t) > 1) {
                    boolean fed = false;
                    for (int u = 0; u < t; u++) {
                        for (int d = reader.firstDest(u); d < reader.firstDest(u) + reader.destCount(u); d++) {
                            fed |= reader.destRank(d) == reader.source(t) && reader.destReady(d) == reader.waitSlot(t);
                        }
                    }
                    assertTrue(fed, "task " + t + " waits on a flag an earlier task sets on its sender");
                }
            }
            assertEquals(plan.depth(), deepest);
            SplittableRandom rnd = new SplittableRandom(9);
            for (int i = 0; i < 10; i++) {
                roundTrip(plan, requested, packer.pack(plan, 1 + rnd.nextInt(4)), state, rnd, 1 + rnd.nextInt(6),
                        i % 2 == 0);
            }
        }
    }

    @Test
    void freshAndReusedPackersWriteTheSameBytes() {
        // step(A); step(B) and a fresh step(B): every byte of the table must match.
        SplittableRandom rnd = new SplittableRandom(13);
        RelayPlanner planner = RelayPlanner.uniform(RANKS, 1e9, RANKS * PER_RANK, RANKS * SLOTS);
        Layer layer = new Layer();
        try (TileStreamPacker reused = new TileStreamPacker(RANKS, RANKS * PER_RANK, RANKS * SLOTS, 3, 8, TILE,
                TILES_PER_CHUNK)) {
            for (int round = 0; round < 40; round++) {
                long state = 1 + rnd.nextInt(30 * TILE);
                layer.fill(rnd, state);
                RelayPolicy policy = RelayPolicy.values()[rnd.nextInt(RelayPolicy.values().length)];
                RelayPlan plan = planner.plan(layer.request, policy);
                int channels = 1 + rnd.nextInt(8);
                int sender = rnd.nextInt(4) == 0 ? rnd.nextInt(RANKS) : -1;
                TileStream a = reused.pack(plan, channels, sender);
                byte[] again = a.segment().asSlice(0, a.byteSize()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                try (TileStreamPacker fresh = new TileStreamPacker(RANKS, RANKS * PER_RANK, RANKS * SLOTS, 3, 8, TILE,
                        TILES_PER_CHUNK)) {
                    TileStream b = fresh.pack(plan, channels, sender);
                    assertEquals(b.byteSize(), a.byteSize());
                    assertArrayEquals(b.segment().asSlice(0, b.byteSize()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), again,
                            "round " + round + ": " + policy);
                }
            }
        }
    }

    @Test
    void roundsAlternateSources() {
        RelayRequest q = new RelayRequest(64).stateBytes(TILE).chunkBytes((long) TILE * TILES_PER_CHUNK);
        // Rank 0 sources experts 0, 1, 2; rank 1 sources 3; rank 2 sources 4, 5.
        int[] home = {0, 0, 0, 1, 2, 2};
        for (int e = 0; e < home.length; e++) {
            q.add(e, home[e], 5 + e);
        }
        RelayPlan plan = RelayPlanner.uniform(RANKS, 1e9, 8, 64).plan(q, RelayPolicy.DIRECT);
        try (TileStreamPacker packer = new TileStreamPacker(RANKS, 8, 64, 4, 2, TILE, TILES_PER_CHUNK)) {
            TileStream s = packer.pack(plan, 2);
            TileTableReader reader = new TileTableReader(s.segment());
            int[] sources = new int[s.taskCount()];
            int[] experts = new int[s.taskCount()];
            for (int t = 0; t < sources.length; t++) {
                sources[t] = reader.source(t);
                experts[t] = reader.expert(t);
            }
            assertArrayEquals(new int[] {0, 1, 2, 0, 2, 0}, sources);
            assertArrayEquals(new int[] {0, 3, 4, 1, 5, 2}, experts);
            assertTrue(s.maxChannelBytesOverMean() <= 1.0 + 1e-9 + 2.0 / 6);
            // One rank's own table: only its sends, flags numbered as in the full table.
            TileStream mine = packer.pack(plan, 1, 2);
            assertEquals(2, mine.taskCount());
        }
    }

    @Test
    void channelsAreBalancedToOneTile() {
        SplittableRandom rnd = new SplittableRandom(8);
        Layer layer = new Layer();
        layer.fill(rnd, 200L * TILE + 3);
        RelayPlan plan = RelayPlanner.uniform(RANKS, 1e9, 32, 64).plan(layer.request, RelayPolicy.BALANCED_TREES);
        try (TileStreamPacker packer = new TileStreamPacker(RANKS, 32, 64, 8, 64, TILE, TILES_PER_CHUNK)) {
            for (int c = 1; c <= 64; c *= 2) {
                TileStream s = packer.pack(plan, c);
                double mean = (double) s.totalBytes() / c;
                long maxTile = (long) TILE * RANKS;
                assertTrue(s.maxChannelBytesOverMean() <= 1 + maxTile / mean, c + " channels: " + s.maxChannelBytesOverMean());
                new TileTableReader(s.segment()).checkStructure();
            }
        }
    }

    @Test
    void badInputLeavesThePreviousTable() {
        SplittableRandom rnd = new SplittableRandom(2);
        Layer layer = new Layer();
        layer.fill(rnd, 5000);
        RelayPlan plan = RelayPlanner.uniform(RANKS, 1e9, 32, 64).plan(layer.request, RelayPolicy.BALANCED_TREES);
        try (TileStreamPacker packer = new TileStreamPacker(RANKS, 32, 64, 4, 4, TILE, TILES_PER_CHUNK)) {
            TileStream s = packer.pack(plan, 3);
            byte[] before = s.segment().asSlice(0, s.byteSize()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            int tasks = s.taskCount();
            assertThrows(IllegalArgumentException.class, () -> packer.pack(plan, 0));
            assertThrows(IllegalArgumentException.class, () -> packer.pack(plan, 5));
            assertThrows(IllegalArgumentException.class, () -> packer.pack(plan, 2, RANKS));
            RelayRequest other = new RelayRequest(4).stateBytes(100).add(0, 0, 1);
            RelayPlan wrongChunk = RelayPlanner.uniform(RANKS, 1e9, 4, 4).plan(other, RelayPolicy.DIRECT);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> packer.pack(wrongChunk, 2));
            assertTrue(e.getMessage().startsWith("plan.chunkBytes"), e.getMessage());
            assertEquals(tasks, s.taskCount());
            assertArrayEquals(before, s.segment().asSlice(0, s.byteSize()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void packingAllocatesNothing() {
        SplittableRandom rnd = new SplittableRandom(4);
        Layer layer = new Layer();
        layer.fill(rnd, 1L << 20);
        RelayPlan plan = RelayPlanner.uniform(RANKS, 1e9, 32, 64).plan(layer.request, RelayPolicy.BALANCED_TREES);
        try (TileStreamPacker packer = new TileStreamPacker(RANKS, 32, 64, 8, 16, TILE, TILES_PER_CHUNK)) {
            AllocationProbe.assertZeroAllocation("TileStreamPacker.pack", () -> packer.pack(plan, 16));
        }
    }

    @Test
    void sizesWhoseTaskCountOverflowsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TileStreamPacker(4, Integer.MAX_VALUE, 1, 1, 1, 1, 1));
        assertTrue(e.getMessage().contains("maxPieces must be < 2^31"), e.getMessage());
        // Under 2^31 tasks, but records of more words than one staging long[] holds: refused before allocating.
        e = assertThrows(IllegalArgumentException.class,
                () -> new TileStreamPacker(4, 1 << 27, 1 << 27, 2, 1, 1, 1));
        assertTrue(e.getMessage().contains("exceed one staging array"), e.getMessage());
    }

    @Test
    void aStateTooLargeToTileIsRefusedAndCloseIsIdempotent() {
        TileStreamPacker pk = new TileStreamPacker(4, 1, 1, 8, 1, 1 << 30, 1 << 30);
        io.keel.planners.relay.RelayPlan rp = io.keel.planners.relay.RelayPlanner.uniform(4, 1e9, 1, 1).plan(
                new io.keel.planners.relay.RelayRequest(1).stateBytes(Long.MAX_VALUE).chunkBytes(1L << 60).add(0, 0, 1),
                io.keel.planners.relay.RelayPolicy.BALANCED_TREES);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pk.pack(rp, 1));
        assertTrue(e.getMessage().contains("tiles"), e.getMessage());
        pk.close();
        pk.close();
    }
}
