package io.keel.streaming;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Binary layout of a tile-stream task table, the input of a persistent copy kernel. All values
 * are little-endian; every region starts at a multiple of 8 bytes from the segment's base. The
 * table lives in one off-heap segment written by {@link TileStreamPacker}. The regions sit back
 * to back for the table's own counts (T tasks, D destinations, C channels: the offsets are
 * {@link #destinationOffset(int) destinationOffset(T)}, {@link #tileOffsetsOffset(int, int)
 * tileOffsetsOffset(T, D)}, {@link #channelOffset(int, int) channelOffset(T, D)}, also written in
 * the header), and every byte up to the end of the channel ranges is written by each pack, the
 * up to 4 alignment bytes after the tile offsets and the reserved fields as zeros: equal plans give
 * byte-identical tables.
 *
 * <pre>
 *   0                HEADER_LENGTH
 *   +----------------+-------------------+---------------------+-----------------+----------------+
 *   |     header     |   task records    | destination records |  tile offsets   | channel ranges |
 *   +----------------+-------------------+---------------------+-----------------+----------------+
 *                    ^ taskTableOffset   ^ destinationOffset   ^ tileOffsetsOffset ^ channelOffset
 *
 * Header (HEADER_LENGTH = 96 bytes)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                     magic 'KTS1' (0x3153544B)                 |  0
 *   |                     version (2)                               |  4
 *   |                     taskCount T                               |  8
 *   |                     tileCount                                 | 12
 *   |                     tileBytes                                 | 16
 *   |                     tilesPerChunk                             | 20
 *   |                     destinationCount                          | 24
 *   |                     flagSlotCount                             | 28
 *   |                     channelCount C                            | 32
 *   |                     forwardedTaskCount (stage >= 2)           | 36
 *   |                     taskTableOffset (long)                    | 40
 *   |                     destinationOffset (long)                  | 48
 *   |                     tileOffsetsOffset (long)                  | 56
 *   |                     channelOffset (long)                      | 64
 *   |                     totalBytes (long): sum of byteCount x destinations | 72
 *   |                     reserved (16 bytes, zero)                 | 80
 *   +---------------------------------------------------------------+
 *
 * Task record (TASK_LENGTH = 48 bytes), T of them in claim order
 *   +---------------------------------------------------------------+
 *   |                     sourceRank                                |  0
 *   |                     destinationCount N (1..)                  |  4
 *   |                     sourceOffset (long): bytes into the source rank's buffer |  8
 *   |                     byteCount (long)                          | 16
 *   |                     firstDestination: index of its first destination record | 24
 *   |                     waitFlagSlot (-1: none)                   | 28
 *   |                     stage: hop of its destinations (1..depth) | 32
 *   |                     expert                                    | 36
 *   |                     tileCount                                 | 40
 *   |                     reserved (zero)                           | 44
 *   +---------------------------------------------------------------+
 *
 * Destination record (DESTINATION_LENGTH = 16 bytes); a task's N records are consecutive
 *   +---------------------------------------------------------------+
 *   |                     rank                                      |  0
 *   |                     readyFlagSlot (-1: none)                  |  4
 *   |                     offset (long): bytes into the destination rank's buffer |  8
 *   +---------------------------------------------------------------+
 *
 * Tile offsets: int[T + 1], exclusive prefix of the tasks' tile counts; global tile g belongs to
 * the task i with offsets[i] &lt;= g &lt; offsets[i + 1] (binary search), as tile g - offsets[i].
 *
 * Channel range (CHANNEL_LENGTH = 16 bytes), C of them
 *   +---------------------------------------------------------------+
 *   |                     firstTile                                 |  0
 *   |                     endTile (exclusive)                       |  4
 *   |                     bytes (long): bytes written by its tiles  |  8
 *   +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Semantics. Tile {@code t} of a task copies bytes {@code [t * tileBytes, min((t + 1) *
 * tileBytes, byteCount))} of the task from {@code sourceOffset} on {@code sourceRank} to the
 * same range at {@code offset} on every destination. Tiles form chunks of {@code tilesPerChunk}
 * (chunk {@code c} of a task = tiles {@code c * tilesPerChunk ..}, the last one possibly short).
 * Flags are 32-bit counters, zero before the launch. After a tile of chunk {@code c} has landed
 * on a destination whose {@code readyFlagSlot} is {@code f >= 0}, the kernel adds 1 to flag
 * {@code f + c} (release). A task with {@code waitFlagSlot w >= 0} may read tile {@code t} only
 * once flag {@code w + t / tilesPerChunk} equals the number of tiles in that chunk (acquire): the
 * task that feeds its source rank covers the same bytes with the same chunks.
 *
 * <p>Relay trees of any depth. A stage-1 task is sent by an expert's source to the source's
 * children; a stage-{@code h} task ({@code h >= 2}) is sent by a target at hop {@code h - 1},
 * which forwards what its parent delivers: it waits per chunk on the flags its parent's task sets
 * on it, and sets, per chunk, the flags of those of its own destinations that forward in turn.
 * Any task may carry destinations with a ready flag (in version 1, whose trees had depth 2, only
 * stage-1 tasks did, and stage was 1 or 2).
 *
 * <p>Claim order. A kernel with a global counter claims tiles in index order. Tasks come in
 * rounds; round {@code r} holds the stage-{@code h} tasks of piece {@code r - h + 1} for
 * {@code h = 1, 2, ...}, so every tile a task waits for belongs to a lower tile (its parent's
 * task of the same piece, one round earlier), and workers that finish a tile before claiming the
 * next cannot deadlock; the same holds for the static channel ranges, each walked in index
 * order. Consecutive tasks of one stage come from different sender ranks where the plan allows it.
 *
 * <p>Stateless constants and offset arithmetic; thread-safe.
 */
