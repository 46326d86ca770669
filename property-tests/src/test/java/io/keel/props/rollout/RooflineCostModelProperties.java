package io.keel.props.rollout;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.keel.planners.rollout.GpuSpec;
import io.keel.planners.rollout.ModelSpec;
import io.keel.planners.rollout.RooflineCostModel;
import org.junit.jupiter.api.Test;

/** Invariants of the roofline cost model the simulator and the planners rely on. */
class RooflineCostModelProperties {
    private static final ModelSpec[] MODELS = {ModelSpec.LLAMA31_8B, ModelSpec.QWEN25_32B, ModelSpec.LLAMA31_70B,
            ModelSpec.QWEN3_30B_A3B};
    private static final int[] DEGREES = {1, 2, 4, 8};

    @Test
    void moreWorkNeverTakesLess() {
        qt().withExamples(2_000).forAll(integers().between(0, 15), integers().between(1, 256),
                integers().between(0, 20_000_000), integers().between(0, 8_192)).checkAssert((md, b, c, p) -> {
                    ModelSpec m = MODELS[md / 4];
                    int d = DEGREES[md % 4];
                    if (!RooflineCostModel.isFeasible(m, GpuSpec.H100_80GB, d)) {
                        return;
                    }
                    RooflineCostModel cost = new RooflineCostModel(m, GpuSpec.H100_80GB, d);
                    double base = cost.iterationSeconds(b, c, p, 1_000);
                    assertTrue(cost.iterationSeconds(b + 1, c, p, 1_000) >= base, "batch");
                    assertTrue(cost.iterationSeconds(b, c + 10_000.0, p, 1_000) >= base, "context");
                    assertTrue(cost.iterationSeconds(b, c, p + 64, 1_000) >= base, "prefill chunk");
                    assertTrue(base > 0, "positive");
                });
    }

    @Test
    void feasibilityAndKvCapacityGrowWithDegree() {
        qt().withExamples(200).forAll(integers().between(0, 3), integers().between(0, 2)).checkAssert((mi, di) -> {
            ModelSpec m = MODELS[mi];
            int d = DEGREES[di];
            int wider = DEGREES[di + 1];
            if (RooflineCostModel.isFeasible(m, GpuSpec.H100_80GB, d)) {
                assertTrue(RooflineCostModel.isFeasible(m, GpuSpec.H100_80GB, wider), "feasible at " + d + " but not " + wider);
                long narrow = new RooflineCostModel(m, GpuSpec.H100_80GB, d).kvCapacityTokens();
                long wide = new RooflineCostModel(m, GpuSpec.H100_80GB, wider).kvCapacityTokens();
                assertTrue(wide >= 2 * narrow, "KV per GPU does not shrink with degree: " + narrow + " -> " + wide);
            }
        });
    }
}
