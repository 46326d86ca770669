package io.keel.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import io.keel.core.Checks;
import io.keel.vector.internal.VectorSupport;
import io.keel.vector.internal.VectorSupportProvider;

/**
 * Similarity kernels over float32 and int8 vectors: dot, cosine, squared L2, int8 dot,
 * symmetric int8 quantization and in-place normalisation. Inputs are {@code float[]}/{@code byte[]}
 * with element offsets, or {@link MemorySegment}s (floats in native byte order) with byte offsets.
 *
 * <p>The work is done by the Panama Vector API when {@code jdk.incubator.vector} is present
 * (run with {@code --add-modules jdk.incubator.vector}) and by a scalar fallback otherwise; the
 * choice is logged once ({@link #implementation()}). Results of the two differ only by float
 * rounding (summation order).
 *
 * <p>On the Panama path one summation order covers {@code float[]} inputs, pairs of native
 * segments and pairs of {@code float[]}-backed heap segments at float-aligned offsets. Any other
 * pair of segments (one native and one heap, a read-only or {@code byte[]}-backed heap segment, a
 * heap offset off a float boundary) takes the scalar loop, whose order differs: the same values
 * may then score a rounding step apart from the array result. (The Vector API's segment loads
 * are kept off heap segments on purpose: once their JDK-wide profile has seen both kinds they
 * lose the intrinsic and box every vector.) The scalar path scores every kind of input alike.
 *
 * <p>Validation costs O(1) on the success path: offsets and lengths are checked up front; a
 * NaN or infinite input always makes the float result non-finite, so the inputs are scanned only
 * then, to name the offending element in the {@link IllegalArgumentException}. Stateless,
 * thread-safe, allocation-free.
 */
public final class VectorMath {
    /** Quantized values lie in {@code [-QMAX, QMAX]}: symmetric, so -128 is never produced. */
    public static final int QMAX = 127;

    /**
     * The longest int8 dot product that cannot overflow an int: {@code 131,071 * 128 * 128 <
     * 2^31}. Longer ones are rejected.
     */
    public static final int MAX_INT8_DIM = Integer.MAX_VALUE / (128 * 128);

    /**
     * Below this squared norm the float sums may have lost precision to subnormals (or be 0 for
     * a non-zero vector), so cosine and normalize recompute in double.
     */
    private static final float SAFE_SQUARED_NORM = 0x1p-60f;

    private static final VectorSupport IMPL = VectorSupportProvider.get();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorMath() {
    }

    /** The implementation in use, e.g. "Panama Vector API, 512-bit vectors (16 floats)". */
    public static String implementation() {
        return IMPL.description();
    }

    /** Dot product of two vectors of equal length. */
    public static float dot(float[] a, float[] b) {
        return checkedDot(a, 0, b, 0, sameLength(a, b));
    }

    /** Dot product of {@code a[aOff, aOff + dim)} and {@code b[bOff, bOff + dim)}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        range("a", a, aOff, dim);
        range("b", b, bOff, dim);
        return checkedDot(a, aOff, b, bOff, dim);
    }

    /**
     * The two-array entry points check less than the ranged ones (both ranges are the whole
     * arrays) and call the kernel directly: one more call level in between and C2 stopped
     * inlining them into a caller's loop (RESULTS.md, 2026-11-29).
     */
    private static int sameLength(float[] a, float[] b) {
        int dim = Objects.requireNonNull(a, "a").length;
        return Checks.sameLength("b", Objects.requireNonNull(b, "b").length, dim);
    }

    private static float checkedDot(float[] a, int aOff, float[] b, int bOff, int dim) {
        float r = IMPL.dot(a, aOff, b, bOff, dim);
        if (!Float.isFinite(r)) {
            throw nonFinite("dot", a, aOff, b, bOff, dim);
        }
        return r;
    }

