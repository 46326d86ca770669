package io.keel.core;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BitSetsTest {
    @Test
    void fixedBitSetBasics() {
        FixedBitSet s = new FixedBitSet(130);
        s.set(0);
        s.set(64);
        s.set(129);
        assertTrue(s.get(64));
        assertEquals(3, s.cardinality());
        assertEquals(64, s.nextSetBit(1));
        assertEquals(129, s.nextSetBit(65));
        assertEquals(-1, s.nextSetBit(130));
        assertTrue(s.getAndSet(5));
        assertFalse(s.getAndSet(5));
        s.clear(0);
        assertEquals(5, s.nextSetBit(0));
        FixedBitSet t = new FixedBitSet(130);
        t.set(129);
        assertTrue(s.intersects(t));
        s.andNot(t);
        assertFalse(s.intersects(t));
        s.or(t);
        s.and(t);
        assertEquals(1, s.cardinality());
        s.clearAll();
        assertEquals(0, s.cardinality());
    }

    @Test
    void fixedBitSetBadInput() {
        FixedBitSet s = new FixedBitSet(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.set(10));
        assertTrue(e.getMessage().contains("bit must be in [0, 10), was 10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.or(new FixedBitSet(11)));
        assertThrows(IllegalArgumentException.class, () -> new FixedBitSet(-1));
    }

    @Test
    void mask128() {
        Mask128Array m = new Mask128Array(3);
        m.set(1, 0);
        m.set(1, 63);
        m.set(1, 64);
        m.set(1, 127);
        assertEquals(4, m.cardinality(1));
        assertEquals(0, m.cardinality(0));
        assertEquals(63, m.nextSetBit(1, 1));
        assertEquals(64, m.nextSetBit(1, 64));
        assertEquals(127, m.nextSetBit(1, 65));
        assertEquals(-1, m.nextSetBit(2, 0));
        assertEquals(Long.MIN_VALUE | 1L, m.low(1));
        assertEquals(Long.MIN_VALUE | 1L, m.high(1));
        m.clear(1, 127);
        assertFalse(m.get(1, 127));
        m.clearItem(1);
        assertEquals(0, m.cardinality(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.set(0, 128));
        assertTrue(e.getMessage().contains("bit must be in [0, 128), was 128"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.get(3, 0));
    }

    @Test
    void noAllocation() {
        FixedBitSet s = new FixedBitSet(1000);
        Mask128Array m = new Mask128Array(256);
        AllocationProbe.assertZeroAllocation("bit sets", () -> {
            for (int i = 0; i < 1000; i += 7) {
                s.set(i);
            }
            int c = 0;
            for (int b = s.nextSetBit(0); b >= 0; b = s.nextSetBit(b + 1)) {
                c++;
                m.set(b & 255, b & 127);
            }
            if (c != s.cardinality() || m.cardinality(7) < 0) {
                throw new AssertionError();
            }
            s.clearAll();
            m.clearAll();
        });
    }

    @Test
    void aNegativeStartAndMaskArraysTooLargeForOneArrayAreRefused() {
        FixedBitSet b = new FixedBitSet(70);
        b.set(69);
        assertThrows(IllegalArgumentException.class, () -> b.nextSetBit(-5));
        assertEquals(69, b.nextSetBit(0));
        Mask128Array m = new Mask128Array(1);
        assertThrows(IllegalArgumentException.class, () -> m.nextSetBit(0, -3));
        assertThrows(IllegalArgumentException.class, () -> new Mask128Array(1 << 30));
        assertThrows(IllegalArgumentException.class, () -> new Mask128Array(Integer.MAX_VALUE));
    }
}
