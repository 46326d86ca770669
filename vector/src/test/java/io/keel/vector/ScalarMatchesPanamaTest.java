package io.keel.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import io.keel.vector.internal.VectorSupport;
import io.keel.vector.internal.VectorSupportProvider;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scalar and the Panama kernels against each other, directly. The contract
 * ({@link VectorMath}) lets them differ only by float rounding (summation order), so:
 *
 * <ul>
 *   <li>on inputs whose every partial sum is exact in float (multiples of 1/8 in [-1, 1], all
 *       non-zero; at n = 4097 every sum is a multiple of 1/64 below 2^18), every summation order
 *       gives the exact value, and the two implementations must agree bit for bit (and with the
 *       double reference). Every product is non-zero, so a dropped, doubled or misplaced element
 *       moves the result by at least 1/64;</li>
 *   <li>int8 dots are exact integers in both, on any bytes;</li>
 *   <li>on random floats each stays within {@code gamma(h) sum|a_i b_i|} of the double reference,
 *       h the height of its own documented summation tree (the rounding steps a term passes
 *       through): scalar dot {@code n/2 + 1} (two chains), Panama dot and squared L2
 *       {@code n/16 + 24} (four chains of {@code n / 4L}, three leftover vectors, two chain adds,
 *       {@code log2 L} lane adds and a tail under L, for any L from 4 to 16). At n = 4096 the
 *       Panama bound is about 0.01, not {@link VectorSupportContractTest}'s order-free 0.5, so
 *       there a dropped element fails too unless its product is tiny.</li>
 * </ul>
 *
 * <p>Skipped in the scalar-fallback run, where there is no Panama implementation to compare.
 */
class ScalarMatchesPanamaTest {
    static final int[] SIZES = IntStream.concat(IntStream.rangeClosed(0, 70),
            IntStream.of(127, 128, 129, 207, 255, 256, 257, 702, 1023, 1024, 1025, 4095, 4096, 4097)).toArray();
    static final double U = 0x1p-24;

    private static VectorSupport panama() {
        VectorSupport p = VectorSupportProvider.panama();
        assumeTrue(p != null, "no Panama implementation in this run (scalar fallback)");
        return p;
    }

