package io.keel.planners.rollout;

import io.keel.core.Checks;

/**
 * One accelerator as the cost model needs it: HBM capacity and bandwidth, dense FLOP/s, the
 * bus bandwidth of an all-reduce among the GPUs of one instance, and the bandwidth of a KV
 * transfer between instances.
 *
 * <p>Immutable and thread-safe; the accessors allocate nothing.
 *
 * @param name preset key
 * @param hbmBytes HBM capacity in bytes
 * @param hbmBytesPerSecond peak HBM bandwidth
 * @param denseFlops peak dense bf16 FLOP/s
 * @param allReduceBytesPerSecond achieved all-reduce bus bandwidth inside an instance
 * @param transferBytesPerSecond KV-cache transfer bandwidth between two instances
 */
public record GpuSpec(String name, double hbmBytes, double hbmBytesPerSecond, double denseFlops,
                      double allReduceBytesPerSecond, double transferBytesPerSecond) {
    /** Validates every field. @throws IllegalArgumentException naming the field */
    public GpuSpec {
        Checks.notNull("name", name);
        positive("hbmBytes", hbmBytes);
        positive("hbmBytesPerSecond", hbmBytesPerSecond);
        positive("denseFlops", denseFlops);
        positive("allReduceBytesPerSecond", allReduceBytesPerSecond);
        positive("transferBytesPerSecond", transferBytesPerSecond);
    }

    /**
     * NVIDIA H100 SXM 80 GB (NVIDIA H100 datasheet: 80 GB HBM3 at 3.35 TB/s, 989 TFLOP/s dense
     * bf16). The all-reduce bus bandwidth, 200 GB/s, is fitted with the rest of the cost model
     * to the vidur Llama-2-70B profile (see {@link RooflineCostModel}); NVLink 4 is 450 GB/s per
     * direction nominal. KV transfers between instances go at 50 GB/s (one 400 Gb/s NIC per GPU).
     */
    public static final GpuSpec H100_80GB = new GpuSpec("h100-80gb", 80e9, 3.35e12, 989e12, 200e9, 50e9);

    /** The preset called {@code name}. @throws IllegalArgumentException when unknown */
    public static GpuSpec preset(String name) {
        if (H100_80GB.name.equals(name)) {
            return H100_80GB;
        }
        throw new IllegalArgumentException("gpu '" + name + "' is not a preset: [" + H100_80GB.name + "]");
    }

    private static void positive(String field, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(field + " must be positive and finite, was " + v);
        }
    }
}
