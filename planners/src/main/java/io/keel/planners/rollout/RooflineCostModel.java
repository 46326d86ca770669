package io.keel.planners.rollout;

import io.keel.core.Checks;

/**
 * Time of one iteration of an inference instance (a {@link ModelSpec} on {@code degree}
 * tensor-parallel {@link GpuSpec}s) as a calibrated roofline, and the instance's KV capacity.
 *
 * <p>An iteration decodes one token for each of {@code b} sequences whose contexts sum to
 * {@code C} tokens and prefills a chunk of {@code p} new tokens after a prefix of {@code P}:
 * <pre>
 *   FLOPs = 2 x active x (b + p) + attention(C) + p x attention(P + p / 2)
 *   bytes = weights read + kvBytesPerToken x (C + P + p)
 *   time  = max(FLOPs / (d x peak x computeEff), bytes / (d x hbm x memoryEff))
 *         + 2 x layers x (allReduceLatency + (b + p) x hidden x elementBytes x 2 (d - 1) / d / allReduceBw)
 *         + layers x fixedPerLayer
 * </pre>
 * Weights read are all weights for a dense model and {@code min(total, active x tokens)} for a
 * mixture of experts. Long co-batched contexts make every sequence's token slower (the KV
 * term): that is the interference the simulator needs.
 *
 * <p>Calibration: {@link #MEMORY_EFFICIENCY}, {@link #COMPUTE_EFFICIENCY}, {@link
 * #ALL_REDUCE_LATENCY_SECONDS}, {@link #FIXED_SECONDS_PER_LAYER} and the H100 preset's
 * all-reduce bandwidth were fitted by grid search to the vidur Llama-2-70B H100 profile
 * ({@link DecodeTimeTable#LLAMA2_70B_H100_CSV}: linear layers and all-reduce, no attention, so
 * compared at zero context). All twelve cells are within 11%, and the Llama-2-7B row within 7%
 * (see {@code RooflineCostModelTest} and the README).
 *
 * <p>Memory: an instance holds {@code d x hbm x} {@link #MEMORY_UTILIZATION} bytes (vLLM's
 * default {@code gpu_memory_utilization}), of which the weights and {@link
 * #ACTIVATION_RESERVE_BYTES} per GPU (activations and CUDA graphs: our assumption) are not KV
 * cache. A degree that leaves no KV cache is infeasible and the constructor throws.
 *
 * <p>Immutable and thread-safe; every method after construction allocates nothing.
 */
public final class RooflineCostModel {
    /** Achieved share of peak HBM bandwidth (fitted). */
    public static final double MEMORY_EFFICIENCY = 0.95;
    /** Achieved share of peak dense FLOP/s (fitted). */
    public static final double COMPUTE_EFFICIENCY = 0.65;
    /** Latency of one all-reduce call; two per layer (fitted). */
    public static final double ALL_REDUCE_LATENCY_SECONDS = 35e-6;
    /** Per-layer fixed cost of an iteration: kernel launches, norms, sampling share (fitted). */
    public static final double FIXED_SECONDS_PER_LAYER = 37.5e-6;
    /** Share of HBM the serving engine takes (vLLM's default 0.9). */
    public static final double MEMORY_UTILIZATION = 0.90;
    /** HBM per GPU kept for activations and CUDA graphs, not KV cache (assumption). */
    public static final double ACTIVATION_RESERVE_BYTES = 4e9;

    private final ModelSpec model;
    private final GpuSpec gpu;
    private final int degree;
    private final long kvCapacityTokens;
    private final double flopRate;
    private final double byteRate;
    private final double allReduceBytesPerToken;
    private final double fixedSeconds;

    /**
     * The cost model of {@code model} on {@code degree} GPUs of {@code gpu}.
     *
     * @throws IllegalArgumentException if {@code degree} is not positive or the weights and
     *     reserve leave no room for KV cache (the message gives the bytes)
     */
    public RooflineCostModel(ModelSpec model, GpuSpec gpu, int degree) {
        Checks.notNull("model", model);
        Checks.notNull("gpu", gpu);
        Checks.positive("degree", degree);
        double kvBytes = kvCapacityBytes(model, gpu, degree);
        if (!(kvBytes > 0)) {
            throw new IllegalArgumentException(infeasibility(model, gpu, degree));
        }
        this.model = model;
        this.gpu = gpu;
        this.degree = degree;
        this.kvCapacityTokens = (long) (kvBytes / model.kvBytesPerToken());
        this.flopRate = degree * gpu.denseFlops() * COMPUTE_EFFICIENCY;
        this.byteRate = degree * gpu.hbmBytesPerSecond() * MEMORY_EFFICIENCY;
        this.allReduceBytesPerToken = degree == 1 ? 0
                : (double) model.hidden() * model.bytesPerElement() * 2.0 * (degree - 1) / degree;
        this.fixedSeconds = model.layers() * FIXED_SECONDS_PER_LAYER;
    }

