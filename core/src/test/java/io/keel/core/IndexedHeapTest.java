package io.keel.core;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndexedHeapTest {
    @Test
    void minOrderWithUpdatesBothWays() {
        IndexedHeap h = new IndexedHeap(8, IndexedHeap.Order.MIN);
        h.insert(3, 30);
        h.insert(5, 10);
        h.insert(1, 20);
        assertEquals(5, h.peek());
        h.update(5, 40); // key up
        assertEquals(1, h.peek());
        h.update(3, 5); // key down
        assertEquals(3, h.poll());
        assertEquals(1, h.poll());
        assertEquals(5, h.poll());
        assertEquals(-1, h.poll());
        assertTrue(h.isEmpty());
    }

    @Test
    void maxOrderTiesByLowerIdAndRemoveAnywhere() {
        IndexedHeap h = new IndexedHeap(10, IndexedHeap.Order.MAX);
        for (int id : new int[] {7, 2, 9, 4}) {
            h.insert(id, 100);
        }
        h.insert(0, 50);
        assertTrue(h.remove(2));
        assertFalse(h.remove(2));
        assertFalse(h.contains(2));
        assertEquals(4, h.poll());
        assertEquals(7, h.poll());
        assertEquals(9, h.poll());
        assertEquals(0, h.peek());
        assertEquals(50, h.key(0));
    }

    @Test
    void doubleKeysIncludingNegatives() {
        IndexedHeap h = new IndexedHeap(4, IndexedHeap.Order.MIN);
        h.insertDouble(0, 1.5);
        h.insertDouble(1, -2.5);
        h.insertDouble(2, 0.0);
        h.updateDouble(3, -0.0); // update of an absent id inserts it
        assertEquals(1, h.poll());
        assertEquals(3, h.poll());
        assertEquals(2, h.poll());
        assertEquals(1.5, h.keyDouble(0));
    }

    @Test
    void clearAndReuse() {
        IndexedHeap h = new IndexedHeap(3, IndexedHeap.Order.MIN);
        h.insert(0, 1);
        h.insert(2, 0);
        h.clear();
        assertEquals(0, h.size());
        assertFalse(h.contains(0));
        h.insert(0, 4);
        assertEquals(0, h.peek());
    }

    @Test
    void badInputLeavesHeapIntact() {
        IndexedHeap h = new IndexedHeap(3, IndexedHeap.Order.MIN);
        h.insert(1, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.insert(3, 1));
        assertTrue(e.getMessage().contains("id must be in [0, 3), was 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> h.insert(1, 1));
        assertTrue(e.getMessage().contains("already"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> h.insertDouble(0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> h.remove(-1));
        assertThrows(NullPointerException.class, () -> new IndexedHeap(2, null));
        assertEquals(1, h.size());
        assertEquals(1, h.peek());
        assertEquals(5, h.key(1));
    }

    @Test
    void operationsDoNotAllocate() {
        int n = 512;
        IndexedHeap h = new IndexedHeap(n, IndexedHeap.Order.MAX);
        AllocationProbe.assertZeroAllocation("IndexedHeap ops", () -> {
            for (int i = 0; i < n; i++) {
                h.insert(i, (i * 7919L) % 1000);
            }
            for (int i = 0; i < n; i += 3) {
                h.updateDouble(i, i * 0.5);
            }
            h.remove(n / 2);
            while (h.poll() >= 0) {
                // drain
            }
        }, 2000);
    }
}
