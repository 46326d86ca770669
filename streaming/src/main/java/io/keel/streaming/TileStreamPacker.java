package io.keel.streaming;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.keel.core.Checks;
import io.keel.planners.relay.RelayPlan;

import static io.keel.streaming.TileTaskDescriptor.*;

/**
 * Packs a layer's relay trees into the task table of a persistent copy kernel (layout and
 * semantics in {@link TileTaskDescriptor}), in an off-heap segment allocated at construction.
 *
 * <p>Each tree's state is cut into at most {@code maxPieces} pieces aligned to relay chunks.
 * A stage-1 task copies one piece from the source to the source's children (relays signal a
 * flag per chunk); a stage-2 task copies the same piece from a relay to its leaves, waiting per
 * chunk on the relay's flags. Claim order: the pieces of all trees round-robin (piece 0 of
 * every tree, then piece 1, ...), the trees of one round ordered so that consecutive tasks come
 * from different source ranks (each rank's first tree, then each rank's second, ...), and the
 * stage-2 pieces of round {@code p} after the stage-1 pieces of round {@code p + 1}, so relays
 * forward while sources still send and every flag a tile waits for belongs to a lower tile. The
 * static channel ranges cut the claim order into {@code channels} contiguous runs of nearly equal
 * bytes (to one tile). Work is O(tasks + channels + ranks): no loop runs over tiles.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates scratch arrays and
 * the segment ({@link TileTaskDescriptor#segmentLength}) from a shared arena, freed by
 * {@link #close()}; {@code pack} calls allocate nothing.
 */
public final class TileStreamPacker implements AutoCloseable {
    /** Default tile: 32 KiB, as UltraEP's copy kernel. */
    public static final int DEFAULT_TILE_BYTES = 32 * 1024;
    /** Default relay chunk: 8 tiles. */
    public static final int DEFAULT_TILES_PER_CHUNK = 8;
    /** Default pieces per state. */
    public static final int DEFAULT_MAX_PIECES = 8;

    private final int maxRanks;
    private final int maxTrees;
    private final int maxTransfers;
    private final int maxPieces;
    private final int maxChannels;
    private final int tileBytes;
    private final int tilesPerChunk;
    private final long chunkBytes;
    private final int maxTasks;
    private final long destinationsBase;
    private final long prefixBase;
    private final long channelBase;
    private final Arena arena;
    private final MemorySegment seg;
    private final TileStream view;

    private final int[] relayBefore;
    private final int[] s1Tree;
    private final int[] s1Order;
    private final int[] s2Tree;
    private final int[] s2Relay;
    private final int[] s2Order;
    private final int[] streamRank;
    private final int[] byRank;
    private final int[] rankStart;
    private final int[] rankCount;
    private final int[] active;
    private final long[] taskBytes;
    private final int[] taskDests;
    private final int[] taskTileStart;

    /**
     * A packer for plans of up to {@code maxRanks} ranks, {@code maxTrees} trees and
     * {@code maxTransfers} transfers, states cut into up to {@code maxPieces} pieces, up to
     * {@code maxChannels} channel ranges, tiles of {@code tileBytes} and relay chunks of
     * {@code tilesPerChunk} tiles.
     *
     * @throws IllegalArgumentException on a size out of range
     */
    public TileStreamPacker(int maxRanks, int maxTrees, int maxTransfers, int maxPieces, int maxChannels,
                            int tileBytes, int tilesPerChunk) {
        this.maxRanks = Checks.positive("maxRanks", maxRanks);
        this.maxTrees = Checks.nonNegative("maxTrees", maxTrees);
        this.maxTransfers = Checks.nonNegative("maxTransfers", maxTransfers);
        this.maxPieces = Checks.positive("maxPieces", maxPieces);
        this.maxChannels = Checks.positive("maxChannels", maxChannels);
        this.tileBytes = Checks.positive("tileBytes", tileBytes);
        this.tilesPerChunk = Checks.positive("tilesPerChunk", tilesPerChunk);
        this.chunkBytes = (long) tileBytes * tilesPerChunk;
        long tasks = (long) (maxTrees + maxTransfers) * maxPieces;
        long dests = (long) maxTransfers * maxPieces;
        if (tasks >= Integer.MAX_VALUE || dests >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("(maxTrees + maxTransfers) x maxPieces must be < 2^31, was " + tasks);
        }
        this.maxTasks = (int) tasks;
        this.destinationsBase = destinationOffset(maxTasks);
        this.prefixBase = tileOffsetsOffset(maxTasks, (int) dests);
        this.channelBase = channelOffset(maxTasks, (int) dests);
        this.arena = Arena.ofShared();
        this.seg = arena.allocate(segmentLength(maxTasks, (int) dests, maxChannels), 64);
        this.view = new TileStream(seg, prefixBase, channelBase);
        relayBefore = new int[maxTrees + 1];
        s1Tree = new int[maxTrees];
        s1Order = new int[maxTrees];
        s2Tree = new int[maxTransfers];
        s2Relay = new int[maxTransfers];
        s2Order = new int[maxTransfers];
        streamRank = new int[Math.max(maxTrees, maxTransfers)];
        byRank = new int[Math.max(maxTrees, maxTransfers)];
        rankStart = new int[maxRanks + 1];
        rankCount = new int[maxRanks];
        active = new int[maxRanks];
        taskBytes = new long[maxTasks];
        taskDests = new int[maxTasks];
        taskTileStart = new int[maxTasks + 1];
        writeHeader(0, 0, 0, 0, 0, 0, 0);
    }

