package io.keel.streaming;

import java.lang.foreign.MemorySegment;

import io.keel.core.Checks;

import static io.keel.streaming.TileTaskDescriptor.CHANNEL_BYTES_OFFSET;
import static io.keel.streaming.TileTaskDescriptor.CHANNEL_END_TILE_OFFSET;
import static io.keel.streaming.TileTaskDescriptor.CHANNEL_FIRST_TILE_OFFSET;
import static io.keel.streaming.TileTaskDescriptor.CHANNEL_LENGTH;
import static io.keel.streaming.TileTaskDescriptor.INT;
import static io.keel.streaming.TileTaskDescriptor.LONG;

/**
 * The result of one {@link TileStreamPacker#pack} call: a view over the packer's off-heap task
 * table (layout in {@link TileTaskDescriptor}), valid until the packer's next successful call or
 * its {@code close()}.
 *
 * <p>Threading: read it on the packer's thread; hand {@link #segment()} to a copy (DMA) engine
 * before the next call. Allocation: none.
 */
public final class TileStream {
    private final MemorySegment segment;
    long tileOffsetsOffset;
    long channelOffset;
    int tasks;
    int tiles;
    int stageTwoTasks;
    int destinations;
    int flagSlots;
    int channels;
    long totalBytes;
    long maxChannelBytes;

    TileStream(MemorySegment segment) {
        this.segment = segment;
        this.tileOffsetsOffset = TileTaskDescriptor.tileOffsetsOffset(0, 0);
        this.channelOffset = TileTaskDescriptor.channelOffset(0, 0);
    }

    /** The whole table segment; its first {@link #byteSize()} bytes are this call's table. */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Bytes of the segment a copy to the device needs: the regions sit back to back for this
     * call's counts, up to the end of the channel ranges, and every one of these bytes is written
     * by the call (equal plans give equal bytes, whatever was packed before).
     */
    public long byteSize() {
        return channelOffset + (long) channels * CHANNEL_LENGTH;
    }

    /** Task records. */
    public int taskCount() {
        return tasks;
    }

    /** Tiles over all tasks. */
    public int tileCount() {
        return tiles;
    }

    /** Tasks a forwarding target sends (hop 2 and deeper). */
    public int stageTwoTaskCount() {
        return stageTwoTasks;
    }

    /** Destination records. */
    public int destinationCount() {
        return destinations;
    }

    /** Flag counters the kernel must zero before the launch. */
    public int flagSlotCount() {
        return flagSlots;
    }

    /** Static channel ranges. */
    public int channelCount() {
        return channels;
    }

    /** Bytes written over all tasks and destinations. */
    public long totalBytes() {
        return totalBytes;
    }

    /** The task that holds global tile {@code tile}: binary search over the tile-offset prefix. */
    public int taskOfTile(int tile) {
        Checks.index("tile", tile, tiles);
        int lo = 0;
        int hi = tasks - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segment.get(INT, tileOffsetsOffset + 4L * mid) <= tile) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** First tile of channel {@code c}. */
    public int channelFirstTile(int c) {
        return segment.get(INT, channel(c) + CHANNEL_FIRST_TILE_OFFSET);
    }

    /** End tile (exclusive) of channel {@code c}. */
    public int channelEndTile(int c) {
        return segment.get(INT, channel(c) + CHANNEL_END_TILE_OFFSET);
    }

    /** Bytes channel {@code c}'s tiles write. */
    public long channelBytes(int c) {
        return segment.get(LONG, channel(c) + CHANNEL_BYTES_OFFSET);
    }

    /** Largest channel's bytes over the mean (1 when nothing moves). */
    public double maxChannelBytesOverMean() {
        return totalBytes == 0 ? 1.0 : maxChannelBytes / ((double) totalBytes / channels);
    }

    private long channel(int c) {
        return channelOffset + (long) Checks.index("c", c, channels) * CHANNEL_LENGTH;
    }
}
