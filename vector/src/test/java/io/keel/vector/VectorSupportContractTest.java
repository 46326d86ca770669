package io.keel.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import io.keel.vector.internal.VectorSupport;
import io.keel.vector.internal.VectorSupportProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One contract run against every implementation this JVM can load (scalar always, Panama when
 * the module is present), at awkward sizes, against a double-precision reference.
 *
 * <p>Tolerances (u = 2^-24, the float unit roundoff; n = dim): dot within
 * {@code 2 (n + 2) u sum|a_i b_i|}, the worst-case bound of any summation order doubled; squared
 * L2 within {@code 2 (n + 4) u} relative (all terms are positive); cosine within
 * {@code 4 (n + 2) u + 1e-7} absolute (by Cauchy-Schwarz the dot error over |a||b| is below the
 * dot bound, plus the norms' relative errors). int8 dots are exact.
 */
class VectorSupportContractTest {
    static final int[] SIZES = {0, 1, 7, 13, 207, 702, 1024, 4096};
    static final double U = 0x1p-24;

    static List<VectorSupport> implementations() {
        List<VectorSupport> l = new ArrayList<>();
        l.add(VectorSupportProvider.scalar());
        if (VectorSupportProvider.panama() != null) {
            l.add(VectorSupportProvider.panama());
        }
        return l;
    }

    static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    static double dotTol(float[] a, int ao, float[] b, int bo, int n) {
        double abs = 0;
        for (int i = 0; i < n; i++) {
            abs += Math.abs((double) a[ao + i] * b[bo + i]);
        }
        return 2 * (n + 2) * U * abs;
    }

    static double refDot(float[] a, int ao, float[] b, int bo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) a[ao + i] * b[bo + i];
        }
        return s;
    }

    static double refL2(float[] a, int ao, float[] b, int bo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) a[ao + i] - b[bo + i];
            s += d * d;
        }
        return s;
    }

    static double refCos(float[] a, int ao, float[] b, int bo, int n) {
        double na = refDot(a, ao, a, ao, n);
        double nb = refDot(b, bo, b, bo, n);
        return na == 0 || nb == 0 ? 0 : refDot(a, ao, b, bo, n) / Math.sqrt(na * nb);
    }

    @Test
    void panamaIsChosenExactlyWhenTheModuleIsPresent() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals(module, VectorSupportProvider.panama() != null, VectorMath.implementation());
        assertEquals(VectorSupportProvider.get().description(), VectorMath.implementation());
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void floatKernelsMatchTheDoubleReference(VectorSupport s) {
        SplittableRandom r = new SplittableRandom(7);
        for (int n : SIZES) {
            for (int trial = 0; trial < 5; trial++) {
                int ao = r.nextInt(4);
                int bo = r.nextInt(4);
                float[] a = random(r, n + ao);
                float[] b = random(r, n + bo);
                String at = s.description() + " n=" + n;
                assertEquals(refDot(a, ao, b, bo, n), s.dot(a, ao, b, bo, n), dotTol(a, ao, b, bo, n), at);
                double l2 = refL2(a, ao, b, bo, n);
                assertEquals(l2, s.squaredL2(a, ao, b, bo, n), 2 * (n + 4) * U * l2, at);
                double cos = refCos(a, ao, b, bo, n);
                float got = s.cosine(a, ao, b, bo, n);
                if (n == 0) {
                    // The empty vector is zero: the kernel hands it back (NaN) for the facade to resolve.
                    assertTrue(Float.isNaN(got), at);
                    got = 0f;
                }
                assertEquals(cos, got, 4 * (n + 2) * U + 1e-7, at);
                assertTrue(got >= -1f && got <= 1f, at);
                assertEquals(s.dot(a, ao, b, bo, n), s.dot(b, bo, a, ao, n), dotTol(a, ao, b, bo, n), at);

                MemorySegment sa = MemorySegment.ofArray(a);
                MemorySegment sb = MemorySegment.ofArray(b);
                assertEquals(refDot(a, ao, b, bo, n), s.dot(sa, 4L * ao, sb, 4L * bo, n), dotTol(a, ao, b, bo, n), at);
                assertEquals(l2, s.squaredL2(sa, 4L * ao, sb, 4L * bo, n), 2 * (n + 4) * U * l2, at);
                assertEquals(n == 0 ? Double.NaN : cos, s.cosine(sa, 4L * ao, sb, 4L * bo, n), 4 * (n + 2) * U + 1e-7, at);

                double maxAbs = 0;
                for (int i = 0; i < n; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(a[ao + i]));
                }
                assertEquals(maxAbs, s.maxAbs(a, ao, n), 0.0, at);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void fourRowKernelsMatchTheReference(VectorSupport s) {
        SplittableRandom r = new SplittableRandom(11);
        float[] out = new float[VectorSupport.SCRATCH];
        for (int n : SIZES) {
            int stride = n + r.nextInt(3);
            int qo = r.nextInt(3);
            int ro = r.nextInt(3);
            float[] q = random(r, n + qo);
            float[] rows = random(r, ro + 4 * stride);
            MemorySegment sq = MemorySegment.ofArray(q);
            MemorySegment sr = MemorySegment.ofArray(rows);
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 0) {
                    s.dot4(q, qo, rows, ro, stride, n, out);
                } else {
                    s.dot4(sq, 4L * qo, sr, 4L * ro, 4L * stride, n, out);
                }
                for (int k = 0; k < 4; k++) {
                    int off = ro + k * stride;
                    assertEquals(refDot(q, qo, rows, off, n), out[k], dotTol(q, qo, rows, off, n), "n=" + n);
                }
                if (pass == 0) {
                    s.squaredL2x4(q, qo, rows, ro, stride, n, out);
                } else {
                    s.squaredL2x4(sq, 4L * qo, sr, 4L * ro, 4L * stride, n, out);
                }
                for (int k = 0; k < 4; k++) {
                    double l2 = refL2(q, qo, rows, ro + k * stride, n);
                    assertEquals(l2, out[k], 2 * (n + 4) * U * l2, "n=" + n);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void int8DotIsExact(VectorSupport s) {
        SplittableRandom r = new SplittableRandom(3);
        for (int n : SIZES) {
            for (int trial = 0; trial < 5; trial++) {
                int ao = r.nextInt(5);
                int bo = r.nextInt(5);
                byte[] a = new byte[n + ao];
                byte[] b = new byte[n + bo];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (byte) (trial == 0 ? -128 : r.nextInt(256) - 128);
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) (trial == 0 ? -128 : r.nextInt(256) - 128);
                }
                long ref = 0;
                for (int i = 0; i < n; i++) {
                    ref += a[ao + i] * b[bo + i];
                }
                assertEquals(ref, s.dotInt8(a, ao, b, bo, n), s.description() + " n=" + n);
                assertEquals(ref, s.dotInt8(MemorySegment.ofArray(a), ao, MemorySegment.ofArray(b), bo, n));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void nativeSegmentsGiveTheSameResultsAsArrays(VectorSupport s) {
        SplittableRandom r = new SplittableRandom(5);
        int n = 702;
        float[] a = random(r, n);
        float[] b = random(r, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(4L * n + 4, 64);
            MemorySegment sb = arena.allocate(4L * n, 64);
            for (int i = 0; i < n; i++) {
                sa.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i + 1, a[i]);
                sb.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, b[i]);
            }
            assertEquals(s.dot(a, 0, b, 0, n), s.dot(sa, 4, sb, 0, n), dotTol(a, 0, b, 0, n));
            assertEquals(s.cosine(a, 0, b, 0, n), s.cosine(sa, 4, sb, 0, n), 1e-5);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void kernelsAllocateNothing(VectorSupport s) {
        SplittableRandom r = new SplittableRandom(1);
        float[] a = random(r, 702);
        float[] b = random(r, 4 * 702);
        byte[] qa = new byte[702];
        byte[] qb = new byte[702];
        float[] out = new float[VectorSupport.SCRATCH];
        float[] sink = new float[1];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(4L * 702);
            MemorySegment sb = arena.allocate(4L * 4 * 702);
            MemorySegment.copy(a, 0, sa, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 702);
            MemorySegment.copy(b, 0, sb, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 4 * 702);
            // One probe per kernel: a single call site holding all of them can exceed C2's inlining
            // budget, and a vector that crosses a non-inlined call is boxed.
            String arr = s.description() + " float[] ";
            AllocationProbe.assertZeroAllocation(arr + "dot", () -> sink[0] += s.dot(a, 0, b, 1, 701));
            AllocationProbe.assertZeroAllocation(arr + "cosine", () -> sink[0] += s.cosine(a, 0, b, 3, 699));
            AllocationProbe.assertZeroAllocation(arr + "squaredL2", () -> sink[0] += s.squaredL2(a, 1, b, 0, 700));
            AllocationProbe.assertZeroAllocation(arr + "dotInt8", () -> sink[0] += s.dotInt8(qa, 0, qb, 0, 702));
            AllocationProbe.assertZeroAllocation(arr + "maxAbs", () -> sink[0] += s.maxAbs(a, 0, 702));
            AllocationProbe.assertZeroAllocation(arr + "dot4", () -> s.dot4(a, 0, b, 0, 702, 702, out));
            AllocationProbe.assertZeroAllocation(arr + "squaredL2x4", () -> s.squaredL2x4(a, 0, b, 0, 702, 702, out));
            String at = s.description() + " segment ";
            AllocationProbe.assertZeroAllocation(at + "dot", () -> sink[0] += s.dot(sa, 0, sb, 4, 701));
            AllocationProbe.assertZeroAllocation(at + "cosine", () -> sink[0] += s.cosine(sa, 0, sb, 12, 699));
            AllocationProbe.assertZeroAllocation(at + "squaredL2", () -> sink[0] += s.squaredL2(sa, 4, sb, 0, 700));
            AllocationProbe.assertZeroAllocation(at + "dotInt8", () -> sink[0] += s.dotInt8(sa, 0, sb, 0, 702));
            AllocationProbe.assertZeroAllocation(at + "dot4", () -> s.dot4(sa, 0, sb, 0, 4L * 702, 702, out));
            AllocationProbe.assertZeroAllocation(at + "squaredL2x4",
                    () -> s.squaredL2x4(sa, 0, sb, 0, 4L * 702, 702, out));
        }
        assertTrue(Float.isFinite(sink[0]));
    }
}
