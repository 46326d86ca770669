package io.keel.planners.rollout;

import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictionTest {
    @Test
    void histogramMeanResidual() {
        LogHistogram h = new LogHistogram();
        for (int v = 1; v <= 10; v++) {
            h.record(v);
        }
        assertEquals(5.5, h.mean());
        assertEquals(3.0, h.meanResidual(5), 1e-12); // mean of 6..10 is 8
        assertEquals(5, h.survivors(5));
        assertTrue(Double.isNaN(h.meanResidual(10)));
        assertThrows(IllegalArgumentException.class, () -> h.record(-1));
        assertThrows(IllegalArgumentException.class, () -> h.meanResidual(Double.NaN));
    }

    @Test
    void decodeTableDefaultsAndInterpolation() {
        DecodeTimeTable t = DecodeTimeTable.llama2_70bH100();
        assertEquals(0.0504, t.secondsPerToken(32, 1), 1e-12);
        assertEquals(0.0142, t.secondsPerToken(32, 8), 1e-12);
        assertEquals(0.0130, t.secondsPerToken(1, 8), 1e-12);
        assertEquals(0.0197, t.secondsPerToken(1000, 8), 1e-12);
        assertEquals(0.0142 + 0.5 * (0.0197 - 0.0142), t.secondsPerToken(144, 8), 1e-12);
        assertEquals(0.0040, DecodeTimeTable.llama2_7bH100().secondsPerToken(7, 8), 1e-12);
        assertEquals(t.toString(), DecodeTimeTable.parseCsv(t.toString()).toString());
        assertThrows(IllegalArgumentException.class, () -> DecodeTimeTable.parseCsv("batch,1\n1,5\n8,4\n"));
        assertThrows(IllegalArgumentException.class, () -> DecodeTimeTable.parseCsv("batch,1,2\n1,5\n"));
        assertThrows(IllegalArgumentException.class, () -> DecodeTimeTable.parseCsv("nope,1\n1,5\n"));
        assertThrows(IllegalArgumentException.class, () -> t.secondsPerToken(1, 3));
    }

    @Test
    void siblingsShapeThePrediction() {
        RuntimePredictor p = new RuntimePredictor(2, 16, 8, 64);
        for (int i = 0; i < 8; i++) {
            p.recordCompleted(0, 100 * 10, 10);
            p.recordCompleted(1, 100 * 100, 100);
        }
        p.start(0, 0);
        p.start(1, 1);
        assertTrue(p.predictedTotalTokens(1) > 3 * p.predictedTotalTokens(0));
        p.observeStep(0, 100);
        assertEquals(1, p.stepsDone(0));
        assertEquals(100, p.tokensDone(0));
        assertTrue(p.predictedRemainingSteps(0) > 5 && p.predictedRemainingSteps(0) < 60);
        for (int s = 0; s < 9; s++) {
            p.observeStep(0, 100);
        }
        p.complete(0);
        assertEquals(0.0, p.predictedRemainingTokens(0));
        assertThrows(IllegalArgumentException.class, () -> p.observeStep(0, 1));
        assertThrows(IllegalArgumentException.class, () -> p.observeStep(1, -1));
        assertThrows(IllegalArgumentException.class, () -> p.start(9, 0));
        assertThrows(IllegalArgumentException.class, () -> p.start(2, 2));
        assertThrows(IllegalArgumentException.class, () -> p.predictedTotalTokens(5));
    }

    @Test
    void qualityGradesAPerfectOrdering() {
        int n = 100;
        RuntimePredictor p = new RuntimePredictor(n, 4, n, 8);
        // Each trajectory's group history says exactly how long it is.
        for (int t = 0; t < n; t++) {
            p.recordCompleted(t, 10L * (t + 1) * 2, 2 * (t + 1));
        }
        for (int t = 0; t < n; t++) {
            p.start(t, t);
            for (int s = 0; s < 2 * (t + 1); s++) {
                p.observeStep(t, 10);
            }
            p.complete(t);
        }
        RuntimePredictor.Quality q = p.quality();
        assertEquals(n, q.samples(0));
        assertEquals(1.0, q.tailRecall(0), 1e-12);
        assertTrue(q.pearson(0) > 0.95);
        assertEquals(1.0, q.tailRecall(1), 1e-12);
        assertEquals(1.0, q.populationTailRecall(3), 1e-12);
        assertEquals(n, q.samples(0));
    }

    @Test
    void sizesAndTokenSumsThatWouldOverflowAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RuntimePredictor(65536, 65536, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new RuntimePredictor(1, 1, 65536, 65536));
        RuntimePredictor p = new RuntimePredictor(1, 4, 4, 4);
        p.recordCompleted(0, Long.MAX_VALUE, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.recordCompleted(0, 1, 1));
        assertTrue(e.getMessage().contains("totalTokens would overflow"), e.getMessage());
        p.start(0, 0);
        assertTrue(p.predictedTotalTokens(0) > 0, "the refused record left the history as it was");
    }

    @Test
    void predictorAllocatesNothing() {
        RuntimePredictor p = new RuntimePredictor(64, 32, 1024, 256);
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < 2000; i++) {
            p.recordCompleted(rnd.nextInt(64), rnd.nextInt(50_000), 1 + rnd.nextInt(200));
        }
        for (int t = 0; t < 1024; t++) {
            p.start(t, t / 16);
        }
        int[] next = {0};
        AllocationProbe.assertZeroAllocation("predictor observe/refresh", () -> {
            int t = next[0]++ & 1023;
            if (p.stepsDone(t) >= 200) {
                p.complete(t);
                p.start(t, t / 16);
            }
            p.observeStep(t, 150);
            p.refresh(t);
        });
        AllocationProbe.assertZeroAllocation("predictor quality", p::quality, 20);
    }
}
