package io.keel.core;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnionFindTest {
    @Test
    void classesSizesAndDenseIds() {
        UnionFind uf = new UnionFind(7);
        assertTrue(uf.union(5, 6));
        assertTrue(uf.union(1, 5));
        assertFalse(uf.union(6, 1));
        assertTrue(uf.union(0, 3));
        assertEquals(4, uf.classCount());
        assertEquals(3, uf.classSize(6));
        assertTrue(uf.connected(1, 6));
        assertFalse(uf.connected(0, 1));
        int[] ids = new int[7];
        assertEquals(4, uf.classIds(ids));
        assertArrayEquals(new int[] {0, 1, 2, 0, 3, 1, 1}, ids);
    }

    @Test
    void resetToFewerElements() {
        UnionFind uf = new UnionFind(5);
        uf.union(0, 4);
        uf.reset(3);
        assertEquals(3, uf.classCount());
        assertEquals(1, uf.classSize(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> uf.find(3));
        assertTrue(e.getMessage().contains("x must be in [0, 3), was 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> uf.reset(6));
        assertThrows(IllegalArgumentException.class, () -> uf.classIds(new int[2]));
        assertEquals(3, uf.size());
    }

    @Test
    void deterministicRootOnEqualSizes() {
        UnionFind a = new UnionFind(4);
        a.union(3, 2);
        assertEquals(2, a.find(3));
    }

    @Test
    void noAllocation() {
        int n = 1024;
        UnionFind uf = new UnionFind(n);
        int[] ids = new int[n];
        AllocationProbe.assertZeroAllocation("UnionFind", () -> {
            uf.reset(n);
            for (int i = 0; i < n; i++) {
                uf.union(i, (i * 31) % n);
            }
            uf.classIds(ids);
        }, 2000);
    }
}
