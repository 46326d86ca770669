package io.keel.vector.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The portable implementation: plain loops with fused multiply-adds, used when
 * {@code jdk.incubator.vector} is absent or the CPU has no vectors of 128 bits or more.
 * Stateless; allocates nothing.
 */
public final class ScalarVectorSupport implements VectorSupport {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    /** The single instance. */
    public static final ScalarVectorSupport INSTANCE = new ScalarVectorSupport();

    private ScalarVectorSupport() {
    }

    @Override
    public String description() {
        return "scalar (no jdk.incubator.vector)";
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        float s0 = 0f;
        float s1 = 0f;
        int i = 0;
        // Two chains halve the FMA latency bound without changing the result much.
        for (int end = dim & ~1; i < end; i += 2) {
            s0 = Math.fma(a[aOff + i], b[bOff + i], s0);
            s1 = Math.fma(a[aOff + i + 1], b[bOff + i + 1], s1);
        }
        if (i < dim) {
            s0 = Math.fma(a[aOff + i], b[bOff + i], s0);
        }
        return s0 + s1;
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        // The float[] kernel's order, so array and segment inputs score alike.
        float s0 = 0f;
        float s1 = 0f;
        int i = 0;
        for (int end = dim & ~1; i < end; i += 2) {
            long d = (long) i << 2;
            s0 = Math.fma(a.get(F32, aOff + d), b.get(F32, bOff + d), s0);
            s1 = Math.fma(a.get(F32, aOff + d + 4), b.get(F32, bOff + d + 4), s1);
        }
        if (i < dim) {
            long d = (long) i << 2;
            s0 = Math.fma(a.get(F32, aOff + d), b.get(F32, bOff + d), s0);
        }
        return s0 + s1;
    }

    @Override
    public float cosine(float[] a, int aOff, float[] b, int bOff, int dim) {
        float s = 0f;
        float na = 0f;
        float nb = 0f;
        for (int i = 0; i < dim; i++) {
            float x = a[aOff + i];
            float y = b[bOff + i];
            s = Math.fma(x, y, s);
            na = Math.fma(x, x, na);
            nb = Math.fma(y, y, nb);
        }
        return cosineOf(s, na, nb);
    }

    @Override
    public float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        float s = 0f;
        float na = 0f;
        float nb = 0f;
        for (int i = 0; i < dim; i++) {
            long d = (long) i << 2;
            float x = a.get(F32, aOff + d);
            float y = b.get(F32, bOff + d);
            s = Math.fma(x, y, s);
            na = Math.fma(x, x, na);
            nb = Math.fma(y, y, nb);
        }
        return cosineOf(s, na, nb);
    }

    /**
     * Below this squared norm a float sum may have lost precision to subnormals (or be 0 for a
     * non-zero vector).
     */
    static final float SAFE_SQUARED_NORM = 0x1p-60f;

    /**
     * Cosine from its partial sums, shared by both implementations; NaN (for the caller to
     * resolve in double, or reject) when a sum is not finite or a squared norm is under
     * {@link #SAFE_SQUARED_NORM}, the zero vector included.
     */
    static float cosineOf(float dot, float normA, float normB) {
        if (!Float.isFinite(dot) || !Float.isFinite(normA) || !Float.isFinite(normB)
                || normA < SAFE_SQUARED_NORM || normB < SAFE_SQUARED_NORM) {
            return Float.NaN;
        }
        double c = dot / Math.sqrt((double) normA * (double) normB);
        // Rounding can push |c| a hair past 1 for (anti)parallel vectors.
        return (float) Math.max(-1.0, Math.min(1.0, c));
    }

    @Override
    public float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
        float s = 0f;
        for (int i = 0; i < dim; i++) {
            float d = a[aOff + i] - b[bOff + i];
            s = Math.fma(d, d, s);
        }
        return s;
    }

    @Override
    public float squaredL2(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        float s = 0f;
        for (int i = 0; i < dim; i++) {
            long o = (long) i << 2;
            float d = a.get(F32, aOff + o) - b.get(F32, bOff + o);
            s = Math.fma(d, d, s);
        }
        return s;
    }

    @Override
    public int dotInt8(byte[] a, int aOff, byte[] b, int bOff, int dim) {
        int s = 0;
        for (int i = 0; i < dim; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public int dotInt8(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        int s = 0;
        for (int i = 0; i < dim; i++) {
            s += a.get(I8, aOff + i) * b.get(I8, bOff + i);
        }
        return s;
    }

    @Override
    public float maxAbs(float[] v, int off, int dim) {
        float m = 0f;
        for (int i = 0; i < dim; i++) {
            float x = Math.abs(v[off + i]);
            // Written so a NaN wins (Math.max semantics).
            m = Math.max(m, x);
        }
        return m;
    }

    @Override
    public void dot4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out) {
        for (int r = 0; r < 4; r++) {
            out[r] = dot(q, qOff, rows, rowOff + r * stride, dim);
        }
    }

    @Override
    public void dot4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim, float[] out) {
        for (int r = 0; r < 4; r++) {
            out[r] = dot(q, qOff, rows, rowOff + r * stride, dim);
        }
    }

    @Override
    public void squaredL2x4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out) {
        for (int r = 0; r < 4; r++) {
            out[r] = squaredL2(q, qOff, rows, rowOff + r * stride, dim);
        }
    }

    @Override
    public void squaredL2x4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim,
            float[] out) {
        for (int r = 0; r < 4; r++) {
            out[r] = squaredL2(q, qOff, rows, rowOff + r * stride, dim);
        }
    }
}
