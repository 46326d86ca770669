package io.keel.vector.internal;

import java.lang.foreign.MemorySegment;

/**
 * The similarity kernels one implementation provides: float32 dot, cosine and squared L2,
 * int8 dot, four-row fused variants for one-vs-many scans, and the max-abs reduction that
 * quantization needs. Inputs are trusted (bounds already checked by the public facade);
 * a non-finite result is left for the caller to diagnose.
 *
 * <p>Segments hold floats in native byte order at byte offsets. Implementations are stateless
 * and thread-safe; no call allocates.
 */
public interface VectorSupport {
    /**
     * Floats the four-row kernels' {@code out} must hold: results in [0, 4), scratch up to here
     * (the Panama kernels spill two vectors of up to 16 floats there).
     */
    int SCRATCH = 256;

    /** A one-line description for the log and reports. */
    String description();

    float dot(float[] a, int aOff, float[] b, int bOff, int dim);

    float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim);

    /**
     * Cosine similarity; NaN when any of the three partial sums (dot, two squared norms) is not
     * finite or a squared norm is under 2^-60 (the zero vector included), so the caller can
     * recompute in double or reject the input.
     */
    float cosine(float[] a, int aOff, float[] b, int bOff, int dim);

    float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim);

    float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim);

    float squaredL2(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim);

    int dotInt8(byte[] a, int aOff, byte[] b, int bOff, int dim);

    int dotInt8(MemorySegment a, long aOff, MemorySegment b, long bOff, int dim);

    /** Largest |v[i]|; NaN (or infinity) when a value is not finite. */
    float maxAbs(float[] v, int off, int dim);

    /**
     * Dot of {@code q} with the four rows at {@code rowOff + r * stride}, r = 0..3, into
     * {@code out[0..3]}: the query is loaded once for four rows. {@code out} holds at least
     * {@link #SCRATCH} floats; beyond index 3 it is scratch. Each {@code out[r]} equals, bit for
     * bit, {@link #dot(float[], int, float[], int, int) dot(q, qOff, rows, rowOff + r * stride, dim)}.
     */
    void dot4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out);

    /** As {@link #dot4(float[], int, float[], int, int, int, float[])}; offsets and stride in bytes. */
    void dot4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim, float[] out);

    /** Squared L2 of {@code q} to four rows, as {@code dot4}; each equal to {@code squaredL2(q, row)}. */
    void squaredL2x4(float[] q, int qOff, float[] rows, int rowOff, int stride, int dim, float[] out);

    /** Squared L2 of {@code q} to four rows, as {@code dot4}; offsets and stride in bytes. */
    void squaredL2x4(MemorySegment q, long qOff, MemorySegment rows, long rowOff, long stride, int dim, float[] out);
}
