package io.keel.planners.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

class RooflineCostModelTest {
    private static final GpuSpec H100 = GpuSpec.H100_80GB;

    @Test
    void matchesTheVidurLlama2_70bTableWithin15PercentAtShortContext() {
        DecodeTimeTable vidur = DecodeTimeTable.llama2_70bH100();
        for (int batch : new int[] {1, 32, 256}) {
            for (int d : new int[] {1, 2, 4, 8}) {
                // vidur's profile is the linear layers and all-reduce of Llama-2-70B at any degree
                // (it ignores memory), so the cost model is built without the feasibility check.
                double ours = roofline(ModelSpec.LLAMA2_70B, d, batch);
                double theirs = vidur.secondsPerToken(batch, d);
                assertEquals(theirs, ours, 0.15 * theirs, "batch " + batch + " TP" + d);
            }
        }
        DecodeTimeTable small = DecodeTimeTable.llama2_7bH100();
        for (int d : new int[] {1, 2, 4, 8}) {
            double theirs = small.secondsPerToken(32, d);
            assertEquals(theirs, roofline(ModelSpec.LLAMA2_7B, d, 32), 0.15 * theirs, "7B batch 32 TP" + d);
        }
    }

    /** The model on an H100 with enough HBM to be feasible at every degree: only time is compared. */
    static double roofline(ModelSpec m, int d, int batch) {
        GpuSpec big = new GpuSpec("h100-unbounded", 1e15, H100.hbmBytesPerSecond(), H100.denseFlops(),
                H100.allReduceBytesPerSecond(), H100.transferBytesPerSecond());
        return new RooflineCostModel(m, big, d).decodeSeconds(batch, 0);
    }

    @Test
    void longContextSlowsEveryCoBatchedSequence() {
        RooflineCostModel tp4 = new RooflineCostModel(ModelSpec.QWEN25_32B, H100, 4);
        double shortCtx = tp4.decodeSeconds(64, 64 * 2_000.0);
        double longCtx = tp4.decodeSeconds(64, 64 * 40_000.0);
        assertTrue(longCtx > 2 * shortCtx, shortCtx + " vs " + longCtx);
        assertTrue(tp4.iterationSeconds(64, 64 * 2_000.0, 4_096, 30_000) > shortCtx, "a prefill chunk costs time");
        assertEquals(0.0, tp4.iterationSeconds(0, 0, 0, 0));
    }

    @Test
    void weightsAndKvFollowFromTheSpec() {
        assertEquals(262_144, ModelSpec.QWEN25_32B.kvBytesPerToken()); // 2 x 64 x 8 x 128 x 2
        assertEquals(327_680, ModelSpec.LLAMA2_70B.kvBytesPerToken());
        assertTrue(ModelSpec.QWEN3_30B_A3B.isMixtureOfExperts());
        assertEquals(61e9, ModelSpec.QWEN3_30B_A3B.weightBytes(), 1e6); // memory from total parameters
        assertEquals(6.6e9, ModelSpec.QWEN3_30B_A3B.flopsPerToken(), 1e6); // compute from active ones
        RooflineCostModel tp8 = new RooflineCostModel(ModelSpec.QWEN25_32B, H100, 8);
        long expected = (long) ((8 * (80e9 * 0.9 - 4e9) - 32.76e9 * 2) / 262_144);
        assertEquals(expected, tp8.kvCapacityTokens());
        RooflineCostModel tp4 = new RooflineCostModel(ModelSpec.QWEN25_32B, H100, 4);
        assertTrue(tp8.kvCapacityTokens() > 2 * tp4.kvCapacityTokens(), "wider instances hold more KV per GPU");
    }

    @Test
    void infeasibleDegreesThrowNamingTheDegree() {
        assertFalse(RooflineCostModel.isFeasible(ModelSpec.LLAMA31_70B, H100, 1));
        assertFalse(RooflineCostModel.isFeasible(ModelSpec.LLAMA31_70B, H100, 2));
        assertTrue(RooflineCostModel.isFeasible(ModelSpec.LLAMA31_70B, H100, 4));
        assertTrue(RooflineCostModel.isFeasible(ModelSpec.LLAMA31_8B, H100, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RooflineCostModel(ModelSpec.LLAMA31_70B, H100, 1));
        assertTrue(e.getMessage().contains("degree 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RooflineCostModel(ModelSpec.LLAMA31_8B, H100, 0));
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("gpt-5"));
        assertEquals(ModelSpec.QWEN25_32B, ModelSpec.preset("qwen2.5-32b"));
        assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec("x", 1e9, 2e9, 1, 1, 1, 1, 1, 2), "active above total");
    }

    @Test
    void plannerTableHasOnlyFeasibleDegrees() {
        DecodeTimeTable t = RooflineCostModel.decodeTimeTable(ModelSpec.LLAMA31_70B, H100, new int[] {1, 2, 4, 8},
                new int[] {1, 32, 256}, 20_000);
        assertEquals(2, t.degreeCount());
        assertEquals(4, t.degree(0));
        assertTrue(t.secondsPerToken(256, 4) > t.secondsPerToken(1, 4));
    }

    @Test
    void iterationsAllocateNothing() {
        RooflineCostModel m = new RooflineCostModel(ModelSpec.QWEN3_30B_A3B, H100, 2);
        double[] sink = new double[1];
        int[] i = new int[1];
        AllocationProbe.assertZeroAllocation("iterationSeconds", () -> {
            int k = i[0]++;
            sink[0] += m.iterationSeconds(k & 255, k * 100.0, k & 1023, 5_000);
        });
    }

    @Test
    void negativeOrNonFiniteInputsAreRefused() {
        RooflineCostModel m = new RooflineCostModel(ModelSpec.LLAMA31_8B, GpuSpec.H100_80GB, 1);
        assertThrows(IllegalArgumentException.class, () -> m.iterationSeconds(1, Double.NaN, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> m.iterationSeconds(1, -1e12, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> m.iterationSeconds(-1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> m.iterationSeconds(1, 0, 1, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> m.transferSeconds(-1));
        // A batch and a chunk that would wrap an int add up in a long.
        assertTrue(m.iterationSeconds(Integer.MAX_VALUE, 0, 1, 0) > 0);
        assertEquals(0.0, m.iterationSeconds(0, 0, 0, 0));
        int max = Integer.MAX_VALUE;
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("x", 1, 1, max, 1, 1, max, max, max));
    }
}
