package io.keel.streaming;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An independent reader of the task table: it decodes the segment from the byte offsets written
 * in {@link TileTaskDescriptor}'s javadoc (numbers, not the class's constants) and executes the
 * tiles against per-rank byte arrays the way a copy kernel would.
 */
final class TileTableReader {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemorySegment seg;
    final int tasks;
    final int tiles;
    final int tileBytes;
    final int tilesPerChunk;
    final int dests;
    final int flagSlots;
    final int channels;
    final long taskBase;
    final long destBase;
    final long prefixBase;
    final long channelBase;
    final long totalBytes;

    TileTableReader(MemorySegment seg) {
        this.seg = seg;
        assertEquals(0x3153544B, seg.get(I, 0), "magic");
        assertEquals(2, seg.get(I, 4), "version");
        tasks = seg.get(I, 8);
        tiles = seg.get(I, 12);
        tileBytes = seg.get(I, 16);
        tilesPerChunk = seg.get(I, 20);
        dests = seg.get(I, 24);
        flagSlots = seg.get(I, 28);
        channels = seg.get(I, 32);
        taskBase = seg.get(L, 40);
        destBase = seg.get(L, 48);
        prefixBase = seg.get(L, 56);
        channelBase = seg.get(L, 64);
        totalBytes = seg.get(L, 72);
        assertEquals(96, taskBase);
        assertTrue(destBase % 8 == 0 && prefixBase % 8 == 0 && channelBase % 8 == 0);
        // Version 2: the regions sit back to back for the table's own counts.
        assertEquals(96 + 48L * tasks, destBase, "destinations right after the tasks");
        assertEquals(destBase + 16L * dests, prefixBase, "tile offsets right after the destinations");
        assertEquals((prefixBase + 4L * (tasks + 1) + 7) / 8 * 8, channelBase, "channels after the offsets, 8-aligned");
    }

    int source(int t) {
        return seg.get(I, taskBase + 48L * t);
    }

    int destCount(int t) {
        return seg.get(I, taskBase + 48L * t + 4);
    }

    long sourceOffset(int t) {
        return seg.get(L, taskBase + 48L * t + 8);
    }

    long byteCount(int t) {
        return seg.get(L, taskBase + 48L * t + 16);
    }

    int firstDest(int t) {
        return seg.get(I, taskBase + 48L * t + 24);
    }

    int waitSlot(int t) {
        return seg.get(I, taskBase + 48L * t + 28);
    }

    int stage(int t) {
        return seg.get(I, taskBase + 48L * t + 32);
    }

    int expert(int t) {
        return seg.get(I, taskBase + 48L * t + 36);
    }

    int taskTiles(int t) {
        return seg.get(I, taskBase + 48L * t + 40);
    }

    int destRank(int d) {
        return seg.get(I, destBase + 16L * d);
    }

    int destReady(int d) {
        return seg.get(I, destBase + 16L * d + 4);
    }

    long destOffset(int d) {
        return seg.get(L, destBase + 16L * d + 8);
    }

    int prefix(int t) {
        return seg.get(I, prefixBase + 4L * t);
    }

    int channelFirst(int c) {
        return seg.get(I, channelBase + 16L * c);
    }

    int channelEnd(int c) {
        return seg.get(I, channelBase + 16L * c + 4);
    }

    long channelBytes(int c) {
        return seg.get(L, channelBase + 16L * c + 8);
    }

