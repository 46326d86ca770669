package io.keel.bench.sim.ep;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Per-step, per-layer expert loads whose skew drifts: in each layer experts are ranked, expert at
 * rank {@code i} gets a share proportional to {@code 1 / (i + 1)^alpha(t)} of the step's tokens,
 * {@code alpha(t) = alpha0 + swing * sin(2 pi t / period)}, and the ranking random-walks (every step
 * {@code swapsPerStep} random adjacent ranks trade places), so hot experts cool down and cold ones
 * heat up over tens of steps, as serving traffic drifts. Counts are the expected shares times a
 * lognormal-ish noise factor {@code exp(0.1 z)}, rounded.
 *
 * <p>Seedable and deterministic. Cold path (allocates the steps it returns).
 */
public final class DriftingZipfWorkload {
    private final int experts;
    private final int layers;
    private final long tokensPerStep;
    private final double alpha0;
    private final double swing;
    private final int period;
    private final int swapsPerStep;
    private final long seed;

    /** A workload of {@code layers} layers of {@code experts} experts, {@code tokensPerStep} routed tokens per layer and step. */
    public DriftingZipfWorkload(int experts, int layers, long tokensPerStep, double alpha0, double swing, int period,
                                int swapsPerStep, long seed) {
        if (experts < 2 || layers < 1 || tokensPerStep < 1 || period < 1 || swapsPerStep < 0) {
            throw new IllegalArgumentException("experts >= 2, layers >= 1, tokensPerStep >= 1, period >= 1, swaps >= 0");
        }
        if (!(alpha0 >= 0) || !(swing >= 0) || alpha0 - swing < 0 || Double.isInfinite(alpha0 + swing)) {
            throw new IllegalArgumentException("alpha0 - swing must be >= 0 and both finite, were " + alpha0 + ", " + swing);
        }
        this.experts = experts;
        this.layers = layers;
        this.tokensPerStep = tokensPerStep;
        this.alpha0 = alpha0;
        this.swing = swing;
        this.period = period;
        this.swapsPerStep = swapsPerStep;
        this.seed = seed;
    }

    /** The first {@code steps} steps, each {@code loads[layer * experts + e]}. */
    public List<int[]> steps(int steps) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] rankOf = new int[layers][experts];
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < experts; i++) {
                rankOf[l][i] = i;
            }
            for (int i = experts - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = rankOf[l][i];
                rankOf[l][i] = rankOf[l][j];
                rankOf[l][j] = t;
            }
        }
        double[] share = new double[experts];
        List<int[]> out = new ArrayList<>(steps);
        for (int t = 0; t < steps; t++) {
            double alpha = alpha0 + swing * Math.sin(2 * Math.PI * t / period);
            double sum = 0;
            for (int i = 0; i < experts; i++) {
                share[i] = 1 / Math.pow(i + 1, alpha);
                sum += share[i];
            }
            int[] loads = new int[layers * experts];
            for (int l = 0; l < layers; l++) {
                for (int s = 0; s < swapsPerStep; s++) {
                    int e = rnd.nextInt(experts);
                    int f = -1;
                    // The expert one rank hotter or colder.
                    int target = rankOf[l][e] + (rnd.nextBoolean() ? 1 : -1);
                    for (int x = 0; x < experts && target >= 0 && target < experts; x++) {
                        if (rankOf[l][x] == target) {
                            f = x;
                            break;
                        }
                    }
                    if (f >= 0) {
                        rankOf[l][f] = rankOf[l][e];
                        rankOf[l][e] = target;
                    }
                }
                for (int e = 0; e < experts; e++) {
                    double noise = Math.exp(0.1 * rnd.nextGaussian());
                    long load = Math.round(tokensPerStep * share[rankOf[l][e]] / sum * noise);
                    if (load > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("an expert's load in one step exceeds 2^31 - 1 tokens (" + load
                                + "): use fewer tokens per step");
                    }
                    loads[l * experts + e] = (int) load;
                }
            }
            out.add(loads);
        }
        return out;
    }
}