    /** Non-zero multiples of 1/8 in [-1, 1]: products are multiples of 1/64, sums exact in float. */
    private static float[] eighths(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = 1 + r.nextInt(8);
            v[i] = (r.nextBoolean() ? k : -k) / 8f;
        }
        return v;
    }

    private static MemorySegment copy(Arena arena, float[] v) {
        MemorySegment s = arena.allocate(4L * v.length, 64);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
        return s;
    }

    private static void sameBits(double exact, float scalar, float panama, String at) {
        assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(panama),
                at + ": scalar " + scalar + " vs Panama " + panama);
        assertEquals(exact, panama, 0.0, at + ": exact value");
    }

    @Test
    void exactInputsScoreBitForBitAlike() {
        VectorSupport p = panama();
        VectorSupport s = VectorSupportProvider.scalar();
        SplittableRandom r = new SplittableRandom(17);
        float[] out = new float[VectorSupport.SCRATCH];
        try (Arena arena = Arena.ofConfined()) {
            for (int n : SIZES) {
                for (int trial = 0; trial < 3; trial++) {
                    int ao = r.nextInt(4);
                    int bo = r.nextInt(4);
                    float[] a = eighths(r, ao + n);
                    float[] b = eighths(r, bo + 4 * n + 3);
                    for (int i = 0; i < n; i++) {
                        // Squared L2 needs non-zero differences too.
                        if (b[bo + i] == a[ao + i]) {
                            b[bo + i] = -b[bo + i];
                        }
                    }
                    String at = "n=" + n + " offsets " + ao + "/" + bo;
                    double dot = VectorSupportContractTest.refDot(a, ao, b, bo, n);
                    double l2 = VectorSupportContractTest.refL2(a, ao, b, bo, n);
                    sameBits(dot, s.dot(a, ao, b, bo, n), p.dot(a, ao, b, bo, n), at + " dot");
                    sameBits(l2, s.squaredL2(a, ao, b, bo, n), p.squaredL2(a, ao, b, bo, n), at + " squaredL2");
                    float cs = s.cosine(a, ao, b, bo, n);
                    float cp = p.cosine(a, ao, b, bo, n);
                    // Same exact partial sums, same final formula: the same bits (NaN for n = 0).
                    assertEquals(Float.floatToRawIntBits(cs), Float.floatToRawIntBits(cp), at + " cosine " + cs + " vs " + cp);
                    if (n > 0) {
                        assertEquals(VectorSupportContractTest.refCos(a, ao, b, bo, n), cp, 1e-6, at + " cosine");
                    }

                    // Native segments (Panama's vector loads) and float[] heap segments.
                    MemorySegment na = copy(arena, a);
                    MemorySegment nb = copy(arena, b);
                    MemorySegment ha = MemorySegment.ofArray(a);
                    MemorySegment hb = MemorySegment.ofArray(b);
                    long ba = 4L * ao;
                    long bb = 4L * bo;
                    sameBits(dot, s.dot(na, ba, nb, bb, n), p.dot(na, ba, nb, bb, n), at + " native dot");
                    sameBits(dot, s.dot(ha, ba, hb, bb, n), p.dot(ha, ba, hb, bb, n), at + " heap dot");
                    sameBits(l2, s.squaredL2(na, ba, nb, bb, n), p.squaredL2(na, ba, nb, bb, n), at + " native squaredL2");
                    sameBits(l2, s.squaredL2(ha, ba, hb, bb, n), p.squaredL2(ha, ba, hb, bb, n), at + " heap squaredL2");
                    assertEquals(Float.floatToRawIntBits(cs), Float.floatToRawIntBits(p.cosine(na, ba, nb, bb, n)),
                            at + " native cosine");

                    // Four rows at stride n + 1 from b.
                    int stride = n + 1;
                    float[] o = new float[4];
                    s.dot4(a, ao, b, bo, stride, n, out);
                    System.arraycopy(out, 0, o, 0, 4);
                    p.dot4(a, ao, b, bo, stride, n, out);
                    for (int k = 0; k < 4; k++) {
                        sameBits(VectorSupportContractTest.refDot(a, ao, b, bo + k * stride, n), o[k], out[k],
                                at + " dot4 row " + k);
                    }
                    s.squaredL2x4(na, ba, nb, bb, 4L * stride, n, out);
                    System.arraycopy(out, 0, o, 0, 4);
                    p.squaredL2x4(na, ba, nb, bb, 4L * stride, n, out);
                    for (int k = 0; k < 4; k++) {
                        sameBits(VectorSupportContractTest.refL2(a, ao, b, bo + k * stride, n), o[k], out[k],
                                at + " native squaredL2x4 row " + k);
                    }
                }
            }
        }
    }

    @Test
    void int8DotsAreTheSameInteger() {
        VectorSupport p = panama();
        VectorSupport s = VectorSupportProvider.scalar();
        SplittableRandom r = new SplittableRandom(19);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : SIZES) {
                for (int trial = 0; trial < 3; trial++) {
                    int ao = r.nextInt(5);
                    int bo = r.nextInt(5);
                    byte[] a = new byte[ao + n];
                    byte[] b = new byte[bo + n];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (byte) (trial == 0 ? -128 : r.nextInt(256) - 128);
                    }
                    for (int i = 0; i < b.length; i++) {
                        // Non-zero, so that no element can go missing unnoticed.
                        b[i] = (byte) (trial == 0 ? -128 : (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(127)));
                    }
                    long ref = 0;
                    for (int i = 0; i < n; i++) {
                        ref += a[ao + i] * b[bo + i];
                    }
                    String at = "n=" + n + " offsets " + ao + "/" + bo;
                    int got = p.dotInt8(a, ao, b, bo, n);
                    assertEquals(s.dotInt8(a, ao, b, bo, n), got, at);
                    assertEquals(ref, got, at);
                    MemorySegment na = arena.allocate(a.length);
                    MemorySegment nb = arena.allocate(b.length);
                    MemorySegment.copy(a, 0, na, ValueLayout.JAVA_BYTE, 0, a.length);
                    MemorySegment.copy(b, 0, nb, ValueLayout.JAVA_BYTE, 0, b.length);
                    assertEquals(ref, p.dotInt8(na, ao, nb, bo, n), at + " native");
                    assertEquals(ref, s.dotInt8(na, ao, nb, bo, n), at + " native, scalar");
                    assertEquals(ref, p.dotInt8(MemorySegment.ofArray(a), ao, MemorySegment.ofArray(b), bo, n), at + " heap");
                }
            }
        }
    }

    /** {@code gamma(h) = h u / (1 - h u)}: the relative error bound of h rounding steps. */
    static double gamma(long h) {
        return h * U / (1 - h * U);
    }

    @Test
    void randomFloatsStayWithinEachImplementationsOwnBound() {
        VectorSupport p = panama();
        VectorSupport s = VectorSupportProvider.scalar();
        SplittableRandom r = new SplittableRandom(23);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : SIZES) {
                for (int trial = 0; trial < 3; trial++) {
                    int ao = r.nextInt(4);
                    int bo = r.nextInt(4);
                    float[] a = VectorSupportContractTest.random(r, ao + n);
                    float[] b = VectorSupportContractTest.random(r, bo + n);
                    double abs = 0;
                    for (int i = 0; i < n; i++) {
                        abs += Math.abs((double) a[ao + i] * b[bo + i]);
                    }
                    double dot = VectorSupportContractTest.refDot(a, ao, b, bo, n);
                    double l2 = VectorSupportContractTest.refL2(a, ao, b, bo, n);
                    String at = "n=" + n + " offsets " + ao + "/" + bo;
                    long panamaHeight = n / 16 + 24;
                    double pDot = gamma(panamaHeight) * abs;
                    // Squared L2: the differences are rounded too, two more steps for the square.
                    double pL2 = gamma(panamaHeight + 2) * l2;
                    assertEquals(dot, p.dot(a, ao, b, bo, n), pDot, at + " Panama dot");
                    assertEquals(l2, p.squaredL2(a, ao, b, bo, n), pL2, at + " Panama squaredL2");
                    MemorySegment na = copy(arena, a);
                    MemorySegment nb = copy(arena, b);
                    assertEquals(dot, p.dot(na, 4L * ao, nb, 4L * bo, n), pDot, at + " Panama native dot");
                    assertEquals(l2, p.squaredL2(na, 4L * ao, nb, 4L * bo, n), pL2, at + " Panama native squaredL2");
                    assertEquals(dot, s.dot(a, ao, b, bo, n), gamma(n / 2 + 1) * abs, at + " scalar dot");
                    double between = (gamma(panamaHeight) + gamma(n / 2 + 1)) * abs;
                    assertTrue(Math.abs(s.dot(a, ao, b, bo, n) - p.dot(a, ao, b, bo, n)) <= between,
                            at + " scalar vs Panama dot");
                }
            }
        }
    }
}
