package io.keel.vector;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inputs the docs call valid at the edges of the float range, the int8 overflow bound, and the
 * null rule (a null argument throws NullPointerException whose message is its name).
 */
class VectorEdgeCasesTest {
    static float[] filled(int n, float x) {
        float[] v = new float[n];
        Arrays.fill(v, x);
        return v;
    }

    @Test
    void cosineOfTinyAndHugeVectors() {
        for (float x : new float[] {1e-25f, 1e-40f, Float.MIN_VALUE, 1e20f, 3e38f}) {
            for (int n : new int[] {1, 7, 16, 384}) {
                float[] a = filled(n, x);
                float[] b = filled(n, x);
                assertEquals(1f, VectorMath.cosine(a, b), 1e-6f, x + " x " + n);
                b[0] = -x;
                double expected = (n - 2) / (double) n;
                assertEquals(expected, VectorMath.cosine(a, b), 1e-6, x + " x " + n + " one sign flipped");
                assertEquals(expected, VectorMath.cosine(MemorySegment.ofArray(a), 0, MemorySegment.ofArray(b), 0, n),
                        1e-6, "segment " + x);
            }
        }
        assertEquals(0f, VectorMath.cosine(new float[4], filled(4, 1e-30f)));
    }

    @Test
    void normalizeTinyAndHugeVectors() {
        for (float x : new float[] {1e-25f, 1e-40f, Float.MIN_VALUE, 1e20f, 1e38f}) {
            float[] v = filled(4, x);
            float norm = VectorMath.normalize(v, 0, 4);
            assertEquals(2.0 * x, norm, 1e-6 * 2.0 * x, "norm of " + x);
            for (float e : v) {
                assertEquals(0.5f, e, 1e-6f, "element of " + x);
            }
        }
        float[] max = filled(4, Float.MAX_VALUE);
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.normalize(max, 0, 4), "a norm past the float range");
        assertEquals(0.5f, max[0], 1e-6f);
    }

    @Test
    void zeroAndNonFiniteVectorsAreRejectedByArgumentName() {
        float[] zero = new float[8];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VectorMath.normalize(zero, 0, 8));
        assertTrue(e.getMessage().startsWith("v: "), e.getMessage());
        float[] nan = filled(8, 1e-30f);
        nan[5] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.normalize(nan, 0, 8));
        assertTrue(e.getMessage().startsWith("v"), e.getMessage());
        assertEquals(1e-30f, nan[0], "untouched");
        e = assertThrows(IllegalArgumentException.class, () -> VectorMath.cosine(filled(8, 1f), nan));
        assertTrue(e.getMessage().startsWith("b"), e.getMessage());
    }

    @Test
    void robustPathsAllocateNothing() {
        float[] a = filled(384, 1e-25f);
        float[] b = filled(384, 1e20f);
        float[] sink = new float[1];
        AllocationProbe.assertZeroAllocation("cosine of tiny and huge", () -> sink[0] += VectorMath.cosine(a, b));
        AllocationProbe.assertZeroAllocation("normalize tiny", () -> {
            Arrays.fill(a, 1e-25f);
            sink[0] += VectorMath.normalize(a, 0, 384);
        });
        assertTrue(Float.isFinite(sink[0]));
    }

    @Test
    void int8DotNeverOverflows() {
        int max = VectorMath.MAX_INT8_DIM;
        assertEquals(131_071, max);
        byte[] a = new byte[max + 1];
        Arrays.fill(a, (byte) -128);
        assertEquals(max * 16384, VectorMath.dotInt8(a, 0, a, 0, max));
        assertTrue(max * 16384L <= Integer.MAX_VALUE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorMath.dotInt8(a, a));
        assertTrue(e.getMessage().startsWith("dim"), e.getMessage());
        MemorySegment s = MemorySegment.ofArray(a);
        assertThrows(IllegalArgumentException.class, () -> VectorMath.dotInt8(s, 0, s, 0, max + 1));
        assertEquals(max * 16384, VectorMath.dotInt8(s, 0, s, 0, max));
    }

    @Test
    void nullArgumentsThrowNullPointerExceptionNamingThem() {
        float[] v = new float[4];
        npe("a", () -> VectorMath.dot(null, v));
        npe("b", () -> VectorMath.dot(v, null));
        npe("a", () -> VectorMath.dot(null, 0, v, 0, 4));
        npe("b", () -> VectorMath.cosine(v, 0, null, 0, 4));
        npe("a", () -> VectorMath.squaredL2((MemorySegment) null, 0, MemorySegment.ofArray(v), 0, 4));
        npe("b", () -> VectorMath.dotInt8(new byte[4], 0, null, 0, 4));
        npe("src", () -> VectorMath.quantize(null, 0, new byte[4], 0, 4));
        npe("dst", () -> VectorMath.quantize(v, 0, null, 0, 4));
        npe("v", () -> VectorMath.normalize(null, 0, 4));
        RowScanner s = new RowScanner(4, 2, 2);
        npe("sim", () -> s.scan(null, v, 0, v, 0, 1, 4, 1));
        npe("query", () -> s.scan(Similarity.DOT_PRODUCT, null, 0, v, 0, 1, 4, 1));
        npe("rows", () -> s.scan(Similarity.DOT_PRODUCT, v, 0, null, 0, 1, 4, 1));
        npe("query", () -> s.scan(Similarity.DOT_PRODUCT, null, 0, MemorySegment.ofArray(v), 0, 1, 4, 1));
        npe("codes", () -> s.scanInt8(v, 0, null, new float[1], v, 1, 4, 1, 1));
        npe("scales", () -> s.scanInt8(v, 0, new byte[4], null, v, 1, 4, 1, 1));
        npe("out", () -> s.hits().copyIds(null));
    }

    private static void npe(String name, org.junit.jupiter.api.function.Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(name, e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }

    @Test
    void scaledInt8DotsAreComputedInDoubleAndRefusedPastTheFloatRange() {
        assertEquals(0f, VectorMath.dotInt8(new byte[] {0}, 0, 1e30f, new byte[] {5}, 0, 1e30f, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VectorMath.dotInt8(new byte[] {1}, 0, 1e30f, new byte[] {5}, 0, 1e30f, 1));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
        // The scales' product rounds once, in double: no float underflow in between.
        assertEquals((float) ((double) 1e-30f * 1e-10f * 10),
                VectorMath.dotInt8(new byte[] {2}, 0, 1e-30f, new byte[] {5}, 0, 1e-10f, 1));
    }

    @Test
    void subnormalOnlyVectorsQuantiseAsZeroAndInt8ScansCheckScalesAndQuery() {
        byte[] codes = new byte[2];
        assertEquals(0f, VectorMath.quantize(new float[] {Float.MIN_VALUE, -Float.MIN_VALUE}, 0, codes, 0, 2));
        assertEquals(0, codes[0]);
        assertEquals(0, codes[1]);
        RowScanner scanner = new RowScanner(4, 2, 4);
        float[] rows = {1, 0, 0, 1};
        byte[] rowCodes = new byte[4];
        float[] scales = {VectorMath.quantize(rows, 0, rowCodes, 0, 2), VectorMath.quantize(rows, 2, rowCodes, 2, 2)};
        scales[1] = -1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> scanner.scanInt8(new float[] {1, 0}, 0, rowCodes, scales, rows, 2, 2, 1, 2));
        assertTrue(e.getMessage().startsWith("scales[1]"), e.getMessage());
        scales[1] = scales[0];
        e = assertThrows(IllegalArgumentException.class,
                () -> scanner.scanInt8(new float[] {Float.NaN, 0}, 0, rowCodes, scales, rows, 2, 2, 1, 2));
        assertTrue(e.getMessage().startsWith("query[0]"), e.getMessage());
    }
}
