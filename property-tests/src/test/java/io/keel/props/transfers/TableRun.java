package io.keel.props.transfers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Executes a tile-stream table the way a persistent copy kernel would, from the byte offsets the
 * layout's javadoc gives (numbers, not the descriptor's constants): lanes claim tiles from a global
 * counter (or walk the static channel ranges), picked at random; a tile of a task with a wait flag
 * runs only once that chunk's flag is complete; a landed tile bumps its destinations' ready flags.
 * A tile may only read bytes that are already there; no lane able to move is a deadlock.
 */
final class TableRun {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TableRun() {
    }

    static void execute(MemorySegment m, byte[][] buffers, BitSet[] landed, int lanes, boolean channels,
                        SplittableRandom rnd) {
        int tasks = m.get(I, 8);
        int tiles = m.get(I, 12);
        int tileBytes = m.get(I, 16);
        int perChunk = m.get(I, 20);
        int[] flags = new int[m.get(I, 28)];
        long taskBase = m.get(L, 40);
        long destBase = m.get(L, 48);
        long prefix = m.get(L, 56);
        long channelBase = m.get(L, 64);
        int[] taskOf = new int[tiles];
        for (int t = 0; t < tasks; t++) {
            for (int g = m.get(I, prefix + 4L * t); g < m.get(I, prefix + 4L * (t + 1)); g++) {
                taskOf[g] = t;
            }
        }
        int[] next = new int[lanes];
        int[] end = new int[lanes];
        for (int c = 0; c < lanes; c++) {
            next[c] = channels ? m.get(I, channelBase + 16L * c) : 0;
            end[c] = channels ? m.get(I, channelBase + 16L * c + 4) : tiles;
        }
        int counter = 0;
        int[] held = new int[lanes];
        java.util.Arrays.fill(held, -1);
        int done = 0;
        int idle = 0;
        while (done < tiles) {
            int w = rnd.nextInt(lanes);
            if (held[w] < 0) {
                if (channels && next[w] < end[w]) {
                    held[w] = next[w]++;
                } else if (!channels && counter < tiles) {
                    held[w] = counter++;
                }
                if (held[w] < 0 && ++idle > 100_000) {
                    fail("lanes idle with tiles left");
                }
                continue;
            }
            int g = held[w];
            int t = taskOf[g];
            long at = taskBase + 48L * t;
            int local = g - m.get(I, prefix + 4L * t);
            int chunk = local / perChunk;
            long bytes = m.get(L, at + 16);
            int taskTiles = m.get(I, at + 40);
            int wait = m.get(I, at + 28);
            if (wait >= 0 && flags[wait + chunk] != Math.min(perChunk, taskTiles - chunk * perChunk)) {
                if (++idle > 100_000) {
                    fail("deadlock at tile " + g + " (task " + t + ", stage " + m.get(I, at + 32) + ")");
                }
                continue;
            }
            idle = 0;
            int src = m.get(I, at);
            long off = (long) local * tileBytes;
            int len = (int) Math.min(tileBytes, bytes - off);
            int from = (int) (m.get(L, at + 8) + off);
            assertTrue(landed[src].nextClearBit(from) >= from + len, "tile " + g + " reads rank " + src
                    + "'s bytes before they landed");
            int first = m.get(I, at + 24);
            for (int d = first; d < first + m.get(I, at + 4); d++) {
                int rank = m.get(I, destBase + 16L * d);
                int ready = m.get(I, destBase + 16L * d + 4);
                int to = (int) (m.get(L, destBase + 16L * d + 8) + off);
                System.arraycopy(buffers[src], from, buffers[rank], to, len);
                landed[rank].set(to, to + len);
                if (ready >= 0) {
                    flags[ready + chunk]++;
                }
            }
            held[w] = -1;
            done++;
        }
    }
}
