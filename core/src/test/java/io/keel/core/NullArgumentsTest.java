package io.keel.core;

import org.junit.jupiter.api.Test;

import static io.keel.core.testing.NullArguments.assertNullNamed;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * keel's null rule on core's public entry points: a null argument throws
 * {@link NullPointerException} whose message is the argument's name.
 */
class NullArgumentsTest {
    @Test
    void sortsAndSelections() {
        ArgSort sort = new ArgSort(8);
        int[] idx = new int[8];
        assertNullNamed("keys", () -> sort.sort((int[]) null, 1, idx, false));
        assertNullNamed("keys", () -> sort.sort((long[]) null, 1, idx, false));
        assertNullNamed("keys", () -> sort.sort((double[]) null, 1, idx, false));
        assertNullNamed("index", () -> sort.sort(new int[1], 1, null, false));
        assertNullNamed("index", () -> sort.sort(new long[1], 1, null, false));
        assertNullNamed("index", () -> sort.sort(new double[1], 1, null, true));
        TopK top = TopK.largest(4);
        int[] out = new int[4];
        assertNullNamed("scores", () -> top.select((double[]) null, 1, 1, out));
        assertNullNamed("scores", () -> top.select((float[]) null, 1, 1, out));
        assertNullNamed("scores", () -> top.select((long[]) null, 1, 1, out));
        assertNullNamed("scores", () -> top.select((int[]) null, 1, 1, out));
        assertNullNamed("out", () -> top.select(new double[1], 1, 1, null));
        assertNullNamed("out", () -> top.select(new float[1], 1, 1, null));
        assertNullNamed("out", () -> top.select(new long[1], 1, 1, null));
        assertNullNamed("out", () -> top.select(new int[1], 1, 1, null));
        assertNullNamed("outIds", () -> top.drain(null, new double[4]));
        assertNullNamed("outIds", () -> top.drainLong(null, new long[4]));
        assertNullNamed("outScores", () -> top.drainLong(out, null));
        assertEquals(0, top.drain(out, null), "outScores is optional for drain");
    }

    @Test
    void structures() {
        assertNullNamed("order", () -> new IndexedHeap(4, null));
        FixedBitSet bits = new FixedBitSet(64);
        assertNullNamed("other", () -> bits.or(null));
        assertNullNamed("other", () -> bits.and(null));
        assertNullNamed("other", () -> bits.andNot(null));
        assertNullNamed("other", () -> bits.intersects(null));
        UnionFind uf = new UnionFind(4);
        uf.reset(4);
        assertNullNamed("out", () -> uf.classIds(null));
    }

    @Test
    void prefixSumsAndChecks() {
        assertNullNamed("values", () -> PrefixSums.exclusive((int[]) null, 1, new int[2]));
        assertNullNamed("values", () -> PrefixSums.exclusive((long[]) null, 1, new long[2]));
        assertNullNamed("out", () -> PrefixSums.exclusive(new int[1], 1, null));
        assertNullNamed("out", () -> PrefixSums.exclusive(new long[1], 1, null));
        assertNullNamed("prefix", () -> PrefixSums.segmentOf((int[]) null, 1, 0));
        assertNullNamed("prefix", () -> PrefixSums.segmentOf((long[]) null, 1, 0L));
        assertNullNamed("x", () -> Checks.notNull("x", null));
        assertNullNamed("v", () -> Checks.finite("v", (float[]) null, 0, 1));
        assertNullNamed("v", () -> Checks.finite("v", (double[]) null, 0, 1));
    }
}
