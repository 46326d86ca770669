package io.keel.vector.internal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama Vector API implementation at the CPU's preferred width. Loaded reflectively by
 * {@link VectorSupports} only after it has found {@code jdk.incubator.vector} in the boot layer, so
 * the species constants below never initialise on a JVM without the module.
 *
 * <p>Float kernels keep several independent FMA chains (the FMA latency, not the load ports,
 * bounds a single chain) and finish with a scalar FMA tail. The int8 dot widens bytes to shorts
 * (a product of two bytes fits a short), multiplies, and widens the products to ints.
 * Stateless; allocates nothing once C2 has scalarised the vectors.
 */
public final class PanamaVectorSupport implements VectorSupport {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize()));
    private static final VectorSpecies<Integer> I =
            VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));
    private static final VectorSpecies<Byte> B =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int BL = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Used by {@link VectorSupports} through reflection. */
    public PanamaVectorSupport() {
    }

    /**
     * The horizontal sum in a fixed tree order. {@code reduceLanes(ADD)} leaves the order
     * unspecified, and C2's intrinsic and the interpreter's Java fallback do differ, so a score
     * could change when a method gets compiled; lane extraction is exact in every tier, so this
     * sum is the same in all of them.
     */
    private static float sum(FloatVector v) {
        if (L == 16) {
            float a = (v.lane(0) + v.lane(8)) + (v.lane(4) + v.lane(12));
            float b = (v.lane(2) + v.lane(10)) + (v.lane(6) + v.lane(14));
            float c = (v.lane(1) + v.lane(9)) + (v.lane(5) + v.lane(13));
            float d = (v.lane(3) + v.lane(11)) + (v.lane(7) + v.lane(15));
            return (a + b) + (c + d);
        }
        if (L == 8) {
            return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6)))
                    + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
        }
        if (L == 4) {
            return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
        }
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += v.lane(i);
        }
        return s;
    }

    /**
     * The sum of {@code a[off, off + L)} in a fixed tree order; the four-row kernels spill their
     * accumulators to the caller's scratch and sum them here (four lane-extraction trees in one
     * method exceed C2's inlining budget, and a vector crossing a non-inlined call is boxed).
     */
    private static float tree(float[] a, int off) {
        float s = 0f;
        for (int h = 0; h < L; h += 4) {
            s += (a[off + h] + a[off + h + 2]) + (a[off + h + 1] + a[off + h + 3]);
        }
        return s;
    }

    /** Whether the CPU offers float vectors of at least 128 bits. */
    public static boolean usable() {
        return F.vectorBitSize() >= 128;
    }

    @Override
    public String description() {
        return "Panama Vector API, " + F.vectorBitSize() + "-bit vectors (" + L + " floats)";
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = dim & -(4 * L); i < bound; i += 4 * L) {
                acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
                acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
                acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * L)
                        .fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), acc2);
                acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * L)
                        .fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), acc3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            }
            res = sum(acc0.add(acc1).add(acc2.add(acc3)));
        }
        for (; i < dim; i++) {
            res = Math.fma(a[aOff + i], b[bOff + i], res);
        }
        return res;
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        if (a.isNative() && b.isNative()) {
            return dotNative(a, aOff, b, bOff, dim);
        }
        float[] fa = floats(a, aOff);
        float[] fb = floats(b, bOff);
        if (fa != null && fb != null) {
            return dot(fa, index(a, aOff), fb, index(b, bOff), dim);
        }
        return ScalarVectorSupport.INSTANCE.dot(a, aOff, b, bOff, dim);
    }

    private static float dotNative(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = dim & -(4 * L); i < bound; i += 4 * L) {
                long o = (long) i << 2;
                acc0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE), acc0);
                acc1 = FloatVector.fromMemorySegment(F, a, aOff + o + 4L * L, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o + 4L * L, NATIVE), acc1);
                acc2 = FloatVector.fromMemorySegment(F, a, aOff + o + 8L * L, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o + 8L * L, NATIVE), acc2);
                acc3 = FloatVector.fromMemorySegment(F, a, aOff + o + 12L * L, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o + 12L * L, NATIVE), acc3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                long o = (long) i << 2;
                acc0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE), acc0);
            }
            res = sum(acc0.add(acc1).add(acc2.add(acc3)));
        }
        for (; i < dim; i++) {
            long o = (long) i << 2;
            res = Math.fma(a.get(ScalarVectorSupport.F32, aOff + o), b.get(ScalarVectorSupport.F32, bOff + o), res);
        }
        return res;
    }

    /**
     * The float[] behind a heap segment when {@code off} falls on a float boundary, else null.
     * Heap segments go to the array kernels so that the Vector API's segment loads only ever see
     * native segments: their (JDK-shared) profile, once it has seen both kinds, loses the load
     * intrinsic and every vector is boxed. Mixed heap/native pairs take the scalar loops.
     */
    private static float[] floats(MemorySegment s, long off) {
        return !s.isNative() && ((s.address() + off) & 3) == 0 && s.heapBase().orElse(null) instanceof float[] f
                ? f : null;
    }

    /** The byte[] behind a heap segment, else null; see {@link #floats}. */
    private static byte[] bytes(MemorySegment s) {
        return !s.isNative() && s.heapBase().orElse(null) instanceof byte[] b ? b : null;
    }

    private static int index(MemorySegment s, long off) {
        return (int) ((s.address() + off) >>> 2);
    }

    @Override
    public float cosine(float[] a, int aOff, float[] b, int bOff, int dim) {
        int i = 0;
        float s = 0f;
        float na = 0f;
        float nb = 0f;
        if (dim >= L) {
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = FloatVector.zero(F);
            for (int bound = dim & -(2 * L); i < bound; i += 2 * L) {
                FloatVector x0 = FloatVector.fromArray(F, a, aOff + i);
                FloatVector y0 = FloatVector.fromArray(F, b, bOff + i);
                FloatVector x1 = FloatVector.fromArray(F, a, aOff + i + L);
                FloatVector y1 = FloatVector.fromArray(F, b, bOff + i + L);
                s0 = x0.fma(y0, s0);
                a0 = x0.fma(x0, a0);
                b0 = y0.fma(y0, b0);
                s1 = x1.fma(y1, s1);
                a1 = x1.fma(x1, a1);
                b1 = y1.fma(y1, b1);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                FloatVector x0 = FloatVector.fromArray(F, a, aOff + i);
                FloatVector y0 = FloatVector.fromArray(F, b, bOff + i);
                s0 = x0.fma(y0, s0);
                a0 = x0.fma(x0, a0);
                b0 = y0.fma(y0, b0);
            }
            s = sum(s0.add(s1));
            na = sum(a0.add(a1));
            nb = sum(b0.add(b1));
        }
        for (; i < dim; i++) {
            float x = a[aOff + i];
            float y = b[bOff + i];
            s = Math.fma(x, y, s);
            na = Math.fma(x, x, na);
            nb = Math.fma(y, y, nb);
        }
        return ScalarVectorSupport.cosineOf(s, na, nb);
    }

    @Override
    public float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        if (a.isNative() && b.isNative()) {
            return cosineNative(a, aOff, b, bOff, dim);
        }
        float[] fa = floats(a, aOff);
        float[] fb = floats(b, bOff);
        if (fa != null && fb != null) {
            return cosine(fa, index(a, aOff), fb, index(b, bOff), dim);
        }
        return ScalarVectorSupport.INSTANCE.cosine(a, aOff, b, bOff, dim);
    }

    private static float cosineNative(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        int i = 0;
        float s = 0f;
        float na = 0f;
        float nb = 0f;
        if (dim >= L) {
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = FloatVector.zero(F);
            for (int bound = dim & -(2 * L); i < bound; i += 2 * L) {
                long o = (long) i << 2;
                FloatVector x0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE);
                FloatVector y0 = FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE);
                FloatVector x1 = FloatVector.fromMemorySegment(F, a, aOff + o + 4L * L, NATIVE);
                FloatVector y1 = FloatVector.fromMemorySegment(F, b, bOff + o + 4L * L, NATIVE);
                s0 = x0.fma(y0, s0);
                a0 = x0.fma(x0, a0);
                b0 = y0.fma(y0, b0);
                s1 = x1.fma(y1, s1);
                a1 = x1.fma(x1, a1);
                b1 = y1.fma(y1, b1);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                long o = (long) i << 2;
                FloatVector x0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE);
                FloatVector y0 = FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE);
                s0 = x0.fma(y0, s0);
                a0 = x0.fma(x0, a0);
                b0 = y0.fma(y0, b0);
            }
            s = sum(s0.add(s1));
            na = sum(a0.add(a1));
            nb = sum(b0.add(b1));
        }
        for (; i < dim; i++) {
            long o = (long) i << 2;
            float x = a.get(ScalarVectorSupport.F32, aOff + o);
            float y = b.get(ScalarVectorSupport.F32, bOff + o);
            s = Math.fma(x, y, s);
            na = Math.fma(x, x, na);
            nb = Math.fma(y, y, nb);
        }
        return ScalarVectorSupport.cosineOf(s, na, nb);
    }

    @Override
    public float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = dim & -(4 * L); i < bound; i += 4 * L) {
                FloatVector d0 = FloatVector.fromArray(F, a, aOff + i).sub(FloatVector.fromArray(F, b, bOff + i));
                FloatVector d1 = FloatVector.fromArray(F, a, aOff + i + L)
                        .sub(FloatVector.fromArray(F, b, bOff + i + L));
                FloatVector d2 = FloatVector.fromArray(F, a, aOff + i + 2 * L)
                        .sub(FloatVector.fromArray(F, b, bOff + i + 2 * L));
                FloatVector d3 = FloatVector.fromArray(F, a, aOff + i + 3 * L)
                        .sub(FloatVector.fromArray(F, b, bOff + i + 3 * L));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                FloatVector d0 = FloatVector.fromArray(F, a, aOff + i).sub(FloatVector.fromArray(F, b, bOff + i));
                acc0 = d0.fma(d0, acc0);
            }
            res = sum(acc0.add(acc1).add(acc2.add(acc3)));
        }
        for (; i < dim; i++) {
            float d = a[aOff + i] - b[bOff + i];
            res = Math.fma(d, d, res);
        }
        return res;
    }

    @Override
    public float squaredL2(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        if (a.isNative() && b.isNative()) {
            return squaredL2Native(a, aOff, b, bOff, dim);
        }
        float[] fa = floats(a, aOff);
        float[] fb = floats(b, bOff);
        if (fa != null && fb != null) {
            return squaredL2(fa, index(a, aOff), fb, index(b, bOff), dim);
        }
        return ScalarVectorSupport.INSTANCE.squaredL2(a, aOff, b, bOff, dim);
    }

    private static float squaredL2Native(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            for (int bound = dim & -(2 * L); i < bound; i += 2 * L) {
                long o = (long) i << 2;
                FloatVector d0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE));
                FloatVector d1 = FloatVector.fromMemorySegment(F, a, aOff + o + 4L * L, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + o + 4L * L, NATIVE));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                long o = (long) i << 2;
                FloatVector d0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE));
                acc0 = d0.fma(d0, acc0);
            }
            res = sum(acc0.add(acc1));
        }
        for (; i < dim; i++) {
            long o = (long) i << 2;
            float d = a.get(ScalarVectorSupport.F32, aOff + o) - b.get(ScalarVectorSupport.F32, bOff + o);
            res = Math.fma(d, d, res);
        }
        return res;
    }

    @Override
    public int dotInt8(byte[] a, int aOff, byte[] b, int bOff, int dim) {
        int i = 0;
        int res = 0;
        if (dim >= BL) {
            IntVector acc0 = IntVector.zero(I);
            IntVector acc1 = IntVector.zero(I);
            for (int bound = dim & -BL; i < bound; i += BL) {
                ShortVector va = (ShortVector) ByteVector.fromArray(B, a, aOff + i)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector vb = (ShortVector) ByteVector.fromArray(B, b, bOff + i)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector p = va.mul(vb);
                acc0 = acc0.add(p.convertShape(VectorOperators.S2I, I, 0));
                acc1 = acc1.add(p.convertShape(VectorOperators.S2I, I, 1));
            }
            res = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            res += a[aOff + i] * b[bOff + i];
        }
        return res;
    }

    @Override
    public int dotInt8(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        if (a.isNative() && b.isNative()) {
            return dotInt8Native(a, aOff, b, bOff, dim);
        }
        byte[] ba = bytes(a);
        byte[] bb = bytes(b);
        if (ba != null && bb != null) {
            return dotInt8(ba, (int) (a.address() + aOff), bb, (int) (b.address() + bOff), dim);
        }
        return ScalarVectorSupport.INSTANCE.dotInt8(a, aOff, b, bOff, dim);
    }

    private static int dotInt8Native(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        int i = 0;
        int res = 0;
        if (dim >= BL) {
            IntVector acc0 = IntVector.zero(I);
            IntVector acc1 = IntVector.zero(I);
            for (int bound = dim & -BL; i < bound; i += BL) {
                ShortVector va = (ShortVector) ByteVector.fromMemorySegment(B, a, aOff + i, NATIVE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector vb = (ShortVector) ByteVector.fromMemorySegment(B, b, bOff + i, NATIVE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector p = va.mul(vb);
                acc0 = acc0.add(p.convertShape(VectorOperators.S2I, I, 0));
                acc1 = acc1.add(p.convertShape(VectorOperators.S2I, I, 1));
            }
            res = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            res += a.get(ScalarVectorSupport.I8, aOff + i) * b.get(ScalarVectorSupport.I8, bOff + i);
        }
        return res;
    }

    @Override
    public float maxAbs(float[] v, int off, int dim) {
        int i = 0;
        float m = 0f;
        if (dim >= L) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = dim & -L; i < bound; i += L) {
                acc = acc.max(FloatVector.fromArray(F, v, off + i).abs());
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < dim; i++) {
            m = Math.max(m, Math.abs(v[off + i]));
        }
        return m;
    }

    @Override
    public void dot4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out) {
        final int o0 = rowOff;
        final int o1 = o0 + stride;
        final int o2 = o1 + stride;
        final int o3 = o2 + stride;
        int i = 0;
        float r0 = 0f;
        float r1 = 0f;
        float r2 = 0f;
        float r3 = 0f;
        if (dim >= L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            for (int bound = dim & -(2 * L); i < bound; i += 2 * L) {
                FloatVector qa = FloatVector.fromArray(F, q, qOff + i);
                FloatVector qc = FloatVector.fromArray(F, q, qOff + i + L);
                a0 = FloatVector.fromArray(F, rows, o0 + i).fma(qa, a0);
                a1 = FloatVector.fromArray(F, rows, o1 + i).fma(qa, a1);
                a2 = FloatVector.fromArray(F, rows, o2 + i).fma(qa, a2);
                a3 = FloatVector.fromArray(F, rows, o3 + i).fma(qa, a3);
                c0 = FloatVector.fromArray(F, rows, o0 + i + L).fma(qc, c0);
                c1 = FloatVector.fromArray(F, rows, o1 + i + L).fma(qc, c1);
                c2 = FloatVector.fromArray(F, rows, o2 + i + L).fma(qc, c2);
                c3 = FloatVector.fromArray(F, rows, o3 + i + L).fma(qc, c3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                FloatVector qa = FloatVector.fromArray(F, q, qOff + i);
                a0 = FloatVector.fromArray(F, rows, o0 + i).fma(qa, a0);
                a1 = FloatVector.fromArray(F, rows, o1 + i).fma(qa, a1);
                a2 = FloatVector.fromArray(F, rows, o2 + i).fma(qa, a2);
                a3 = FloatVector.fromArray(F, rows, o3 + i).fma(qa, a3);
            }
            a0.add(c0).intoArray(out, 0 * L);
            a1.add(c1).intoArray(out, 1 * L);
            a2.add(c2).intoArray(out, 2 * L);
            a3.add(c3).intoArray(out, 3 * L);
            r0 = tree(out, 0);
            r1 = tree(out, L);
            r2 = tree(out, 2 * L);
            r3 = tree(out, 3 * L);
        }
        for (; i < dim; i++) {
            float x = q[qOff + i];
            r0 = Math.fma(x, rows[o0 + i], r0);
            r1 = Math.fma(x, rows[o1 + i], r1);
            r2 = Math.fma(x, rows[o2 + i], r2);
            r3 = Math.fma(x, rows[o3 + i], r3);
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
    }

    @Override
    public void dot4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim, float[] out) {
        if (q.isNative() && rows.isNative()) {
            dot4Native(q, qOff, rows, rowOff, stride, dim, out);
            return;
        }
        float[] fq = floats(q, qOff);
        float[] fr = floats(rows, rowOff);
        if (fq != null && fr != null && (stride & 3) == 0) {
            dot4(fq, index(q, qOff), fr, index(rows, rowOff), (int) (stride >>> 2), dim, out);
        } else {
            ScalarVectorSupport.INSTANCE.dot4(q, qOff, rows, rowOff, stride, dim, out);
        }
    }

    private static void dot4Native(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim,
            float[] out) {
        final long o0 = rowOff;
        final long o1 = o0 + stride;
        final long o2 = o1 + stride;
        final long o3 = o2 + stride;
        int i = 0;
        float r0 = 0f;
        float r1 = 0f;
        float r2 = 0f;
        float r3 = 0f;
        if (dim >= L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            for (int bound = dim & -(2 * L); i < bound; i += 2 * L) {
                long o = (long) i << 2;
                long p = o + 4L * L;
                FloatVector qa = FloatVector.fromMemorySegment(F, q, qOff + o, NATIVE);
                FloatVector qc = FloatVector.fromMemorySegment(F, q, qOff + p, NATIVE);
                a0 = FloatVector.fromMemorySegment(F, rows, o0 + o, NATIVE).fma(qa, a0);
                a1 = FloatVector.fromMemorySegment(F, rows, o1 + o, NATIVE).fma(qa, a1);
                a2 = FloatVector.fromMemorySegment(F, rows, o2 + o, NATIVE).fma(qa, a2);
                a3 = FloatVector.fromMemorySegment(F, rows, o3 + o, NATIVE).fma(qa, a3);
                c0 = FloatVector.fromMemorySegment(F, rows, o0 + p, NATIVE).fma(qc, c0);
                c1 = FloatVector.fromMemorySegment(F, rows, o1 + p, NATIVE).fma(qc, c1);
                c2 = FloatVector.fromMemorySegment(F, rows, o2 + p, NATIVE).fma(qc, c2);
                c3 = FloatVector.fromMemorySegment(F, rows, o3 + p, NATIVE).fma(qc, c3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                long o = (long) i << 2;
                FloatVector qa = FloatVector.fromMemorySegment(F, q, qOff + o, NATIVE);
                a0 = FloatVector.fromMemorySegment(F, rows, o0 + o, NATIVE).fma(qa, a0);
                a1 = FloatVector.fromMemorySegment(F, rows, o1 + o, NATIVE).fma(qa, a1);
                a2 = FloatVector.fromMemorySegment(F, rows, o2 + o, NATIVE).fma(qa, a2);
                a3 = FloatVector.fromMemorySegment(F, rows, o3 + o, NATIVE).fma(qa, a3);
            }
            a0.add(c0).intoArray(out, 0 * L);
            a1.add(c1).intoArray(out, 1 * L);
            a2.add(c2).intoArray(out, 2 * L);
            a3.add(c3).intoArray(out, 3 * L);
            r0 = tree(out, 0);
            r1 = tree(out, L);
            r2 = tree(out, 2 * L);
            r3 = tree(out, 3 * L);
        }
        for (; i < dim; i++) {
            long o = (long) i << 2;
            float x = q.get(ScalarVectorSupport.F32, qOff + o);
            r0 = Math.fma(x, rows.get(ScalarVectorSupport.F32, o0 + o), r0);
            r1 = Math.fma(x, rows.get(ScalarVectorSupport.F32, o1 + o), r1);
            r2 = Math.fma(x, rows.get(ScalarVectorSupport.F32, o2 + o), r2);
            r3 = Math.fma(x, rows.get(ScalarVectorSupport.F32, o3 + o), r3);
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
    }

    @Override
    public void squaredL2x4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out) {
        final int o0 = rowOff;
        final int o1 = o0 + stride;
        final int o2 = o1 + stride;
        final int o3 = o2 + stride;
        int i = 0;
        float r0 = 0f;
        float r1 = 0f;
        float r2 = 0f;
        float r3 = 0f;
        if (dim >= L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int bound = dim & -L; i < bound; i += L) {
                FloatVector qa = FloatVector.fromArray(F, q, qOff + i);
                FloatVector d0 = FloatVector.fromArray(F, rows, o0 + i).sub(qa);
                FloatVector d1 = FloatVector.fromArray(F, rows, o1 + i).sub(qa);
                FloatVector d2 = FloatVector.fromArray(F, rows, o2 + i).sub(qa);
                FloatVector d3 = FloatVector.fromArray(F, rows, o3 + i).sub(qa);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
                a2 = d2.fma(d2, a2);
                a3 = d3.fma(d3, a3);
            }
            a0.intoArray(out, 0 * L);
            a1.intoArray(out, 1 * L);
            a2.intoArray(out, 2 * L);
            a3.intoArray(out, 3 * L);
            r0 = tree(out, 0);
            r1 = tree(out, L);
            r2 = tree(out, 2 * L);
            r3 = tree(out, 3 * L);
        }
        for (; i < dim; i++) {
            float x = q[qOff + i];
            float d0 = rows[o0 + i] - x;
            float d1 = rows[o1 + i] - x;
            float d2 = rows[o2 + i] - x;
            float d3 = rows[o3 + i] - x;
            r0 = Math.fma(d0, d0, r0);
            r1 = Math.fma(d1, d1, r1);
            r2 = Math.fma(d2, d2, r2);
            r3 = Math.fma(d3, d3, r3);
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
    }

    @Override
    public void squaredL2x4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim,
            float[] out) {
        if (q.isNative() && rows.isNative()) {
            squaredL2x4Native(q, qOff, rows, rowOff, stride, dim, out);
            return;
        }
        float[] fq = floats(q, qOff);
        float[] fr = floats(rows, rowOff);
        if (fq != null && fr != null && (stride & 3) == 0) {
            squaredL2x4(fq, index(q, qOff), fr, index(rows, rowOff), (int) (stride >>> 2), dim, out);
        } else {
            ScalarVectorSupport.INSTANCE.squaredL2x4(q, qOff, rows, rowOff, stride, dim, out);
        }
    }

    private static void squaredL2x4Native(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride,
            int dim, float[] out) {
        final long o0 = rowOff;
        final long o1 = o0 + stride;
        final long o2 = o1 + stride;
        final long o3 = o2 + stride;
        int i = 0;
        float r0 = 0f;
        float r1 = 0f;
        float r2 = 0f;
        float r3 = 0f;
        if (dim >= L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int bound = dim & -L; i < bound; i += L) {
                long o = (long) i << 2;
                FloatVector qa = FloatVector.fromMemorySegment(F, q, qOff + o, NATIVE);
                FloatVector d0 = FloatVector.fromMemorySegment(F, rows, o0 + o, NATIVE).sub(qa);
                FloatVector d1 = FloatVector.fromMemorySegment(F, rows, o1 + o, NATIVE).sub(qa);
                FloatVector d2 = FloatVector.fromMemorySegment(F, rows, o2 + o, NATIVE).sub(qa);
                FloatVector d3 = FloatVector.fromMemorySegment(F, rows, o3 + o, NATIVE).sub(qa);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
                a2 = d2.fma(d2, a2);
                a3 = d3.fma(d3, a3);
            }
            a0.intoArray(out, 0 * L);
            a1.intoArray(out, 1 * L);
            a2.intoArray(out, 2 * L);
            a3.intoArray(out, 3 * L);
            r0 = tree(out, 0);
            r1 = tree(out, L);
            r2 = tree(out, 2 * L);
            r3 = tree(out, 3 * L);
        }
        for (; i < dim; i++) {
            long o = (long) i << 2;
            float x = q.get(ScalarVectorSupport.F32, qOff + o);
            float d0 = rows.get(ScalarVectorSupport.F32, o0 + o) - x;
            float d1 = rows.get(ScalarVectorSupport.F32, o1 + o) - x;
            float d2 = rows.get(ScalarVectorSupport.F32, o2 + o) - x;
            float d3 = rows.get(ScalarVectorSupport.F32, o3 + o) - x;
            r0 = Math.fma(d0, d0, r0);
            r1 = Math.fma(d1, d1, r1);
            r2 = Math.fma(d2, d2, r2);
            r3 = Math.fma(d3, d3, r3);
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
    }
}
