package io.keel.vector;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public facade: validation, quantization, normalisation, zero allocation. */
class VectorMathTest {
    @Test
    void nanAndInfinityAreRejectedNamingTheElement() {
        float[] a = new float[207];
        float[] b = new float[207];
        java.util.Arrays.fill(a, 0.5f);
        java.util.Arrays.fill(b, 0.25f);
        a[113] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorMath.dot(a, b));
        assertTrue(e.getMessage().contains("a[113]") && e.getMessage().contains("NaN"), e.getMessage());
        a[113] = 0.5f;
        b[206] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.cosine(a, b));
        assertTrue(e.getMessage().contains("b[206]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.squaredL2(a, b));
        assertTrue(e.getMessage().contains("b[206]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VectorMath.dot(MemorySegment.ofArray(a), 0, MemorySegment.ofArray(b), 0, 207));
        assertTrue(e.getMessage().contains("b[206]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.quantize(b, 0, new byte[207], 0, 207));
        assertTrue(e.getMessage().contains("src[206]"), e.getMessage());
        b[206] = 0.25f;
        float[] big = new float[16];
        java.util.Arrays.fill(big, 1e30f);
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.dot(big, big));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
    }

    @Test
    void lengthMismatchesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VectorMath.dot(new float[3], new float[4]));
        assertTrue(e.getMessage().contains("b length must be 3, was 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.dot(new float[8], 2, new float[8], 0, 7));
        assertTrue(e.getMessage().contains("a: range [2, 9)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.dotInt8(new byte[8], 0, new byte[8], -1, 2));
        assertTrue(e.getMessage().startsWith("b:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VectorMath.cosine(MemorySegment.ofArray(new float[4]), 4, MemorySegment.ofArray(new float[4]), 0, 4));
        assertTrue(e.getMessage().contains("a: byte range [4, 20)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VectorMath.dot(new float[8], 0, new float[8], 0, -1));
    }

    @Test
    void quantizationFollowsItsRoundingRuleAndErrorBound() {
        SplittableRandom r = new SplittableRandom(9);
        for (int n : VectorSupportContractTest.SIZES) {
            float[] x = VectorSupportContractTest.random(r, n + 2);
            byte[] q = new byte[n + 1];
            float scale = VectorMath.quantize(x, 2, q, 1, n);
            float[] back = new float[n];
            VectorMath.dequantize(q, 1, scale, back, 0, n);
            float maxAbs = 0;
            for (int i = 0; i < n; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(x[2 + i]));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(Math.rint(x[2 + i] * 127.0 / maxAbs), q[1 + i], 0.0);
                assertTrue(Math.abs(x[2 + i] - back[i]) <= 0.5 * scale + 1e-6 * maxAbs, "n=" + n + " i=" + i);
            }
        }
        float[] a = VectorSupportContractTest.random(r, 384);
        float[] b = VectorSupportContractTest.random(r, 384);
        byte[] qa = new byte[384];
        byte[] qb = new byte[384];
        float sa = VectorMath.quantize(a, 0, qa, 0, 384);
        float sb = VectorMath.quantize(b, 0, qb, 0, 384);
        // Each code is off by at most half a step: the estimate is off by at most the sum of the cross terms.
        double bound = 0;
        for (int i = 0; i < 384; i++) {
            bound += 0.5 * sa * Math.abs(b[i]) + 0.5 * sb * Math.abs(a[i]) + 0.25 * sa * sb;
        }
        assertEquals(VectorMath.dot(a, b), VectorMath.dotInt8(qa, 0, sa, qb, 0, sb, 384), bound + 1e-4);
        byte[] q = {5, 5};
        assertEquals(0f, VectorMath.quantize(new float[2], 0, q, 0, 2));
        assertArrayEquals(new byte[2], q);
        // Half rounds to even: 0.5 * 127 / 127 -> 63.5 -> 64; 1.5 / 127 * 127 ... exact halves:
        byte[] h = new byte[3];
        VectorMath.quantize(new float[] {127f, 0.5f, 1.5f}, 0, h, 0, 3);
        assertArrayEquals(new byte[] {127, 0, 2}, h);
        // Exact halves whose 127 / maxAbs is inexact in double: 11.5 * 127 / 23 = 63.5 -> 64.
        VectorMath.quantize(new float[] {23f, 11.5f, -11.5f}, 0, h, 0, 3);
        assertArrayEquals(new byte[] {127, 64, -64}, h);
    }

    @Test
    void normalizeGivesUnitNormAndRejectsZero() {
        float[] v = {3f, 4f, 0f};
        assertEquals(5f, VectorMath.normalize(v, 0, 2));
        assertEquals(0.6f, v[0], 1e-7);
        assertEquals(0.8f, v[1], 1e-7);
        float[] z = new float[5];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorMath.normalize(z, 0, 5));
        assertTrue(e.getMessage().contains("zero vector"), e.getMessage());
        float[] bad = {1f, Float.NaN};
        assertThrows(IllegalArgumentException.class, () -> VectorMath.normalize(bad, 0, 2));
        assertEquals(1f, bad[0]);
    }

    @Test
    void facadeAllocatesNothing() {
        SplittableRandom r = new SplittableRandom(2);
        float[] a = VectorSupportContractTest.random(r, 1024);
        float[] b = VectorSupportContractTest.random(r, 1024);
        byte[] qa = new byte[1024];
        byte[] qb = new byte[1024];
        float[] sink = new float[1];
        VectorMath.quantize(b, 0, qb, 0, 1024);
        MemorySegment sa = MemorySegment.ofArray(a);
        MemorySegment sb = MemorySegment.ofArray(b);
        AllocationProbe.assertZeroAllocation("VectorMath", () -> {
            sink[0] += VectorMath.dot(a, b) + VectorMath.cosine(a, 1, b, 0, 1023) + VectorMath.squaredL2(a, b)
                    + VectorMath.dot(sa, 0, sb, 0, 1024) + VectorMath.quantize(a, 0, qa, 0, 1024)
                    + VectorMath.dotInt8(qa, qb);
        });
        assertTrue(Float.isFinite(sink[0]));
    }
}