    /** Dot product of {@code dim} floats at byte offsets {@code aOff} and {@code bOff}. */
    public static float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        range("a", a, aOff, 4L * dim, dim);
        range("b", b, bOff, 4L * dim, dim);
        float r = IMPL.dot(a, aOff, b, bOff, dim);
        if (!Float.isFinite(r)) {
            throw nonFinite("dot", a, aOff, b, bOff, dim);
        }
        return r;
    }

    /**
     * Cosine similarity of two vectors of equal length; 0 when either is the zero vector. Any
     * finite vectors are accepted, however tiny or huge their elements: when the float partial
     * sums underflow or overflow, the cosine is recomputed in double (exact products, no
     * overflow for any float input).
     */
    public static float cosine(float[] a, float[] b) {
        return checkedCosine(a, 0, b, 0, sameLength(a, b));
    }

    /** Cosine similarity in {@code [-1, 1]}; 0 when either vector is zero; any finite input, as above. */
    public static float cosine(float[] a, int aOff, float[] b, int bOff, int dim) {
        range("a", a, aOff, dim);
        range("b", b, bOff, dim);
        return checkedCosine(a, aOff, b, bOff, dim);
    }

    private static float checkedCosine(float[] a, int aOff, float[] b, int bOff, int dim) {
        float r = IMPL.cosine(a, aOff, b, bOff, dim);
        if (r != r) {
            r = cosineInDouble(a, aOff, b, bOff, dim);
            if (r != r) {
                throw nonFinite("cosine", a, aOff, b, bOff, dim);
            }
        }
        return r;
    }

    /** Cosine similarity of {@code dim} floats at byte offsets; 0 when either vector is zero. */
    public static float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        range("a", a, aOff, 4L * dim, dim);
        range("b", b, bOff, 4L * dim, dim);
        float r = IMPL.cosine(a, aOff, b, bOff, dim);
        if (r != r) {
            r = cosineInDouble(a, aOff, b, bOff, dim);
            if (r != r) {
                throw nonFinite("cosine", a, aOff, b, bOff, dim);
            }
        }
        return r;
    }

    /** Squared Euclidean distance of two vectors of equal length. */
    public static float squaredL2(float[] a, float[] b) {
        return checkedSquaredL2(a, 0, b, 0, sameLength(a, b));
    }

    /** Squared Euclidean distance of {@code a[aOff, aOff + dim)} and {@code b[bOff, bOff + dim)}. */
    public static float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
        range("a", a, aOff, dim);
        range("b", b, bOff, dim);
        return checkedSquaredL2(a, aOff, b, bOff, dim);
    }

    private static float checkedSquaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
        float r = IMPL.squaredL2(a, aOff, b, bOff, dim);
        if (!Float.isFinite(r)) {
            throw nonFinite("squaredL2", a, aOff, b, bOff, dim);
        }
        return r;
    }

    /** Squared Euclidean distance of {@code dim} floats at byte offsets. */
    public static float squaredL2(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        range("a", a, aOff, 4L * dim, dim);
        range("b", b, bOff, 4L * dim, dim);
        float r = IMPL.squaredL2(a, aOff, b, bOff, dim);
        if (!Float.isFinite(r)) {
            throw nonFinite("squaredL2", a, aOff, b, bOff, dim);
        }
        return r;
    }

    /** Exact integer dot product of two int8 vectors of equal length. */
    public static int dotInt8(byte[] a, byte[] b) {
        Objects.requireNonNull(a, "a");
        Checks.sameLength("b", Objects.requireNonNull(b, "b").length, a.length);
        return dotInt8(a, 0, b, 0, a.length);
    }

    /**
     * Exact integer dot product of {@code a[aOff, aOff + dim)} and {@code b[bOff, bOff + dim)};
     * multiply by both vectors' scales for the float estimate. {@code dim} is at most
     * {@link #MAX_INT8_DIM}, so the int result never overflows.
     */
    public static int dotInt8(byte[] a, int aOff, byte[] b, int bOff, int dim) {
        int8Dim(dim);
        range("a", a, aOff, dim);
        range("b", b, bOff, dim);
        return IMPL.dotInt8(a, aOff, b, bOff, dim);
    }

    /**
     * The float estimate of the dot product of two quantized vectors:
     * {@code aScale * bScale * dotInt8(a, aOff, b, bOff, dim)}, with the scales
     * {@link #quantize} returned.
     */
    public static float dotInt8(byte[] a, int aOff, float aScale, byte[] b, int bOff, float bScale, int dim) {
        Checks.finite("aScale", aScale);
        Checks.finite("bScale", bScale);
        int exact = dotInt8(a, aOff, b, bOff, dim);
        // In double, so that two large scales over a small dot neither overflow nor give 0 x inf.
        double r = (double) aScale * bScale * exact;
        if (!(Math.abs(r) <= Float.MAX_VALUE)) {
            throw new IllegalArgumentException("dotInt8 overflows the float range (dim " + dim + ")");
        }
        return (float) r;
    }

    /**
     * Exact integer dot product of {@code dim} bytes at byte offsets {@code aOff} and {@code bOff};
     * {@code dim} at most {@link #MAX_INT8_DIM}.
     */
    public static int dotInt8(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        int8Dim(dim);
        range("a", a, aOff, dim, dim);
        range("b", b, bOff, dim, dim);
        return IMPL.dotInt8(a, aOff, b, bOff, dim);
    }

    /**
     * Symmetric int8 quantization of {@code src[srcOff, srcOff + dim)} into
     * {@code dst[dstOff, dstOff + dim)}; returns the scale. Rule: {@code scale = maxAbs / 127}
     * (in float) and {@code q[i] = rint(x[i] * 127 / maxAbs)} computed in double, rounding half to
     * even, so {@code |x[i] - q[i] * scale| <= scale / 2} up to float rounding of the scale. A zero
     * vector gets scale 0 and all-zero codes. Non-finite input is rejected before {@code dst}
     * is written.
     */
    public static float quantize(float[] src, int srcOff, byte[] dst, int dstOff, int dim) {
        range("src", src, srcOff, dim);
        range("dst", dst, dstOff, dim);
        float maxAbs = IMPL.maxAbs(src, srcOff, dim);
        if (!Float.isFinite(maxAbs)) {
            throw firstNonFinite("src", src, srcOff, dim);
        }
        final float scale = maxAbs / QMAX;
        if (scale == 0f) {
            // The zero vector, or only subnormals (too small for a float scale): all-zero codes.
            java.util.Arrays.fill(dst, dstOff, dstOff + dim, (byte) 0);
            return 0f;
        }
        // x * 127 is exact in double (24 + 7 bits), so one division rounds the quotient once and an
        // exact half stays exact for rint to send to even. Multiplying by a rounded 127 / maxAbs
        // instead lands a hair off such halves (11.5 of maxAbs 23 gave 63, not 64).
        final double m = maxAbs;
        for (int i = 0; i < dim; i++) {
            dst[dstOff + i] = (byte) Math.rint(src[srcOff + i] * (double) QMAX / m);
        }
        return scale;
    }

    /** The inverse of {@link #quantize}: {@code dst[i] = q[i] * scale}. */
    public static void dequantize(byte[] src, int srcOff, float scale, float[] dst, int dstOff, int dim) {
        range("src", src, srcOff, dim);
        range("dst", dst, dstOff, dim);
        Checks.finite("scale", scale);
        for (int i = 0; i < dim; i++) {
            dst[dstOff + i] = src[srcOff + i] * scale;
        }
    }

    /**
     * Scales {@code v[off, off + dim)} in place to unit L2 norm; returns the norm it had, rounded
     * to float ({@code +Infinity} when it exceeds the float range). Any finite non-zero vector is
     * accepted, however tiny or huge its elements: when the float sum of squares underflows or
     * overflows, the norm is computed in double. The zero vector and non-finite values are
     * rejected with {@code v} untouched.
     */
    public static float normalize(float[] v, int off, int dim) {
        range("v", v, off, dim);
        float sq = IMPL.dot(v, off, v, off, dim);
        if (Float.isFinite(sq) && sq >= SAFE_SQUARED_NORM) {
            float norm = (float) Math.sqrt(sq);
            float inv = 1f / norm;
            for (int i = 0; i < dim; i++) {
                v[off + i] *= inv;
            }
            return norm;
        }
        return normalizeInDouble(v, off, dim);
    }

    private static float normalizeInDouble(float[] v, int off, int dim) {
        double sq = 0;
        for (int i = 0; i < dim; i++) {
            float x = v[off + i];
            if (!Float.isFinite(x)) {
                throw Checks.element("v", off + i, "must be finite", x);
            }
            sq += (double) x * x;
        }
        if (sq == 0) {
            throw new IllegalArgumentException("v: the zero vector has no direction to normalise to (dim " + dim + ")");
        }
        double norm = Math.sqrt(sq);
        for (int i = 0; i < dim; i++) {
            v[off + i] = (float) (v[off + i] / norm);
        }
        return (float) norm;
    }

    /**
     * Cosine in double, for inputs whose float sums underflowed or overflowed: products of floats
     * are exact in double and their sums cannot overflow. NaN when an input is not finite.
     */
    static float cosineInDouble(float[] a, int aOff, float[] b, int bOff, int dim) {
        double s = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < dim; i++) {
            double x = a[aOff + i];
            double y = b[bOff + i];
            s += x * y;
            na += x * x;
            nb += y * y;
        }
        return cosineOf(s, na, nb);
    }

    static float cosineInDouble(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim) {
        double s = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < dim; i++) {
            double x = a.get(F32, aOff + 4L * i);
            double y = b.get(F32, bOff + 4L * i);
            s += x * y;
            na += x * x;
            nb += y * y;
        }
        return cosineOf(s, na, nb);
    }

    private static float cosineOf(double s, double na, double nb) {
        if (!Double.isFinite(s + na + nb)) {
            return Float.NaN;
        }
        if (na == 0 || nb == 0) {
            return 0f;
        }
        return (float) Math.max(-1.0, Math.min(1.0, s / Math.sqrt(na * nb)));
    }

    private static void int8Dim(int dim) {
        if (dim > MAX_INT8_DIM) {
            throw new IllegalArgumentException("dim must be <= " + MAX_INT8_DIM
                    + " for an int8 dot product (longer ones can overflow an int), was " + dim);
        }
    }

    /** Requires {@code [off, off + dim)} inside an array of {@code length}. */
    static void range(String name, float[] v, int off, int dim) {
        range(name, Objects.requireNonNull(v, name).length, off, dim);
    }

    /** Requires {@code v} non-null and {@code [off, off + dim)} inside it. */
    static void range(String name, byte[] v, int off, int dim) {
        range(name, Objects.requireNonNull(v, name).length, off, dim);
    }

    /** Requires {@code [off, off + dim)} inside an array of {@code length}. */
    static void range(String name, int length, int off, int dim) {
        if (dim < 0 || off < 0 || off > length - dim) {
            throw outOfRange(name, length, off, dim);
        }
    }

    /**
     * The failure of {@link #range}, built out of line: with the message concatenation inside it,
     * {@code range} and the kernels' entry points grew past what C2 inlines into a caller's loop
     * ("callee uses too much stack"), which cost 8-13 ns per pairwise call (RESULTS.md).
     */
    private static IllegalArgumentException outOfRange(String name, int length, int off, int dim) {
        if (dim < 0) {
            return new IllegalArgumentException("dim must be >= 0, was " + dim);
        }
        return new IllegalArgumentException(name + ": range [" + off + ", " + ((long) off + dim)
                + ") does not fit its length " + length);
    }

    /** Requires {@code [off, off + bytes)} inside the segment. */
    static void range(String name, MemorySegment s, long off, long bytes, int dim) {
        Objects.requireNonNull(s, name);
        if (dim < 0 || off < 0 || off > s.byteSize() - bytes) {
            throw outOfRange(name, s, off, bytes, dim);
        }
    }

    /** The failure of the segment {@link #range}, out of line as {@link #outOfRange(String, int, int, int)}. */
    private static IllegalArgumentException outOfRange(String name, MemorySegment s, long off, long bytes, int dim) {
        if (dim < 0) {
            return new IllegalArgumentException("dim must be >= 0, was " + dim);
        }
        return new IllegalArgumentException(name + ": byte range [" + off + ", " + (off + bytes)
                + ") does not fit its size " + s.byteSize());
    }

    /** The failure for a non-finite result: the first non-finite input, or an overflow. */
    static IllegalArgumentException nonFinite(String op, float[] a, int aOff, float[] b, int bOff, int dim) {
        for (int i = 0; i < dim; i++) {
            if (!Float.isFinite(a[aOff + i])) {
                return Checks.element("a", aOff + i, "must be finite", a[aOff + i]);
            }
        }
        for (int i = 0; i < dim; i++) {
            if (!Float.isFinite(b[bOff + i])) {
                return Checks.element("b", bOff + i, "must be finite", b[bOff + i]);
            }
        }
        return new IllegalArgumentException(op + " overflows the float range (dim " + dim + ")");
    }

    static IllegalArgumentException nonFinite(String op, MemorySegment a, long aOff, MemorySegment b, long bOff,
            int dim) {
        for (int i = 0; i < dim; i++) {
            float x = a.get(F32, aOff + 4L * i);
            if (!Float.isFinite(x)) {
                return Checks.element("a", i, "must be finite", x);
            }
        }
        for (int i = 0; i < dim; i++) {
            float x = b.get(F32, bOff + 4L * i);
            if (!Float.isFinite(x)) {
                return Checks.element("b", i, "must be finite", x);
            }
        }
        return new IllegalArgumentException(op + " overflows the float range (dim " + dim + ")");
    }

    static IllegalArgumentException firstNonFinite(String name, float[] v, int off, int dim) {
        for (int i = 0; i < dim; i++) {
            if (!Float.isFinite(v[off + i])) {
                return Checks.element(name, off + i, "must be finite", v[off + i]);
            }
        }
        return new IllegalArgumentException(name + " has no non-finite value");
    }
}