    /** A packer with 32 KiB tiles, chunks of 8 tiles and up to 8 pieces per state. */
    public static TileStreamPacker withDefaults(int maxRanks, int maxTrees, int maxTransfers, int maxChannels) {
        return new TileStreamPacker(maxRanks, maxTrees, maxTransfers, DEFAULT_MAX_PIECES, maxChannels,
                DEFAULT_TILE_BYTES, DEFAULT_TILES_PER_CHUNK);
    }

    /** Relay chunk bytes: the plan's {@link RelayPlan#chunkBytes()} must equal it. */
    public long chunkBytes() {
        return chunkBytes;
    }

    /** Bytes per full tile. */
    public int tileBytes() {
        return tileBytes;
    }

    /** The view every call returns (same object). */
    public TileStream stream() {
        return view;
    }

    /** Packs every task of {@code plan} (all sender ranks). */
    public TileStream pack(RelayPlan plan, int channels) {
        return pack(plan, channels, -1);
    }

    /**
     * Packs the tasks that rank {@code sender} sends ({@code -1}: all ranks) of {@code plan} into
     * {@code channels} static ranges. Flag slots are numbered over the whole plan, so the tables
     * of all ranks agree.
     *
     * @throws IllegalArgumentException on a plan over capacity, a plan chunk other than
     *     {@link #chunkBytes()}, channels out of {@code [1, maxChannels]}, a sender out of range
     *     or a table over 2^31 tiles or flags; the previous table is left as it was
     */
    public TileStream pack(RelayPlan plan, int channels, int sender) {
        Checks.notNull("plan", plan);
        final int ranks = Checks.inRange("plan.ranks", plan.ranks(), 1, maxRanks);
        final int trees = Checks.inRange("plan.treeCount", plan.treeCount(), 0, maxTrees);
        Checks.inRange("plan.transferCount", plan.transferCount(), 0, maxTransfers);
        Checks.inRange("channels", channels, 1, maxChannels);
        Checks.inRange("sender", sender, -1, ranks - 1);
        if (plan.chunkBytes() != chunkBytes) {
            throw new IllegalArgumentException("plan.chunkBytes must be " + chunkBytes + " (tileBytes x tilesPerChunk), was "
                    + plan.chunkBytes());
        }
        final long s = plan.stateBytes();
        final long chunksLong = (s + chunkBytes - 1) / chunkBytes;
        final long tilesPerState = (s + tileBytes - 1) / tileBytes;

        int n1 = 0;
        int n2 = 0;
        relayBefore[0] = 0;
        for (int t = 0; t < trees; t++) {
            if (sender < 0 || plan.source(t) == sender) {
                s1Tree[n1++] = t;
            }
            int relays = plan.relayCount(t);
            for (int j = 0; j < relays; j++) {
                if (sender < 0 || plan.target(t, j) == sender) {
                    s2Tree[n2] = t;
                    s2Relay[n2++] = j;
                }
            }
            relayBefore[t + 1] = relayBefore[t] + relays;
        }
        long flagSlots = relayBefore[trees] * chunksLong;
        long tileTotal = (long) (n1 + n2) * tilesPerState;
        if (flagSlots > Integer.MAX_VALUE || tileTotal > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("plan needs " + tileTotal + " tiles and " + flagSlots
                    + " flags; each must be < 2^31 (stateBytes was " + s + ")");
        }
        final int chunks = (int) chunksLong;
        final int perPiece = (chunks + maxPieces - 1) / maxPieces;
        final int pieces = (chunks + perPiece - 1) / perPiece;
        final long pieceBytes = perPiece * chunkBytes;

        for (int i = 0; i < n1; i++) {
            streamRank[i] = plan.source(s1Tree[i]);
        }
        interleave(n1, ranks, s1Order);
        for (int i = 0; i < n2; i++) {
            streamRank[i] = plan.target(s2Tree[i], s2Relay[i]);
        }
        interleave(n2, ranks, s2Order);

        int task = 0;
        int dest = 0;
        int tile = 0;
        long total = 0;
        for (int round = 0; round <= pieces; round++) {
            if (round < pieces) {
                long off = round * pieceBytes;
                long bytes = Math.min(s, off + pieceBytes) - off;
                int firstChunk = round * perPiece;
                for (int i = 0; i < n1; i++) {
                    int t = s1Tree[s1Order[i]];
                    int d = plan.stageOneCount(t);
                    writeTask(task, plan.source(t), plan.sourceOffset(t) + off, bytes, dest, d, -1, 1, plan.expert(t), tile);
                    int relays = plan.relayCount(t);
                    for (int j = 0; j < d; j++) {
                        int ready = j < relays ? (relayBefore[t] + j) * chunks + firstChunk : -1;
                        writeDestination(dest++, plan.target(t, j), ready, plan.targetOffset(t, j) + off);
                    }
                    total += bytes * d;
                    tile += taskTileStart[task + 1] - taskTileStart[task];
                    task++;
                }
            }
            if (round >= 1) {
                int p = round - 1;
                long off = p * pieceBytes;
                long bytes = Math.min(s, off + pieceBytes) - off;
                int firstChunk = p * perPiece;
                for (int i = 0; i < n2; i++) {
                    int t = s2Tree[s2Order[i]];
                    int j = s2Relay[s2Order[i]];
                    int d = plan.childCount(t, j);
                    int wait = (relayBefore[t] + j) * chunks + firstChunk;
                    writeTask(task, plan.target(t, j), plan.targetOffset(t, j) + off, bytes, dest, d, wait, 2,
                            plan.expert(t), tile);
                    for (int c = plan.childStart(t, j), end = c + d; c < end; c++) {
                        writeDestination(dest++, plan.target(t, c), -1, plan.targetOffset(t, c) + off);
                    }
                    total += bytes * d;
                    tile += taskTileStart[task + 1] - taskTileStart[task];
                    task++;
                }
            }
        }
        for (int i = 0; i <= task; i++) {
            seg.set(INT, prefixBase + 4L * i, taskTileStart[i]);
        }
        partition(task, tile, total, channels);
        writeHeader(task, tile, dest, (int) flagSlots, channels, n2 * pieces, total);
        return view;
    }