    /** KV-cache bytes an instance of {@code degree} GPUs holds (negative or zero: infeasible). */
    public static double kvCapacityBytes(ModelSpec model, GpuSpec gpu, int degree) {
        Checks.positive("degree", degree);
        return degree * (gpu.hbmBytes() * MEMORY_UTILIZATION - ACTIVATION_RESERVE_BYTES) - model.weightBytes();
    }

    /** Whether {@code model} fits {@code degree} GPUs with room for KV cache. */
    public static boolean isFeasible(ModelSpec model, GpuSpec gpu, int degree) {
        return degree > 0 && kvCapacityBytes(model, gpu, degree) > 0;
    }

    /** One line saying why {@code degree} is infeasible (or that it is feasible). */
    public static String infeasibility(ModelSpec model, GpuSpec gpu, int degree) {
        return String.format("degree %d cannot hold %s on %s: weights %.1f GB + reserve %.1f GB exceed %.1f GB usable",
                degree, model.name(), gpu.name(), model.weightBytes() / 1e9, degree * ACTIVATION_RESERVE_BYTES / 1e9,
                degree * gpu.hbmBytes() * MEMORY_UTILIZATION / 1e9);
    }

    /** The model. */
    public ModelSpec model() {
        return model;
    }

    /** The GPU. */
    public GpuSpec gpu() {
        return gpu;
    }

    /** GPUs of the instance. */
    public int degree() {
        return degree;
    }

    /** KV-cache capacity of the instance in tokens. */
    public long kvCapacityTokens() {
        return kvCapacityTokens;
    }

    /**
     * Seconds of one iteration: {@code batch} sequences decode one token each over contexts that
     * sum to {@code decodeContext} tokens, and a chunk of {@code prefillTokens} is prefilled after
     * a prefix of {@code prefillContext} tokens. Zero when there is nothing to do.
     *
     * @throws IllegalArgumentException on a negative count or a context that is negative or not finite
     */
    public double iterationSeconds(int batch, double decodeContext, int prefillTokens, double prefillContext) {
        Checks.nonNegative("batch", batch);
        Checks.nonNegative("prefillTokens", prefillTokens);
        Checks.nonNegativeFinite("decodeContext", decodeContext);
        Checks.nonNegativeFinite("prefillContext", prefillContext);
        long tokens = (long) batch + prefillTokens;
        if (tokens == 0) {
            return 0.0;
        }
        double flops = model.flopsPerToken() * tokens + model.attentionFlops(decodeContext)
                + prefillTokens * model.attentionFlops(prefillContext + prefillTokens * 0.5);
        double weights = Math.min(model.totalParams(), model.activeParams() * tokens) * model.bytesPerElement();
        double bytes = weights + model.kvBytesPerToken() * (decodeContext + prefillContext + prefillTokens);
        double roof = Math.max(flops / flopRate, bytes / byteRate);
        double allReduce = degree == 1 ? 0.0
                : 2.0 * model.layers() * (ALL_REDUCE_LATENCY_SECONDS + tokens * allReduceBytesPerToken / gpu.allReduceBytesPerSecond());
        return roof + allReduce + fixedSeconds;
    }

    /** Seconds per decode iteration of {@code batch} sequences whose contexts sum to {@code context}. */
    public double decodeSeconds(int batch, double context) {
        return iterationSeconds(batch, context, 0, 0.0);
    }

    /** Seconds to move {@code tokens} of KV cache to another instance. */
    public double transferSeconds(double tokens) {
        Checks.nonNegativeFinite("tokens", tokens);
        return tokens * model.kvBytesPerToken() / gpu.transferBytesPerSecond();
    }

    /**
     * The decode-time table the planners price placements with: this model's decode seconds per
     * iteration at the given batch rows for each feasible degree of {@code degrees}, every
     * sequence holding {@code contextPerSequence} tokens (the planners' simpler model: one
     * typical context, no prefill, no tool time).
     *
     * @throws IllegalArgumentException if no degree is feasible
     */
    public static DecodeTimeTable decodeTimeTable(ModelSpec model, GpuSpec gpu, int[] degrees, int[] batches,
                                                  double contextPerSequence) {
        int feasible = 0;
        for (int d : degrees) {
            feasible += isFeasible(model, gpu, d) ? 1 : 0;
        }
        if (feasible == 0) {
            throw new IllegalArgumentException("no degree of " + java.util.Arrays.toString(degrees) + " is feasible for "
                    + model.name() + " on " + gpu.name());
        }
        RooflineCostModel[] costs = new RooflineCostModel[feasible];
        int[] cols = new int[feasible];
        int k = 0;
        for (int d : degrees) {
            if (isFeasible(model, gpu, d)) {
                cols[k] = d;
                costs[k++] = new RooflineCostModel(model, gpu, d);
            }
        }
        DecodeTimeTable.Builder b = DecodeTimeTable.builder().degrees(cols);
        for (int batch : batches) {
            double[] ms = new double[feasible];
            for (int c = 0; c < feasible; c++) {
                ms[c] = costs[c].decodeSeconds(batch, batch * contextPerSequence) * 1e3;
            }
            b.rowMillis(batch, ms);
        }
        return b.build();
    }
}
