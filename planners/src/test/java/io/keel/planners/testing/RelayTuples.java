package io.keel.planners.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

import io.keel.planners.relay.RelayPlan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Transfers as comparable tuples (expert, source, source offset, target, target offset, bytes),
 * so a test can check what a relay plan delivers against what was requested, not against the
 * plan itself (a request's own tuples come from {@code RelayChecks.requested}, which reads its
 * package-private arrays). Shared with the streaming and property tests through this module's test-jar.
 */
public final class RelayTuples {
    /** Tuples in lexicographic order. */
    public static final Comparator<List<Long>> ORDER = (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
            int c = Long.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    };

    private RelayTuples() {
    }

    /** One requested or delivered transfer. */
    public static List<Long> transfer(long expert, long source, long sourceOffset, long target, long targetOffset,
                                      long bytes) {
        return List.of(expert, source, sourceOffset, target, targetOffset, bytes);
    }

    /**
     * What the plan delivers, one tuple per target, sorted: every target of a tree receives the
     * tree expert's whole state as it lies at the source's offset (a forwarder passes on what it
     * received, chunk by chunk, so what lands is still the source's bytes), whoever its parent is.
     */
    public static List<List<Long>> delivered(RelayPlan plan) {
        List<List<Long>> out = new ArrayList<>();
        for (int t = 0; t < plan.treeCount(); t++) {
            for (int j = 0; j < plan.targetCount(t); j++) {
                out.add(transfer(plan.expert(t), plan.source(t), plan.sourceOffset(t), plan.target(t, j),
                        plan.targetOffset(t, j), plan.stateBytes()));
            }
        }
        out.sort(ORDER);
        return out;
    }

    /**
     * Asserts that executing the transfers turned {@code before} (each rank's buffer) into
     * {@code after} as {@code requested} says: every requested target region holds the bytes at
     * its source's offset, as they were before, and every other byte is as it was.
     */
    public static void assertDelivered(List<List<Long>> requested, byte[][] before, byte[][] after) {
        BitSet[] written = new BitSet[after.length];
        for (int r = 0; r < after.length; r++) {
            written[r] = new BitSet();
        }
        for (List<Long> x : requested) {
            int from = Math.toIntExact(x.get(2));
            int to = Math.toIntExact(x.get(3));
            int at = Math.toIntExact(x.get(4));
            int bytes = Math.toIntExact(x.get(5));
            assertArrayEquals(Arrays.copyOfRange(before[Math.toIntExact(x.get(1))], from, from + bytes),
                    Arrays.copyOfRange(after[to], at, at + bytes), "expert " + x.get(0) + " on rank " + to);
            written[to].set(at, at + bytes);
        }
        for (int r = 0; r < after.length; r++) {
            for (int i = written[r].nextClearBit(0); i < after[r].length; i = written[r].nextClearBit(i + 1)) {
                assertEquals(before[r][i], after[r][i], "rank " + r + " byte " + i + " written outside every request");
            }
        }
    }
}
