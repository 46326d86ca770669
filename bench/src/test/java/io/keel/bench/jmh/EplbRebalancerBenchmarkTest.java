package io.keel.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;

import io.keel.planners.ep.RebalancePlan;
import org.junit.jupiter.api.Test;

class EplbRebalancerBenchmarkTest {
    private static final String[] SHAPES = {"12/60/6/12/3", "8/256/32/12/8"};

    @Test
    void atTheBenchmarksThresholdNeitherSkipPathPlansALayer() {
        for (String shape : SHAPES) {
            EplbRebalancerBenchmark b = benchmark(shape);
            for (int k = 0; k < 8; k++) {
                assertSamePlannedLayers(b, k, EplbRebalancerBenchmark.SKIP_THRESHOLD, shape);
                assertEquals(0, b.eplbAboveThreshold(k, EplbRebalancerBenchmark.SKIP_THRESHOLD), shape);
            }
        }
    }

    @Test
    void theImbalanceCheckIsKeelsSkipRuleAtAnyThreshold() {
        for (String shape : SHAPES) {
            EplbRebalancerBenchmark b = benchmark(shape);
            for (int k : new int[] {0, 5}) {
                // Every layer's max / mean, read from a call that skips them all.
                RebalancePlan all = b.keelWithSkip(k, EplbRebalancerBenchmark.SKIP_THRESHOLD);
                double[] before = new double[all.layers()];
                for (int l = 0; l < before.length; l++) {
                    before[l] = all.imbalanceBefore(l);
                }
                Arrays.sort(before);
                // 1: only a perfectly balanced layer is kept; the median layer's own max / mean: the
                // layers at or below it are kept (the boundary is "at or below" on both sides).
                for (double threshold : new double[] {1.0, before[before.length / 2]}) {
                    assertSamePlannedLayers(b, k, threshold, shape);
                }
            }
        }
    }

    private static EplbRebalancerBenchmark benchmark(String shape) {
        EplbRebalancerBenchmark b = new EplbRebalancerBenchmark();
        b.shape = shape;
        b.setup();
        return b;
    }

    private static void assertSamePlannedLayers(EplbRebalancerBenchmark b, int k, double threshold, String shape) {
        RebalancePlan keel = b.keelWithSkip(k, threshold);
        boolean[] eplb = new boolean[keel.layers()];
        for (int i = 0, n = b.eplbAboveThreshold(k, threshold); i < n; i++) {
            eplb[b.pickedLayer(i)] = true;
        }
        for (int l = 0; l < eplb.length; l++) {
            assertEquals(!keel.skipped(l), eplb[l],
                    shape + ", window " + k + ", threshold " + threshold + ", layer " + l);
        }
    }
}
