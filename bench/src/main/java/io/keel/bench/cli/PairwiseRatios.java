package io.keel.bench.cli;

import java.util.SplittableRandom;

import io.keel.vector.VectorMath;
import org.apache.lucene.util.VectorUtil;

/**
 * keel / Lucene pairwise throughput for {@code keel score}: dot, cosine and squared L2 over the
 * same 64 vector pairs (in cache), each batch timed alone, keel and Lucene alternating which goes
 * first. One monomorphic loop per kernel and library, so the two sides differ only in the call.
 */
final class PairwiseRatios {
    private static final int PAIRS = 64;
    private static final int WARMUP_ROUNDS = 30;

    private PairwiseRatios() {
    }

    /** {dot, cosine, squaredL2}: median Lucene batch time over median keel batch time. */
    static double[] measure(int dim, int rounds) {
        SplittableRandom r = new SplittableRandom(43);
        float[][] a = new float[PAIRS][dim];
        float[][] b = new float[PAIRS][dim];
        for (int p = 0; p < PAIRS; p++) {
            for (int i = 0; i < dim; i++) {
                a[p][i] = (float) (r.nextDouble() * 2 - 1);
                b[p][i] = (float) (r.nextDouble() * 2 - 1);
            }
        }
        int reps = Math.max(1, 40_000 / dim);
        long[][] keel = new long[3][rounds];
        long[][] lucene = new long[3][rounds];
        float sink = 0;
        for (int round = -WARMUP_ROUNDS; round < rounds; round++) {
            for (int kind = 0; kind < 3; kind++) {
                for (int j = 0; j < 2; j++) {
                    boolean ours = ((round + j) & 1) == 0;
                    long t0 = System.nanoTime();
                    sink += ours ? keel(kind, a, b, reps) : lucene(kind, a, b, reps);
                    long t = System.nanoTime() - t0;
                    if (round >= 0) {
                        (ours ? keel : lucene)[kind][round] = t;
                    }
                }
            }
        }
        double[] ratio = new double[3];
        for (int kind = 0; kind < 3; kind++) {
            ratio[kind] = (double) ScoreCommand.median(lucene[kind]) / ScoreCommand.median(keel[kind]);
        }
        if (sink == 42.4242f) {
            ratio[0] += Float.MIN_VALUE;
        }
        return ratio;
    }

    private static float keel(int kind, float[][] a, float[][] b, int reps) {
        return switch (kind) {
            case 0 -> keelDot(a, b, reps);
            case 1 -> keelCosine(a, b, reps);
            default -> keelL2(a, b, reps);
        };
    }

    private static float lucene(int kind, float[][] a, float[][] b, int reps) {
        return switch (kind) {
            case 0 -> luceneDot(a, b, reps);
            case 1 -> luceneCosine(a, b, reps);
            default -> luceneL2(a, b, reps);
        };
    }

    private static float keelDot(float[][] a, float[][] b, int reps) {
        float s = 0;
        for (int r = 0; r < reps; r++) {
            for (int p = 0; p < PAIRS; p++) {
                s += VectorMath.dot(a[p], b[p]);
            }
        }
        return s;
    }

    private static float luceneDot(float[][] a, float[][] b, int reps) {
        float s = 0;
        for (int r = 0; r < reps; r++) {
            for (int p = 0; p < PAIRS; p++) {
                s += VectorUtil.dotProduct(a[p], b[p]);
            }
        }
        return s;
    }

    private static float keelCosine(float[][] a, float[][] b, int reps) {
        float s = 0;
        for (int r = 0; r < reps; r++) {
            for (int p = 0; p < PAIRS; p++) {
                s += VectorMath.cosine(a[p], b[p]);
            }
        }
        return s;
    }

    private static float luceneCosine(float[][] a, float[][] b, int reps) {
        float s = 0;
        for (int r = 0; r < reps; r++) {
            for (int p = 0; p < PAIRS; p++) {
                s += VectorUtil.cosine(a[p], b[p]);
            }
        }
        return s;
    }

    private static float keelL2(float[][] a, float[][] b, int reps) {
        float s = 0;
        for (int r = 0; r < reps; r++) {
            for (int p = 0; p < PAIRS; p++) {
                s += VectorMath.squaredL2(a[p], b[p]);
            }
        }
        return s;
    }

    private static float luceneL2(float[][] a, float[][] b, int reps) {
        float s = 0;
        for (int r = 0; r < reps; r++) {
            for (int p = 0; p < PAIRS; p++) {
                s += VectorUtil.squareDistance(a[p], b[p]);
            }
        }
        return s;
    }
}
