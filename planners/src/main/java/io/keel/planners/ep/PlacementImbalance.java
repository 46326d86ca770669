package io.keel.planners.ep;

import io.keel.core.Checks;

/**
 * How evenly a placement serves a load, the test before a rebalance: with {@code phy2log} (the
 * logical expert in each physical slot, {@code replicas / gpus} consecutive slots per GPU, {@code -1}
 * for a slot that holds nothing, such as one on a failed rank) and per-expert loads, each expert's
 * load is split evenly over its copies (as EPLB-style serving routes it), each GPU's load is the sum
 * over its slots, and the imbalance is max / mean GPU load, the mean taken over the live GPUs
 * (those with at least one slot that is not {@code -1}). {@link #balanced} answers whether every
 * layer is at or below a threshold, so a periodic rebalancer can skip the plan (and the moves) when
 * the cluster is balanced already. O(experts + replicas) per layer.
 *
 * <p>A loaded expert without a copy makes the imbalance infinite (it cannot be served). All-zero
 * loads give 1.
 *
 * <p>GPUs may hold different numbers of slots ({@link #PlacementImbalance(int, int[])}): GPU {@code g}
 * then owns the {@code slotsPerGpu[g]} slots after those of GPUs {@code 0 .. g - 1}.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates the per-expert and
 * per-GPU work arrays; the calls allocate nothing.
 */
public final class PlacementImbalance {
    private final int experts;
    private final int replicas;
    private final int gpus;
    private final int[] copies;
    private final double[] gpuLoad;
    private final int[] gpuOfSlot;

    /**
     * For placements of {@code experts} logical experts in {@code replicas} physical slots on
     * {@code gpus} GPUs ({@code replicas % gpus == 0}).
     */
    public PlacementImbalance(int experts, int replicas, int gpus) {
        this(experts, uniformSlots(replicas, gpus));
    }

    /**
     * For placements of {@code experts} logical experts on GPUs that hold {@code slotsPerGpu[g]}
     * physical slots each (>= 1; the array is copied).
     */
    public PlacementImbalance(int experts, int[] slotsPerGpu) {
        this.experts = Checks.positive("experts", experts);
        this.gpus = Checks.positive("slotsPerGpu.length", Checks.notNull("slotsPerGpu", slotsPerGpu).length);
        long total = 0;
        for (int g = 0; g < slotsPerGpu.length; g++) {
            if (slotsPerGpu[g] < 1) {
                throw Checks.element("slotsPerGpu", g, "must be >= 1", slotsPerGpu[g]);
            }
            total += slotsPerGpu[g];
        }
        if (total > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("total slots too large: " + total);
        }
        this.replicas = (int) total;
        gpuOfSlot = new int[replicas];
        for (int g = 0, p = 0; g < slotsPerGpu.length; g++) {
            for (int k = 0; k < slotsPerGpu[g]; k++) {
                gpuOfSlot[p++] = g;
            }
        }
        copies = new int[experts];
        gpuLoad = new double[gpus];
    }

    private static int[] uniformSlots(int replicas, int gpus) {
        Checks.positive("replicas", replicas);
        Checks.positive("gpus", gpus);
        if (replicas % gpus != 0) {
            throw new IllegalArgumentException("replicas must be a multiple of gpus (" + gpus + "), was " + replicas);
        }
        int[] s = new int[gpus];
        java.util.Arrays.fill(s, replicas / gpus);
        return s;
    }

    /** Physical slots per layer (all GPUs). */
    public int replicas() {
        return replicas;
    }

    /**
     * Max / mean GPU load of layer {@code layer}: placement {@code phy2log[layer * replicas + p]},
     * loads {@code weight[layer * experts + e]} (>= 0).
     *
     * @throws IllegalArgumentException on arrays too short for the layer, slots outside
     *     {@code [-1, experts)} or negative loads (nothing is kept between calls)
     */
    public double imbalance(int[] phy2log, int[] weight, int layer) {
        Checks.nonNegative("layer", layer);
        Checks.length("phy2log", Checks.notNull("phy2log", phy2log).length, (layer + 1L) * replicas);
        Checks.length("weight", Checks.notNull("weight", weight).length, (layer + 1L) * experts);
        final int pBase = layer * replicas;
        final int eBase = layer * experts;
        for (int e = 0; e < experts; e++) {
            if (weight[eBase + e] < 0) {
                throw Checks.element("weight", eBase + e, "must be >= 0", weight[eBase + e]);
            }
        }
        java.util.Arrays.fill(copies, 0);
        for (int p = 0; p < replicas; p++) {
            int e = phy2log[pBase + p];
            if (e < -1 || e >= experts) {
                throw Checks.element("phy2log", pBase + p, "must be in [-1, " + experts + ")", e);
            }
            if (e >= 0) {
                copies[e]++;
            }
        }
        long total = 0;
        for (int e = 0; e < experts; e++) {
            int w = weight[eBase + e];
            if (w > 0 && copies[e] == 0) {
                return Double.POSITIVE_INFINITY;
            }
            total += w;
        }
        return total == 0 ? 1.0 : maxGpuLoad(phy2log, weight, pBase, eBase) * liveGpus(phy2log, pBase) / total;
    }

    /**
     * Whether layers {@code 0 .. layers - 1} all have {@link #imbalance} at most {@code threshold}
     * (>= 1): when true, a rebalance can return "no change".
     */
    public boolean balanced(int[] phy2log, int[] weight, int layers, double threshold) {
        Checks.positive("layers", layers);
        if (!(threshold >= 1) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold must be finite and >= 1, was " + threshold);
        }
        for (int l = 0; l < layers; l++) {
            if (imbalance(phy2log, weight, l) > threshold) {
                return false;
            }
        }
        return true;
    }

    private int liveGpus(int[] phy2log, int pBase) {
        // A GPU's slots are consecutive: count it at its first slot that holds an expert.
        int live = 0;
        int last = -1;
        for (int p = 0; p < replicas; p++) {
            int g = gpuOfSlot[p];
            if (g != last && phy2log[pBase + p] >= 0) {
                live++;
                last = g;
            }
        }
        return live;
    }

    private double maxGpuLoad(int[] phy2log, int[] weight, int pBase, int eBase) {
        java.util.Arrays.fill(gpuLoad, 0.0);
        for (int p = 0; p < replicas; p++) {
            int e = phy2log[pBase + p];
            if (e >= 0) {
                gpuLoad[gpuOfSlot[p]] += (double) weight[eBase + e] / copies[e];
            }
        }
        double max = 0;
        for (double g : gpuLoad) {
            max = Math.max(max, g);
        }
        return max;
    }
}
