package io.keel.planners.rollout;

import java.util.List;

import io.keel.core.Checks;

/**
 * A decoder-only transformer as the cost model needs it: parameters (total for memory, active
 * for compute, which differ for a mixture of experts), layers, hidden size, attention heads and
 * the element width of weights and KV cache. Weight bytes per GPU and KV bytes per token follow.
 *
 * <p>Presets ({@link #preset(String)}) carry the public config values of each model
 * ({@code config.json} on the model's Hugging Face page: {@code num_hidden_layers},
 * {@code hidden_size}, {@code num_attention_heads}, {@code num_key_value_heads},
 * {@code head_dim}; parameter counts from the model cards), all in bf16.
 *
 * <p>Immutable and thread-safe; the accessors allocate nothing.
 *
 * @param name preset key
 * @param totalParams parameters held in memory
 * @param activeParams parameters one token passes through (equals total for a dense model)
 * @param layers transformer layers
 * @param hidden hidden size (the all-reduce message per token per layer)
 * @param queryHeads attention heads
 * @param kvHeads key/value heads (grouped-query attention)
 * @param headDim dimension per head
 * @param bytesPerElement bytes of one weight or KV element (2 for bf16)
 */
public record ModelSpec(String name, double totalParams, double activeParams, int layers, int hidden, int queryHeads,
                        int kvHeads, int headDim, int bytesPerElement) {
    /** Validates every field. @throws IllegalArgumentException naming the field */
    public ModelSpec {
        Checks.notNull("name", name);
        if (!(totalParams > 0) || Double.isInfinite(totalParams)) {
            throw new IllegalArgumentException("totalParams must be positive and finite, was " + totalParams);
        }
        if (!(activeParams > 0) || activeParams > totalParams) {
            throw new IllegalArgumentException("activeParams must be in (0, totalParams], was " + activeParams);
        }
        Checks.positive("layers", layers);
        Checks.positive("hidden", hidden);
        Checks.positive("queryHeads", queryHeads);
        Checks.positive("kvHeads", kvHeads);
        Checks.positive("headDim", headDim);
        Checks.positive("bytesPerElement", bytesPerElement);
        double kvBytes = 2.0 * layers * kvHeads * headDim * bytesPerElement;
        if (kvBytes > 1L << 40) {
            throw new IllegalArgumentException("KV bytes per token (2 x layers x kvHeads x headDim x bytesPerElement) "
                    + "must be at most 2^40, was " + kvBytes);
        }
    }

    /** Llama-3.1-8B (meta-llama/Llama-3.1-8B: 32 layers, hidden 4096, 32 heads, 8 KV heads, head 128; 8.03B). */
    public static final ModelSpec LLAMA31_8B = new ModelSpec("llama3.1-8b", 8.03e9, 8.03e9, 32, 4096, 32, 8, 128, 2);
    /** Qwen2.5-32B (Qwen/Qwen2.5-32B: 64 layers, hidden 5120, 40 heads, 8 KV heads, head 128; 32.8B). */
    public static final ModelSpec QWEN25_32B = new ModelSpec("qwen2.5-32b", 32.76e9, 32.76e9, 64, 5120, 40, 8, 128, 2);
    /** Llama-3.1-70B (meta-llama/Llama-3.1-70B: 80 layers, hidden 8192, 64 heads, 8 KV heads, head 128; 70.6B). */
    public static final ModelSpec LLAMA31_70B = new ModelSpec("llama3.1-70b", 70.6e9, 70.6e9, 80, 8192, 64, 8, 128, 2);
    /**
     * Qwen3-30B-A3B (Qwen/Qwen3-30B-A3B: 48 layers, hidden 2048, 32 heads, 4 KV heads, head 128;
     * 30.5B total, 3.3B active: 8 of 128 experts per token).
     */
    public static final ModelSpec QWEN3_30B_A3B = new ModelSpec("qwen3-30b-a3b", 30.5e9, 3.3e9, 48, 2048, 32, 4, 128, 2);
    /** Llama-2-70B (meta-llama/Llama-2-70b-hf: 80 layers, hidden 8192, 64 heads, 8 KV heads, head 128; 69B): the calibration model. */
    public static final ModelSpec LLAMA2_70B = new ModelSpec("llama2-70b", 69e9, 69e9, 80, 8192, 64, 8, 128, 2);
    /** Llama-2-7B (meta-llama/Llama-2-7b-hf: 32 layers, hidden 4096, 32 heads, 32 KV heads, head 128; 6.74B). */
    public static final ModelSpec LLAMA2_7B = new ModelSpec("llama2-7b", 6.74e9, 6.74e9, 32, 4096, 32, 32, 128, 2);

    private static final List<ModelSpec> PRESETS = List.of(LLAMA31_8B, QWEN25_32B, LLAMA31_70B, QWEN3_30B_A3B,
            LLAMA2_70B, LLAMA2_7B);

    /** The preset called {@code name}. @throws IllegalArgumentException listing the presets when unknown */
    public static ModelSpec preset(String name) {
        for (ModelSpec m : PRESETS) {
            if (m.name.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("model '" + name + "' is not a preset: " + presetNames());
    }

    /** The preset names. */
    public static List<String> presetNames() {
        return PRESETS.stream().map(ModelSpec::name).toList();
    }

    /** Whether this is a mixture of experts (active parameters below total). */
    public boolean isMixtureOfExperts() {
        return activeParams < totalParams;
    }

    /** Bytes of all weights. */
    public double weightBytes() {
        return totalParams * bytesPerElement;
    }

    /** Weight bytes on each GPU of a tensor-parallel instance of {@code degree} GPUs. */
    public double weightBytesPerGpu(int degree) {
        return weightBytes() / Checks.positive("degree", degree);
    }

    /** KV-cache bytes per context token: 2 (K and V) x layers x KV heads x head dim x element bytes. */
    public long kvBytesPerToken() {
        return 2L * layers * kvHeads * headDim * bytesPerElement;
    }

    /** Matrix-multiply FLOPs per token outside attention: 2 x active parameters. */
    public double flopsPerToken() {
        return 2 * activeParams;
    }

    /** Attention FLOPs of one new token against {@code context} earlier tokens (QK and PV over every layer). */
    public double attentionFlops(double context) {
        return 4.0 * layers * queryHeads * headDim * context;
    }
}