    /**
     * Orders {@code n} streams (source rank in {@link #streamRank}) so that each rank's first
     * stream comes before any rank's second, ranks ascending within a round. O(n + ranks).
     */
    private void interleave(int n, int ranks, int[] order) {
        java.util.Arrays.fill(rankCount, 0, ranks, 0);
        for (int i = 0; i < n; i++) {
            rankCount[streamRank[i]]++;
        }
        rankStart[0] = 0;
        int live = 0;
        for (int r = 0; r < ranks; r++) {
            rankStart[r + 1] = rankStart[r] + rankCount[r];
            if (rankCount[r] > 0) {
                active[live++] = r;
            }
        }
        for (int i = 0; i < n; i++) {
            byRank[rankStart[streamRank[i]]++] = i;
        }
        // rankStart[r] now ends rank r's run: its start is rankStart[r] - rankCount[r].
        int out = 0;
        for (int ordinal = 0; live > 0; ordinal++) {
            int keep = 0;
            for (int a = 0; a < live; a++) {
                int r = active[a];
                order[out++] = byRank[rankStart[r] - rankCount[r] + ordinal];
                if (rankCount[r] > ordinal + 1) {
                    active[keep++] = r;
                }
            }
            live = keep;
        }
    }

    private void writeTask(int i, int sourceRank, long sourceOffset, long bytes, int firstDest, int dests,
                           int waitSlot, int stage, int expert, int tileStart) {
        long at = HEADER_LENGTH + (long) i * TASK_LENGTH;
        int tiles = (int) ((bytes + tileBytes - 1) / tileBytes);
        seg.set(INT, at + TASK_SOURCE_RANK_OFFSET, sourceRank);
        seg.set(INT, at + TASK_DESTINATION_COUNT_OFFSET, dests);
        seg.set(LONG, at + TASK_SOURCE_OFFSET_OFFSET, sourceOffset);
        seg.set(LONG, at + TASK_BYTE_COUNT_OFFSET, bytes);
        seg.set(INT, at + TASK_FIRST_DESTINATION_OFFSET, firstDest);
        seg.set(INT, at + TASK_WAIT_FLAG_SLOT_OFFSET, waitSlot);
        seg.set(INT, at + TASK_STAGE_OFFSET, stage);
        seg.set(INT, at + TASK_EXPERT_OFFSET, expert);
        seg.set(INT, at + TASK_TILE_COUNT_OFFSET, tiles);
        seg.set(INT, at + TASK_TILE_COUNT_OFFSET + 4, 0);
        taskBytes[i] = bytes;
        taskDests[i] = dests;
        taskTileStart[i] = tileStart;
        taskTileStart[i + 1] = tileStart + tiles;
    }

