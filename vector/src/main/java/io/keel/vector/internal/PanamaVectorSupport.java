package io.keel.vector.internal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama Vector API implementation at the CPU's preferred width. Package-private: only
 * {@link VectorSupportProvider} reaches it, through a private lookup, after it has found
 * {@code jdk.incubator.vector} in the boot layer, so the species constants below never initialise
 * on a JVM without the module.
 *
 * <p>One summation order per kernel over arrays, native segment pairs and float-aligned
 * {@code float[]} heap segment pairs (other segment pairs take the scalar loops: see
 * {@link #floats}): dot and squared L2 keep four FMA
 * chains (block j of {@code 4L} floats feeds chain j mod 4; the FMA latency, not the load ports,
 * bounds a single chain), fold leftover whole vectors into chain 0, add the chains as
 * {@code (c0 + c1) + (c2 + c3)}, reduce the lanes with {@link #sum}, and finish with a scalar FMA
 * tail. {@code dot4}/{@code squaredL2x4} call the pairwise kernels row by row, so a scan scores a
 * row exactly as the pairwise kernel does (a two-row kernel that loaded the query once for both
 * rows, spilling its accumulators to keep this order, ran at a third of the speed: RESULTS.md). The int8 dot widens bytes to shorts
 * (a product of two bytes fits a short), multiplies, and widens the products to ints.
 * Stateless; allocates nothing once C2 has scalarised the vectors.
 */
final class PanamaVectorSupport implements VectorSupport {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorShuffle<Float> X1 = VectorShuffle.fromOp(F, i -> (i ^ 1) & (L - 1));
    private static final VectorShuffle<Float> X2 = VectorShuffle.fromOp(F, i -> (i ^ 2) & (L - 1));
    private static final VectorShuffle<Float> X4 = VectorShuffle.fromOp(F, i -> (i ^ 4) & (L - 1));
    private static final VectorShuffle<Float> X8 = VectorShuffle.fromOp(F, i -> (i ^ 8) & (L - 1));
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize()));
    private static final VectorSpecies<Integer> I =
            VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));
    private static final VectorSpecies<Byte> B =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int BL = S.length();
    /**
     * Bytes widened straight to ints, a quarter of the float width (8 bytes at 256 bits): faster than
     * widening to shorts, multiplying and widening the products (measured, RESULTS.md). Needs 256-bit
     * vectors (no 32-bit byte species); {@code null} below, where the short path runs.
     */
    private static final VectorSpecies<Byte> B4 = F.vectorBitSize() >= 256
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;
    private static final int IL = I.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Reached by {@link VectorSupportProvider}'s private lookup. */
    PanamaVectorSupport() {
    }

    /** Whether the CPU offers float vectors of at least 128 bits (called through the lookup). */
    static boolean usable() {
        return F.vectorBitSize() >= 128 && L <= 16;
    }

    /**
     * The horizontal sum in a fixed tree order: lane i gets lane {@code i ^ 8}, then {@code i ^ 4},
     * {@code i ^ 2}, {@code i ^ 1}; the answer is lane 0. {@code reduceLanes(ADD)} leaves the order
     * unspecified, and C2's intrinsic and the interpreter's Java code differ, so a score could
     * change when a method gets compiled. A lane permutation and a lane-wise add are exact in every
     * tier, so this sum is the same in all of them, at a few instructions (it replaced 16 lane
     * extractions with the same order).
     */
    private static float sum(FloatVector v) {
        if (L == 16) {
            v = v.add(v.rearrange(X8));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(X4));
        }
        v = v.add(v.rearrange(X2));
        return v.add(v.rearrange(X1)).lane(0);
    }

    @Override
    public String description() {
        return "Panama Vector API, " + F.vectorBitSize() + "-bit vectors (" + L + " floats)";
    }

    // ---- float[] kernels ----

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            for (int bound = dim & -(4 * L); i < bound; i += 4 * L) {
                c0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), c0);
                c1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), c1);
                c2 = FloatVector.fromArray(F, a, aOff + i + 2 * L)
                        .fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), c2);
                c3 = FloatVector.fromArray(F, a, aOff + i + 3 * L)
                        .fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), c3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                c0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), c0);
            }
            res = sum(c0.add(c1).add(c2.add(c3)));
        }
        for (; i < dim; i++) {
            res = Math.fma(a[aOff + i], b[bOff + i], res);
        }
        return res;
    }

    @Override
    public float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            for (int bound = dim & -(4 * L); i < bound; i += 4 * L) {
                FloatVector d0 = FloatVector.fromArray(F, a, aOff + i).sub(FloatVector.fromArray(F, b, bOff + i));
                FloatVector d1 = FloatVector.fromArray(F, a, aOff + i + L)
                        .sub(FloatVector.fromArray(F, b, bOff + i + L));
                FloatVector d2 = FloatVector.fromArray(F, a, aOff + i + 2 * L)
                        .sub(FloatVector.fromArray(F, b, bOff + i + 2 * L));
                FloatVector d3 = FloatVector.fromArray(F, a, aOff + i + 3 * L)
                        .sub(FloatVector.fromArray(F, b, bOff + i + 3 * L));
                c0 = d0.fma(d0, c0);
                c1 = d1.fma(d1, c1);
                c2 = d2.fma(d2, c2);
                c3 = d3.fma(d3, c3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                FloatVector d0 = FloatVector.fromArray(F, a, aOff + i).sub(FloatVector.fromArray(F, b, bOff + i));
                c0 = d0.fma(d0, c0);
            }
            res = sum(c0.add(c1).add(c2.add(c3)));
        }
        for (; i < dim; i++) {
            float d = a[aOff + i] - b[bOff + i];
            res = Math.fma(d, d, res);
        }
        return res;
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
    public void dot4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out) {
        out[0] = dot(q, qOff, rows, rowOff, dim);
        out[1] = dot(q, qOff, rows, rowOff + stride, dim);
        out[2] = dot(q, qOff, rows, rowOff + 2 * stride, dim);
        out[3] = dot(q, qOff, rows, rowOff + 3 * stride, dim);
    }

    @Override
    public void squaredL2x4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out) {
        out[0] = squaredL2(q, qOff, rows, rowOff, dim);
        out[1] = squaredL2(q, qOff, rows, rowOff + stride, dim);
        out[2] = squaredL2(q, qOff, rows, rowOff + 2 * stride, dim);
        out[3] = squaredL2(q, qOff, rows, rowOff + 3 * stride, dim);
    }

    // ---- MemorySegment kernels: native segments here, heap segments through the float[] kernels ----

    private static float get(MemorySegment s, long off) {
        return s.get(ScalarVectorSupport.F32, off);
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
        final long v = 4L * L;
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            for (int bound = dim & -(4 * L); i < bound; i += 4 * L) {
                long o = 4L * i;
                c0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE), c0);
                c1 = FloatVector.fromMemorySegment(F, a, aOff + o + v, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o + v, NATIVE), c1);
                c2 = FloatVector.fromMemorySegment(F, a, aOff + o + 2 * v, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o + 2 * v, NATIVE), c2);
                c3 = FloatVector.fromMemorySegment(F, a, aOff + o + 3 * v, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + o + 3 * v, NATIVE), c3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                c0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, NATIVE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOff + 4L * i, NATIVE), c0);
            }
            res = sum(c0.add(c1).add(c2.add(c3)));
        }
        for (; i < dim; i++) {
            res = Math.fma(get(a, aOff + 4L * i), get(b, bOff + 4L * i), res);
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
        final long v = 4L * L;
        int i = 0;
        float res = 0f;
        if (dim >= L) {
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            for (int bound = dim & -(4 * L); i < bound; i += 4 * L) {
                long o = 4L * i;
                FloatVector d0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE));
                FloatVector d1 = FloatVector.fromMemorySegment(F, a, aOff + o + v, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + o + v, NATIVE));
                FloatVector d2 = FloatVector.fromMemorySegment(F, a, aOff + o + 2 * v, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + o + 2 * v, NATIVE));
                FloatVector d3 = FloatVector.fromMemorySegment(F, a, aOff + o + 3 * v, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + o + 3 * v, NATIVE));
                c0 = d0.fma(d0, c0);
                c1 = d1.fma(d1, c1);
                c2 = d2.fma(d2, c2);
                c3 = d3.fma(d3, c3);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                FloatVector d0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, NATIVE)
                        .sub(FloatVector.fromMemorySegment(F, b, bOff + 4L * i, NATIVE));
                c0 = d0.fma(d0, c0);
            }
            res = sum(c0.add(c1).add(c2.add(c3)));
        }
        for (; i < dim; i++) {
            float d = get(a, aOff + 4L * i) - get(b, bOff + 4L * i);
            res = Math.fma(d, d, res);
        }
        return res;
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
        final long v = 4L * L;
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
                long o = 4L * i;
                FloatVector x0 = FloatVector.fromMemorySegment(F, a, aOff + o, NATIVE);
                FloatVector y0 = FloatVector.fromMemorySegment(F, b, bOff + o, NATIVE);
                FloatVector x1 = FloatVector.fromMemorySegment(F, a, aOff + o + v, NATIVE);
                FloatVector y1 = FloatVector.fromMemorySegment(F, b, bOff + o + v, NATIVE);
                s0 = x0.fma(y0, s0);
                a0 = x0.fma(x0, a0);
                b0 = y0.fma(y0, b0);
                s1 = x1.fma(y1, s1);
                a1 = x1.fma(x1, a1);
                b1 = y1.fma(y1, b1);
            }
            for (int bound = dim & -L; i < bound; i += L) {
                FloatVector x0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, NATIVE);
                FloatVector y0 = FloatVector.fromMemorySegment(F, b, bOff + 4L * i, NATIVE);
                s0 = x0.fma(y0, s0);
                a0 = x0.fma(x0, a0);
                b0 = y0.fma(y0, b0);
            }
            s = sum(s0.add(s1));
            na = sum(a0.add(a1));
            nb = sum(b0.add(b1));
        }
        for (; i < dim; i++) {
            float x = get(a, aOff + 4L * i);
            float y = get(b, bOff + 4L * i);
            s = Math.fma(x, y, s);
            na = Math.fma(x, x, na);
            nb = Math.fma(y, y, nb);
        }
        return ScalarVectorSupport.cosineOf(s, na, nb);
    }

    @Override
    public void dot4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim, float[] out) {
        if (q.isNative() && rows.isNative()) {
            out[0] = dotNative(q, qOff, rows, rowOff, dim);
            out[1] = dotNative(q, qOff, rows, rowOff + stride, dim);
            out[2] = dotNative(q, qOff, rows, rowOff + 2 * stride, dim);
            out[3] = dotNative(q, qOff, rows, rowOff + 3 * stride, dim);
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

    @Override
    public void squaredL2x4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim,
            float[] out) {
        if (q.isNative() && rows.isNative()) {
            out[0] = squaredL2Native(q, qOff, rows, rowOff, dim);
            out[1] = squaredL2Native(q, qOff, rows, rowOff + stride, dim);
            out[2] = squaredL2Native(q, qOff, rows, rowOff + 2 * stride, dim);
            out[3] = squaredL2Native(q, qOff, rows, rowOff + 3 * stride, dim);
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

    // ---- int8 and max-abs ----

    @Override
    public int dotInt8(byte[] a, int aOff, byte[] b, int bOff, int dim) {
        if (B4 != null) {
            return dotInt8Wide(a, aOff, b, bOff, dim);
        }
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
            // Integer addition is associative, so any lane order gives the same sum.
            res = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            res += a[aOff + i] * b[bOff + i];
        }
        return res;
    }

    /** {@link #dotInt8} with bytes widened to ints, two accumulators of {@code IL} ints. */
    private static int dotInt8Wide(byte[] a, int aOff, byte[] b, int bOff, int dim) {
        int i = 0;
        int res = 0;
        if (dim >= 2 * IL) {
            IntVector acc0 = IntVector.zero(I);
            IntVector acc1 = IntVector.zero(I);
            for (int bound = dim & -(2 * IL); i < bound; i += 2 * IL) {
                acc0 = acc0.add(ints(a, aOff + i).mul(ints(b, bOff + i)));
                acc1 = acc1.add(ints(a, aOff + i + IL).mul(ints(b, bOff + i + IL)));
            }
            // Integer addition is associative, so any lane order gives the same sum.
            res = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            res += a[aOff + i] * b[bOff + i];
        }
        return res;
    }

    private static IntVector ints(byte[] a, int off) {
        return (IntVector) ByteVector.fromArray(B4, a, off).convertShape(VectorOperators.B2I, I, 0);
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
            // max is order-independent on non-negative values; a NaN wins in any order.
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < dim; i++) {
            m = Math.max(m, Math.abs(v[off + i]));
        }
        return m;
    }
}