    /** Task of global tile g by binary search over the prefix. */
    int taskOf(int g) {
        int lo = 0;
        int hi = tasks - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (prefix(mid) <= g) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Checks the table's own consistency: prefix, tile counts, destination ranges, totals. */
    void checkStructure() {
        assertEquals(0, prefix(0));
        long total = 0;
        int nextDest = 0;
        for (int t = 0; t < tasks; t++) {
            long bytes = byteCount(t);
            assertTrue(bytes > 0);
            assertEquals((bytes + tileBytes - 1) / tileBytes, taskTiles(t));
            assertEquals(prefix(t) + taskTiles(t), prefix(t + 1));
            assertEquals(nextDest, firstDest(t), "destinations consecutive");
            assertTrue(destCount(t) >= 1);
            nextDest += destCount(t);
            total += bytes * destCount(t);
            assertTrue(stage(t) == 1 ? waitSlot(t) == -1 : waitSlot(t) >= 0);
            assertEquals(0, seg.get(I, taskBase + 48L * t + 44), "reserved");
        }
        assertEquals(dests, nextDest);
        assertEquals(tiles, prefix(tasks));
        assertEquals(totalBytes, total);
        long sum = 0;
        int expect = 0;
        for (int c = 0; c < channels; c++) {
            assertEquals(expect, channelFirst(c), "channels contiguous");
            assertTrue(channelEnd(c) >= channelFirst(c));
            expect = channelEnd(c);
            long bytes = 0;
            for (int g = channelFirst(c); g < channelEnd(c); g++) {
                bytes += tileLength(g) * (long) destCount(taskOf(g));
            }
            assertEquals(bytes, channelBytes(c), "channel " + c + " bytes");
            sum += bytes;
        }
        assertEquals(tiles, expect);
        assertEquals(totalBytes, sum);
    }

    int tileLength(int g) {
        int t = taskOf(g);
        long first = (long) (g - prefix(t)) * tileBytes;
        return (int) Math.min(tileBytes, byteCount(t) - first);
    }

    /**
     * Executes the table against {@code buffers} with {@code workers} lanes claiming from a
     * counter (or one lane per static channel), picked at random, honouring the flag waits.
     * {@code landed[r]} marks the bytes of rank r that hold state (masters, before the call): a
     * tile may only read landed bytes, and marks what it writes. Returns the waits stage-2 tiles sat out.
     */
    long execute(byte[][] buffers, java.util.BitSet[] landed, int workers, boolean staticChannels, SplittableRandom rnd) {
        int[] flags = new int[flagSlots];
        int[] done = new int[tiles];
        int lanes = staticChannels ? channels : workers;
        int[] current = new int[lanes];
        int[] next = new int[lanes];
        java.util.Arrays.fill(current, -1);
        for (int c = 0; c < lanes; c++) {
            next[c] = staticChannels ? channelFirst(c) : 0;
        }
        int counter = 0;
        int executed = 0;
        long waits = 0;
        int stuck = 0;
        while (executed < tiles) {
            int w = rnd.nextInt(lanes);
            if (current[w] < 0) {
                if (staticChannels) {
                    if (next[w] < channelEnd(w)) {
                        current[w] = next[w]++;
                    }
                } else if (counter < tiles) {
                    current[w] = counter++;
                }
                continue;
            }
            int g = current[w];
            int t = taskOf(g);
            int local = g - prefix(t);
            int chunk = local / tilesPerChunk;
            if (waitSlot(t) >= 0) {
                int need = Math.min(tilesPerChunk, taskTiles(t) - chunk * tilesPerChunk);
                if (flags[waitSlot(t) + chunk] != need) {
                    waits++;
                    if (++stuck > 100_000) {
                        fail("deadlock: no lane can make progress at tile " + g);
                    }
                    continue;
                }
            }
            stuck = 0;
            assertEquals(0, done[g]++, "tile " + g + " executed twice");
            int len = tileLength(g);
            long off = (long) local * tileBytes;
            byte[] src = buffers[source(t)];
            int from = (int) (sourceOffset(t) + off);
            int unread = landed[source(t)].nextClearBit(from);
            assertTrue(unread >= from + len, "stage " + stage(t) + " tile " + g + " reads bytes of rank " + source(t)
                    + " at " + unread + " before they landed");
            for (int d = firstDest(t), end = d + destCount(t); d < end; d++) {
                System.arraycopy(src, from, buffers[destRank(d)], (int) (destOffset(d) + off), len);
                landed[destRank(d)].set((int) (destOffset(d) + off), (int) (destOffset(d) + off) + len);
                if (destReady(d) >= 0) {
                    flags[destReady(d) + chunk]++;
                }
            }
            executed++;
            current[w] = -1;
        }
        for (int g = 0; g < tiles; g++) {
            assertEquals(1, done[g], "tile " + g);
        }
        return waits;
    }

    static void assertRegion(byte[] expected, long from, byte[] actual, long at, long len, String what) {
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, (int) from, (int) (from + len)),
                java.util.Arrays.copyOfRange(actual, (int) at, (int) (at + len)), what);
    }
}
