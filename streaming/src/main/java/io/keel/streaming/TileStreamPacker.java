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
 * Trees may have any depth. A hop-1 task copies one piece from the source to the source's
 * children; a hop-{@code h} task ({@code h >= 2}) copies the same piece from a forwarding target
 * to its children, waiting per chunk on the flags its own parent's task sets on it. Every
 * destination that forwards has its flags set per chunk. Claim order: rounds; round {@code r}
 * holds, for {@code h = 1, 2, ...}, the hop-{@code h} tasks of piece {@code r - h + 1}, so a
 * forwarder's piece {@code p} comes one round after its parent's, forwarders work while sources
 * still send, and every flag a tile waits for belongs to a lower tile. Within one hop of a round
 * the tasks are ordered so that consecutive tasks come from different sender ranks (each rank's
 * first task, then each rank's second, ...). The static channel ranges cut the claim order into
 * {@code channels} contiguous runs of nearly equal bytes (to one tile). The regions of the table
 * sit back to back for the call's counts, so every byte of {@link TileStream#byteSize()} is
 * written by every call: the same plan gives the same bytes whatever the packer packed before.
 * Work is O(tasks + channels + ranks + transfers): no loop runs over tiles.
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
    // Records are staged in one long[]: the largest Java array, in longs.
    private static final long MAX_RECORD_WORDS = Integer.MAX_VALUE - 8;
    // Where each staged word sits in its record, from TileTaskDescriptor's field offsets; an int
    // pair shares a word (low half at the lower offset), which the class initializer checks.
    private static final int TASK_RANK_WORD = wordOfPair(TASK_SOURCE_RANK_OFFSET, TASK_DESTINATION_COUNT_OFFSET);
    private static final int TASK_OFFSET_WORD = wordOf(TASK_SOURCE_OFFSET_OFFSET);
    private static final int TASK_BYTES_WORD = wordOf(TASK_BYTE_COUNT_OFFSET);
    private static final int TASK_DEST_WORD = wordOfPair(TASK_FIRST_DESTINATION_OFFSET, TASK_WAIT_FLAG_SLOT_OFFSET);
    private static final int TASK_STAGE_WORD = wordOfPair(TASK_STAGE_OFFSET, TASK_EXPERT_OFFSET);
    private static final int TASK_TILES_WORD = wordOf(TASK_TILE_COUNT_OFFSET);
    private static final int DEST_RANK_WORD = wordOfPair(DESTINATION_RANK_OFFSET, DESTINATION_READY_FLAG_SLOT_OFFSET);
    private static final int DEST_OFFSET_WORD = wordOf(DESTINATION_BUFFER_OFFSET);
    private static final int CHANNEL_TILES_WORD = wordOfPair(CHANNEL_FIRST_TILE_OFFSET, CHANNEL_END_TILE_OFFSET);
    private static final int CHANNEL_BYTES_WORD = wordOf(CHANNEL_BYTES_OFFSET);

    private final int maxRanks;
    private final int maxTrees;
    private final int maxTransfers;
    private final int maxPieces;
    private final int maxChannels;
    private final int tileBytes;
    private final int tilesPerChunk;
    private final long chunkBytes;
    private final int maxTasks;
    private final Arena arena;
    private final MemorySegment seg;
    private final TileStream view;
    // The task and destination records of a call, as the little-endian longs of the table's bytes
    // from taskTableOffset() on, staged on the heap and copied into the segment in one bulk copy,
    // which costs less than a checked segment store per field (RESULTS.md, "Tile packing").
    private final long[] words;
    // The channel ranges, staged the same way.
    private final long[] channelWords;

    // Streams (one per sender of a tree: the source, and every forwarding target), by hop. What a
    // stream's tasks write is read from the plan once per call into these arrays, not once per piece.
    private final int[] flagBase;
    private final int[] streamHop;
    private final int[] streamExpert;
    private final long[] streamOffset;
    private final int[] streamWait;
    private final int[] streamDestStart;
    private final int[] streamDestCount;
    // Destinations of all streams, each stream's run contiguous: rank, buffer offset, flag base (-1: none).
    private final int[] destRank;
    private final long[] destOffset;
    private final int[] destFlag;
    private final int[] hopStart;
    private final int[] order;
    private final int[] streamRank;
    private final int[] byRank;
    private final int[] rankStart;
    private final int[] rankCount;
    private final int[] active;
    private final long[] taskBytes;
    private final int[] taskDests;
    private final int[] taskTileStart;
    // Per-call figures of collectStreams.
    private int forwarders;
    private int maxHop;
    private long destsPerPiece;

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
        long tasks = ((long) maxTrees + maxTransfers) * maxPieces;
        long dests = (long) maxTransfers * maxPieces;
        if (tasks >= Integer.MAX_VALUE || dests >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("(maxTrees + maxTransfers) x maxPieces must be < 2^31, was " + tasks);
        }
        long recordWords = (tasks * TASK_LENGTH + dests * DESTINATION_LENGTH) / Long.BYTES;
        if (recordWords > MAX_RECORD_WORDS) {
            throw new IllegalArgumentException("task and destination records of " + recordWords
                    + " words exceed one staging array of " + MAX_RECORD_WORDS + "; lower maxTrees, maxTransfers or maxPieces");
        }
        this.maxTasks = (int) tasks;
        this.arena = Arena.ofShared();
        this.seg = arena.allocate(segmentLength(maxTasks, (int) dests, maxChannels), 64);
        this.view = new TileStream(seg);
        this.words = new long[(int) recordWords];
        this.channelWords = new long[maxChannels * (CHANNEL_LENGTH / Long.BYTES)];
        int streams = maxTrees + maxTransfers;
        flagBase = new int[maxTransfers];
        streamHop = new int[streams];
        streamExpert = new int[streams];
        streamOffset = new long[streams];
        streamWait = new int[streams];
        streamDestStart = new int[streams];
        streamDestCount = new int[streams];
        destRank = new int[maxTransfers];
        destOffset = new long[maxTransfers];
        destFlag = new int[maxTransfers];
        hopStart = new int[maxTransfers + 3];
        order = new int[streams];
        streamRank = new int[streams];
        byRank = new int[streams];
        rankStart = new int[maxRanks + 1];
        rankCount = new int[maxRanks];
        active = new int[maxRanks];
        taskBytes = new long[maxTasks];
        taskDests = new int[maxTasks];
        taskTileStart = new int[maxTasks + 1];
        writeHeader(0, 0, 0, 0, 0, 0, 0);
        seg.set(INT, tileOffsetsOffset(0, 0), 0);
        seg.set(INT, tileOffsetsOffset(0, 0) + 4, 0);
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
        final long chunksLong = Math.ceilDiv(s, chunkBytes);
        final int streams = collectStreams(plan, trees, sender);
        long flagSlots = saturatingProduct(forwarders, chunksLong);
        long tileTotal = saturatingProduct(streams, Math.ceilDiv(s, (long) tileBytes));
        if (flagSlots > Integer.MAX_VALUE || tileTotal > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("plan needs " + tileTotal + " tiles and " + flagSlots
                    + " flags; each must be < 2^31 (stateBytes was " + s + ")");
        }
        final int chunks = (int) chunksLong;
        final int perPiece = (chunks + maxPieces - 1) / maxPieces;
        final int pieces = (chunks + perPiece - 1) / perPiece;
        final int taskCount = streams * pieces;
        final int destCount = (int) (destsPerPiece * pieces);
        final long prefixBase = tileOffsetsOffset(taskCount, destCount);
        final long channelBase = channelOffset(taskCount, destCount);

        sortByHop(streams, maxHop + 1, ranks);
        final int destWord = taskCount * (TASK_LENGTH / Long.BYTES);
        long total = writeTasks(plan, pieces, perPiece, chunks, destWord);
        MemorySegment.copy(words, 0, seg, LONG, taskTableOffset(),
                destWord + destCount * (DESTINATION_LENGTH / Long.BYTES));
        int tiles = taskTileStart[taskCount];
        MemorySegment.copy(taskTileStart, 0, seg, INT, prefixBase, taskCount + 1);
        // The prefix may end 4 bytes short of the 8-aligned channel ranges: zero the gap.
        for (long gap = prefixBase + 4L * (taskCount + 1); gap < channelBase; gap += 4) {
            seg.set(INT, gap, 0);
        }
        partition(channelBase, taskCount, tiles, total, channels);
        view.tileOffsetsOffset = prefixBase;
        view.channelOffset = channelBase;
        int sourceStreams = hopStart[2] - hopStart[1];
        writeHeader(taskCount, tiles, destCount, (int) flagSlots, channels, (streams - sourceStreams) * pieces, total);
        return view;
    }

    /**
     * Collects the streams {@code sender} sends (all when -1): one per tree from its source, one
     * per forwarding target, each with its destinations; numbers a flag range per forwarding target
     * of the whole plan (so all ranks' tables agree) and sets {@link #forwarders}, {@link #maxHop},
     * {@link #destsPerPiece}. Reads the plan once; writes scratch only. Returns the stream count.
     */
    private int collectStreams(RelayPlan plan, int trees, int sender) {
        int streams = 0;
        int fwd = 0;
        int deepest = 0;
        int dests = 0;
        for (int t = 0, at = 0; t < trees; t++) {
            int k = plan.targetCount(t);
            for (int j = 0; j < k; j++) {
                flagBase[at + j] = plan.childCount(t, j) > 0 ? fwd++ : -1;
                deepest = Math.max(deepest, plan.hops(t, j));
            }
            if (sender < 0 || plan.source(t) == sender) {
                dests = addStream(plan, streams++, t, 1, plan.source(t), plan.sourceOffset(t), -1,
                        0, plan.stageOneCount(t), at, dests);
            }
            for (int j = 0; j < k; j++) {
                int kids = plan.childCount(t, j);
                if (kids > 0 && (sender < 0 || plan.target(t, j) == sender)) {
                    dests = addStream(plan, streams++, t, plan.hops(t, j) + 1, plan.target(t, j),
                            plan.targetOffset(t, j), flagBase[at + j], plan.childStart(t, j), kids, at, dests);
                }
            }
            at += k;
        }
        forwarders = fwd;
        maxHop = deepest;
        destsPerPiece = dests;
        return streams;
    }

    /**
     * Records stream {@code i} of tree {@code t} (sent by {@code rank} from {@code offset}, waiting on
     * flag base {@code wait}, -1 for a source) and its destinations, the tree's nodes
     * {@code first .. first + count}, from flat index {@code dests} on. Returns the next flat index.
     */
    private int addStream(RelayPlan plan, int i, int t, int hop, int rank, long offset, int wait,
                          int first, int count, int at, int dests) {
        streamHop[i] = hop;
        streamRank[i] = rank;
        streamExpert[i] = plan.expert(t);
        streamOffset[i] = offset;
        streamWait[i] = wait;
        streamDestStart[i] = dests;
        streamDestCount[i] = count;
        for (int c = first; c < first + count; c++, dests++) {
            destRank[dests] = plan.target(t, c);
            destOffset[dests] = plan.targetOffset(t, c);
            destFlag[dests] = flagBase[at + c];
        }
        return dests;
    }

    /** {@code a x b} for non-negative factors, {@code Long.MAX_VALUE} where it would overflow. */
    private static long saturatingProduct(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    /**
     * Writes the task and destination records in claim order: round {@code r} holds, hop by hop,
     * the stage-{@code h} tasks of piece {@code r - h + 1} (see the class comment). Returns the
     * bytes written over all destinations; {@link #taskTileStart} ends up as the tile prefix.
     */
    private long writeTasks(RelayPlan plan, int pieces, int perPiece, int chunks, int destWord) {
        final long s = plan.stateBytes();
        final long pieceBytes = saturatingProduct(perPiece, chunkBytes);
        int task = 0;
        int dest = 0;
        long total = 0;
        taskTileStart[0] = 0;
        for (int round = 0; round < pieces + maxHop; round++) {
            for (int h = Math.max(1, round - pieces + 2); h <= maxHop && h <= round + 1; h++) {
                int p = round - h + 1;
                long off = p * pieceBytes;
                long bytes = Math.min(s, off + pieceBytes) - off;
                int tiles = (int) ((bytes + tileBytes - 1) / tileBytes);
                for (int i = hopStart[h], end = hopStart[h + 1]; i < end; i++) {
                    int d = writeStreamTask(order[i], h, off, bytes, tiles, p * perPiece, chunks, destWord, task, dest);
                    total += bytes * d;
                    dest += d;
                    task++;
                }
            }
        }
        return total;
    }

    /** Writes stream {@code x}'s task of one piece (stage {@code h}) and its destinations; returns their count. */
    private int writeStreamTask(int x, int h, long off, long bytes, int tiles, int firstChunk, int chunks,
                                int destWord, int task, int dest) {
        final int d = streamDestCount[x];
        final int first = streamDestStart[x];
        final int wait = streamWait[x];
        writeTask(task, streamRank[x], streamOffset[x] + off, bytes, tiles, dest, d,
                flagSlot(wait, chunks, firstChunk), h, streamExpert[x]);
        for (int c = first, end = first + d, out = dest; c < end; c++, out++) {
            writeDestination(destWord, out, destRank[c], flagSlot(destFlag[c], chunks, firstChunk), destOffset[c] + off);
        }
        return d;
    }

    /**
     * Fills {@link #order} with the streams grouped by hop ({@code hopStart[h] .. hopStart[h + 1]}),
     * each hop's streams interleaved over sender ranks. O(streams + hops x ranks).
     */
    private void sortByHop(int streams, int hops, int ranks) {
        java.util.Arrays.fill(hopStart, 0, hops + 2, 0);
        for (int i = 0; i < streams; i++) {
            hopStart[streamHop[i] + 1]++;
        }
        for (int h = 1; h <= hops + 1; h++) {
            hopStart[h] += hopStart[h - 1];
        }
        // hopStart[h] is the next free place of hop h while filling (stable), then shifts to its start.
        for (int i = 0; i < streams; i++) {
            order[hopStart[streamHop[i]]++] = i;
        }
        for (int h = hops + 1; h > 0; h--) {
            hopStart[h] = hopStart[h - 1];
        }
        hopStart[0] = 0;
        hopStart[1] = 0;
        for (int h = 1; h <= hops; h++) {
            interleave(hopStart[h], hopStart[h + 1] - hopStart[h], ranks);
        }
    }

    /**
     * Reorders {@code order[from .. from + n)} so that each sender rank's first stream comes before
     * any rank's second, ranks ascending within a round, streams of one rank in their order.
     * O(n + ranks).
     */
    private void interleave(int from, int n, int ranks) {
        if (n <= 1) {
            return;
        }
        java.util.Arrays.fill(rankCount, 0, ranks, 0);
        for (int i = 0; i < n; i++) {
            rankCount[streamRank[order[from + i]]]++;
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
            int x = order[from + i];
            byRank[rankStart[streamRank[x]]++] = x;
        }
        // rankStart[r] now ends rank r's run: its start is rankStart[r] - rankCount[r].
        int out = from;
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

    /** Stages task {@code i}'s record (see {@link #words}) and its tile count. */
    private void writeTask(int i, int sourceRank, long sourceOffset, long bytes, int tiles, int firstDest, int dests,
                           int waitSlot, int stage, int expert) {
        final int tileStart = taskTileStart[i];
        final int w = i * (TASK_LENGTH / Long.BYTES);
        words[w + TASK_RANK_WORD] = pair(sourceRank, dests);
        words[w + TASK_OFFSET_WORD] = sourceOffset;
        words[w + TASK_BYTES_WORD] = bytes;
        words[w + TASK_DEST_WORD] = pair(firstDest, waitSlot);
        words[w + TASK_STAGE_WORD] = pair(stage, expert);
        words[w + TASK_TILES_WORD] = pair(tiles, 0); // the 4 bytes after the tile count are reserved: 0
        taskBytes[i] = bytes;
        taskDests[i] = dests;
        taskTileStart[i + 1] = tileStart + tiles;
    }

    /** Stages destination record {@code i} of a table whose destinations start at word {@code destWord}. */
    private void writeDestination(int destWord, int i, int rank, int readySlot, long offset) {
        final int w = destWord + i * (DESTINATION_LENGTH / Long.BYTES);
        words[w + DEST_RANK_WORD] = pair(rank, readySlot);
        words[w + DEST_OFFSET_WORD] = offset;
    }

    /** The little-endian long whose low four bytes are {@code first} and high four {@code second}. */
    private static long pair(int first, int second) {
        return (first & 0xFFFF_FFFFL) | ((long) second << 32);
    }

    /** The word of an 8-byte field at byte {@code offset} of its record. */
    private static int wordOf(int offset) {
        if (offset % Long.BYTES != 0) {
            throw new IllegalStateException("field at byte " + offset + " is not 8-aligned");
        }
        return offset / Long.BYTES;
    }

    /** The word of two int fields, {@code low} at its low half and {@code high} right after. */
    private static int wordOfPair(int low, int high) {
        if (high != low + Integer.BYTES) {
            throw new IllegalStateException("fields at bytes " + low + " and " + high + " do not share a word");
        }
        return wordOf(low);
    }

    /** Flag slot of chunk {@code firstChunk} for a flag range starting at {@code base}; -1 when there is none. */
    private static int flagSlot(int base, int chunks, int firstChunk) {
        return base < 0 ? -1 : base * chunks + firstChunk;
    }

    /**
     * Cuts the claim order into contiguous channel ranges: channel {@code c} ends at the first
     * tile boundary where the bytes written so far reach {@code total * (c + 1) / channels}.
     */
    private void partition(long channelBase, int tasks, int tiles, long total, int channels) {
        long acc = 0;
        long prevCut = 0;
        int prevTile = 0;
        int c = 0;
        long max = 0;
        long goal = channelGoal(total, channels, 0); // three long divisions: once per channel, not per task
        for (int i = 0; i < tasks && c < channels - 1; i++) {
            long w = taskBytes[i] * taskDests[i];
            long unit = (long) tileBytes * taskDests[i];
            while (c < channels - 1) {
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
                goal = channelGoal(total, channels, c);
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
        MemorySegment.copy(channelWords, 0, seg, LONG, channelBase, channels * (CHANNEL_LENGTH / Long.BYTES));
        view.maxChannelBytes = max;
    }

    /** Bytes written by the end of channel {@code c}: {@code total * (c + 1) / channels} without overflow. */
    private static long channelGoal(long total, int channels, int c) {
        return total / channels * (c + 1) + total % channels * (c + 1) / channels;
    }

    private void writeChannel(int c, int first, int end, long bytes) {
        final int w = c * (CHANNEL_LENGTH / Long.BYTES);
        channelWords[w + CHANNEL_TILES_WORD] = pair(first, end);
        channelWords[w + CHANNEL_BYTES_WORD] = bytes;
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
        seg.set(LONG, DESTINATION_OFFSET_OFFSET, destinationOffset(tasks));
        seg.set(LONG, TILE_OFFSETS_OFFSET_OFFSET, tileOffsetsOffset(tasks, dests));
        seg.set(LONG, CHANNEL_OFFSET_OFFSET, channelOffset(tasks, dests));
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

    /** Frees the segment; the packer and its view are unusable afterwards. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
