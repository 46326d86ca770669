package io.keel.props.vector;

import java.util.SplittableRandom;

import io.keel.vector.RowScanner;
import io.keel.vector.Similarity;
import io.keel.vector.TopHits;
import io.keel.vector.VectorMath;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/** Properties of the vector kernels on random inputs (seeds drawn by QuickTheories). */
class VectorKernelPropertiesTest {
    static float[] random(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    @Test
    void cosineIsBoundedAndSymmetricAndDotIsSymmetric() {
        qt().withExamples(2000).forAll(longs().all(), integers().between(0, 300)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            double scale = Math.pow(10, r.nextInt(-3, 4));
            float[] a = random(r, n, scale);
            float[] b = r.nextBoolean() ? a.clone() : random(r, n, scale);
            if (r.nextBoolean() && n > 0) {
                for (int i = 0; i < n; i++) {
                    b[i] = -a[i];
                }
            }
            float c = VectorMath.cosine(a, b);
            assertTrue(c >= -1f && c <= 1f, "cosine " + c);
            assertEquals(c, VectorMath.cosine(b, a));
            assertEquals(VectorMath.dot(a, b), VectorMath.dot(b, a));
            assertEquals(VectorMath.squaredL2(a, b), VectorMath.squaredL2(b, a));
            assertTrue(VectorMath.squaredL2(a, b) >= 0f);
        });
    }

    /**
     * A vector whose codes are exact halves before rounding, where the rounding rule alone decides:
     * maxAbs {@code m = 127 c 2^e} and elements {@code ±c 2^e (2j + 1) / 2}, so
     * {@code x * 127 / maxAbs = ±(j + 1/2)}; c is not a power of two, so {@code 127 / maxAbs} is
     * inexact in double (a kernel that multiplied by it would land a hair off the tie).
     */
    static float[] halves(SplittableRandom r, int n) {
        int c = 3 + 2 * r.nextInt(2000);
        double unit = c * Math.scalb(1.0, r.nextInt(-30, 30));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextBoolean() ? 1 : -1) * unit * (2 * r.nextInt(127) + 1) / 2);
        }
        if (n > 0) {
            v[r.nextInt(n)] = (float) ((r.nextBoolean() ? 1 : -1) * 127 * unit);
        }
        return v;
    }

    /**
     * Quantization follows its documented rule exactly ({@link VectorMath#quantize}): {@code scale
     * = maxAbs / 127} in float, {@code q[i] = rint(x[i] * 127 / maxAbs)} in double (half to even),
     * and a vector too small for a float scale gets scale 0 and zero codes; then every value is
     * within half a step of its dequantized code. Inputs: random vectors of any magnitude, and
     * vectors of exact halves where only the rounding rule decides.
     */
    @Test
    void quantizationFollowsItsRuleAndErrorIsWithinHalfAStep() {
        qt().withExamples(2000).forAll(longs().all(), integers().between(0, 700)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] x = r.nextInt(3) == 0 ? halves(r, n) : random(r, n, Math.pow(10, r.nextInt(-4, 5)));
            byte[] q = new byte[n];
            float scale = VectorMath.quantize(x, 0, q, 0, n);
            float[] back = new float[n];
            VectorMath.dequantize(q, 0, scale, back, 0, n);
            float maxAbs = 0;
            for (float v : x) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertEquals(maxAbs / VectorMath.QMAX, scale, 0f, "scale = maxAbs / 127, maxAbs " + maxAbs);
            for (int i = 0; i < n; i++) {
                double rule = scale == 0f ? 0 : Math.rint(x[i] * (double) VectorMath.QMAX / maxAbs);
                assertEquals(rule, q[i], 0.0, "code " + i + " of x=" + x[i] + ", maxAbs " + maxAbs);
                assertTrue(q[i] >= -VectorMath.QMAX && q[i] <= VectorMath.QMAX);
                assertTrue(Math.abs(x[i] - back[i]) <= 0.5 * scale + 1e-6 * maxAbs,
                        "x=" + x[i] + " back=" + back[i] + " scale=" + scale);
            }
        });
    }

    /**
     * Exact halves round to the even code, checked without the implementation's expression: in a
     * {@link #halves} vector every element but the maxAbs one is {@code ±(2j + 1) / 2} steps, and
     * its code must be {@code ±j} or {@code ±(j + 1)}, whichever is even.
     */
    @Test
    void exactHalvesRoundToTheEvenCode() {
        qt().withExamples(1000).forAll(longs().all(), integers().between(1, 300)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] x = halves(r, n);
            byte[] q = new byte[n];
            VectorMath.quantize(x, 0, q, 0, n);
            float maxAbs = 0;
            for (float v : x) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            for (int i = 0; i < n; i++) {
                // 2 x 127 / maxAbs is the odd integer 2j + 1 (or 254 for the maxAbs element).
                long twice = Math.round(2.0 * Math.abs(x[i]) * VectorMath.QMAX / maxAbs);
                long want = twice == 2 * VectorMath.QMAX ? VectorMath.QMAX : ((twice - 1) / 2) % 2 == 0
                        ? (twice - 1) / 2 : (twice + 1) / 2;
                assertEquals(x[i] < 0 ? -want : want, q[i], "element " + i + " of " + n + ": x=" + x[i]
                        + ", maxAbs " + maxAbs);
            }
        });
    }

    @Test
    void topKIsThePrefixOfTheFullRanking() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            int dim = 1 + r.nextInt(64);
            int n = r.nextInt(120);
            int k = r.nextInt(Math.max(1, n + 2));
            Similarity sim = Similarity.values()[r.nextInt(3)];
            // Few distinct values make exact ties common, so the index tie-break is exercised.
            float[] rows = new float[n * dim];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = r.nextInt(-2, 3);
            }
            float[] q = random(r, dim, 1);
            RowScanner full = new RowScanner(dim, n + 2, 0);
            TopHits all = full.scan(sim, q, 0, rows, 0, n, dim, n);
            int[] order = new int[n];
            float[] scores = new float[n];
            for (int i = 0; i < n; i++) {
                order[i] = all.id(i);
                scores[i] = all.score(i);
            }
            for (int i = 1; i < n; i++) {
                boolean ordered = sim.largerIsBetter() ? scores[i - 1] >= scores[i] : scores[i - 1] <= scores[i];
                assertTrue(ordered && (scores[i - 1] != scores[i] || order[i - 1] < order[i]), "rank " + i);
            }
            RowScanner small = new RowScanner(dim, n + 2, 0);
            TopHits top = small.scan(sim, q, 0, rows, 0, n, dim, Math.min(k, n + 2));
            assertEquals(Math.min(k, n), top.size());
            for (int i = 0; i < top.size(); i++) {
                assertEquals(order[i], top.id(i));
                assertEquals(scores[i], top.score(i));
            }
        });
    }
}