public final class TileTaskDescriptor {
    /** 'KTS1' read as a little-endian int. */
    public static final int MAGIC = 0x3153544B;
    /** Layout version: 2 since relay trees of any depth (stage = hop) and back-to-back regions. */
    public static final int VERSION = 2;

    /** Little-endian int, 4-byte aligned. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian long, 8-byte aligned. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Header: magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Header: layout version. */
    public static final int VERSION_OFFSET = 4;
    /** Header: number of task records. */
    public static final int TASK_COUNT_OFFSET = 8;
    /** Header: number of tiles over all tasks. */
    public static final int TILE_COUNT_OFFSET = 12;
    /** Header: bytes per full tile. */
    public static final int TILE_BYTES_OFFSET = 16;
    /** Header: tiles per relay chunk (the flag granularity). */
    public static final int TILES_PER_CHUNK_OFFSET = 20;
    /** Header: number of destination records. */
    public static final int DESTINATION_COUNT_OFFSET = 24;
    /** Header: flag counters the kernel needs (slots {@code 0 .. flagSlotCount - 1}). */
    public static final int FLAG_SLOT_COUNT_OFFSET = 28;
    /** Header: number of channel ranges. */
    public static final int CHANNEL_COUNT_OFFSET = 32;
    /** Header: number of forwarded tasks (stage 2 and deeper: sent by a target, not by the source). */
    public static final int STAGE_TWO_TASK_COUNT_OFFSET = 36;
    /** Header: byte offset of the task records. */
    public static final int TASK_TABLE_OFFSET_OFFSET = 40;
    /** Header: byte offset of the destination records. */
    public static final int DESTINATION_OFFSET_OFFSET = 48;
    /** Header: byte offset of the tile-offset prefix. */
    public static final int TILE_OFFSETS_OFFSET_OFFSET = 56;
    /** Header: byte offset of the channel ranges. */
    public static final int CHANNEL_OFFSET_OFFSET = 64;
    /** Header: bytes written over all tasks and destinations. */
    public static final int TOTAL_BYTES_OFFSET = 72;
    /** Header length. */
    public static final int HEADER_LENGTH = 96;

    /** Task: source rank. */
    public static final int TASK_SOURCE_RANK_OFFSET = 0;
    /** Task: number of destinations. */
    public static final int TASK_DESTINATION_COUNT_OFFSET = 4;
    /** Task: byte offset in the source rank's buffer. */
    public static final int TASK_SOURCE_OFFSET_OFFSET = 8;
    /** Task: bytes to copy. */
    public static final int TASK_BYTE_COUNT_OFFSET = 16;
    /** Task: index of its first destination record. */
    public static final int TASK_FIRST_DESTINATION_OFFSET = 24;
    /** Task: flag slot of its first chunk to wait on, or -1. */
    public static final int TASK_WAIT_FLAG_SLOT_OFFSET = 28;
    /** Task: the hop of its destinations, 1 (from the expert's source) up to the tree's depth (forwarded). */
    public static final int TASK_STAGE_OFFSET = 32;
    /** Task: the expert whose state it moves. */
    public static final int TASK_EXPERT_OFFSET = 36;
    /** Task: its tile count. */
    public static final int TASK_TILE_COUNT_OFFSET = 40;
    /** Task record length. */
    public static final int TASK_LENGTH = 48;

    /** Destination: rank. */
    public static final int DESTINATION_RANK_OFFSET = 0;
    /** Destination: flag slot of the task's first chunk to signal on this rank, or -1. */
    public static final int DESTINATION_READY_FLAG_SLOT_OFFSET = 4;
    /** Destination: byte offset in the destination rank's buffer. */
    public static final int DESTINATION_BUFFER_OFFSET = 8;
    /** Destination record length. */
    public static final int DESTINATION_LENGTH = 16;

    /** Channel: first tile (inclusive). */
    public static final int CHANNEL_FIRST_TILE_OFFSET = 0;
    /** Channel: end tile (exclusive). */
    public static final int CHANNEL_END_TILE_OFFSET = 4;
    /** Channel: bytes its tiles write. */
    public static final int CHANNEL_BYTES_OFFSET = 8;
    /** Channel range length. */
    public static final int CHANNEL_LENGTH = 16;

    private TileTaskDescriptor() {
    }

    /** Segment bytes for a table of these capacities (regions 8-byte aligned, back to back). */
    public static long segmentLength(int maxTasks, int maxDestinations, int maxChannels) {
        return channelOffset(maxTasks, maxDestinations) + (long) maxChannels * CHANNEL_LENGTH;
    }

    /** Offset of the task records. */
    public static long taskTableOffset() {
        return HEADER_LENGTH;
    }

    /** Offset of the destination records of a table of {@code tasks} tasks. */
    public static long destinationOffset(int tasks) {
        return HEADER_LENGTH + (long) tasks * TASK_LENGTH;
    }

    /** Offset of the tile-offset prefix of a table of {@code tasks} tasks and {@code destinations} destinations. */
    public static long tileOffsetsOffset(int tasks, int destinations) {
        return destinationOffset(tasks) + (long) destinations * DESTINATION_LENGTH;
    }

    /** Offset of the channel ranges: after the {@code tasks + 1} tile offsets, rounded up to 8. */
    public static long channelOffset(int tasks, int destinations) {
        long prefixEnd = tileOffsetsOffset(tasks, destinations) + 4L * (tasks + 1);
        return (prefixEnd + 7) & ~7L;
    }
}