    private void writeDestination(int i, int rank, int readySlot, long offset) {
        long at = destinationsBase + (long) i * DESTINATION_LENGTH;
        seg.set(INT, at + DESTINATION_RANK_OFFSET, rank);
        seg.set(INT, at + DESTINATION_READY_FLAG_SLOT_OFFSET, readySlot);
        seg.set(LONG, at + DESTINATION_BUFFER_OFFSET, offset);
    }

    /**
     * Cuts the claim order into contiguous channel ranges: channel {@code c} ends at the first
     * tile boundary where the bytes written so far reach {@code total * (c + 1) / channels}.
     */
    private void partition(int tasks, int tiles, long total, int channels) {
        long acc = 0;
        long prevCut = 0;
        int prevTile = 0;
        int c = 0;
        long max = 0;
        for (int i = 0; i < tasks && c < channels - 1; i++) {
            long w = taskBytes[i] * taskDests[i];
            long unit = (long) tileBytes * taskDests[i];
            while (c < channels - 1) {
                long goal = total / channels * (c + 1) + total % channels * (c + 1) / channels;
                if (goal > acc + w) {
                    break;
                }
                long need = goal - acc;
                int k = need <= 0 ? 0 : (int) Math.min(taskTileStart[i + 1] - taskTileStart[i], (need + unit - 1) / unit);
                int cutTile = taskTileStart[i] + k;
                long cutBytes = acc + Math.min(k * unit, w);
                max = Math.max(max, cutBytes - prevCut);
                writeChannel(c, prevTile, cutTile, cutBytes - prevCut);
                prevTile = cutTile;
                prevCut = cutBytes;
                c++;
            }
            acc += w;
        }
        for (; c < channels; c++) {
            long end = c == channels - 1 ? total : prevCut;
            int endTile = c == channels - 1 ? tiles : prevTile;
            max = Math.max(max, end - prevCut);
            writeChannel(c, prevTile, endTile, end - prevCut);
            prevTile = endTile;
            prevCut = end;
        }
        view.maxChannelBytes = max;
    }

    private void writeChannel(int c, int first, int end, long bytes) {
        long at = channelBase + (long) c * CHANNEL_LENGTH;
        seg.set(INT, at + CHANNEL_FIRST_TILE_OFFSET, first);
        seg.set(INT, at + CHANNEL_END_TILE_OFFSET, end);
        seg.set(LONG, at + CHANNEL_BYTES_OFFSET, bytes);
    }

    private void writeHeader(int tasks, int tiles, int dests, int flags, int channels, int stageTwo, long total) {
        seg.set(INT, MAGIC_OFFSET, MAGIC);
        seg.set(INT, VERSION_OFFSET, VERSION);
        seg.set(INT, TASK_COUNT_OFFSET, tasks);
        seg.set(INT, TILE_COUNT_OFFSET, tiles);
        seg.set(INT, TILE_BYTES_OFFSET, tileBytes);
        seg.set(INT, TILES_PER_CHUNK_OFFSET, tilesPerChunk);
        seg.set(INT, DESTINATION_COUNT_OFFSET, dests);
        seg.set(INT, FLAG_SLOT_COUNT_OFFSET, flags);
        seg.set(INT, CHANNEL_COUNT_OFFSET, channels);
        seg.set(INT, STAGE_TWO_TASK_COUNT_OFFSET, stageTwo);
        seg.set(LONG, TASK_TABLE_OFFSET_OFFSET, HEADER_LENGTH);
        seg.set(LONG, DESTINATION_OFFSET_OFFSET, destinationsBase);
        seg.set(LONG, TILE_OFFSETS_OFFSET_OFFSET, prefixBase);
        seg.set(LONG, CHANNEL_OFFSET_OFFSET, channelBase);
        seg.set(LONG, TOTAL_BYTES_OFFSET, total);
        seg.set(LONG, TOTAL_BYTES_OFFSET + 8, 0);
        seg.set(LONG, TOTAL_BYTES_OFFSET + 16, 0);
        view.tasks = tasks;
        view.tiles = tiles;
        view.destinations = dests;
        view.flagSlots = flags;
        view.channels = channels;
        view.stageTwoTasks = stageTwo;
        view.totalBytes = total;
    }

    /** Frees the segment; the packer and its view are unusable afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
