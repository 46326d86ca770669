package io.keel.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.keel.bench.sim.ep.EpStepSimulator;
import io.keel.bench.sim.ep.UltraEpWorkload;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import org.junit.jupiter.api.Test;

class EpTransfersCommandTest {
    @Test
    void epJsonCarriesTheTransferKeys() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, KeelCommand.execute("ep", "--ranks", "8", "--experts", "32", "--domain", "8",
                    "--tokens-per-rank", "512", "--microbatches", "2", "--rounds", "5", "--json"));
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        for (String key : new String[] {"\"weightSync\":{\"directMakespan\":", "\"ultraepMakespan\":", "\"keelMakespan\":",
            "\"lowerBound\":", "\"keelDepth\":", "\"tiles\":{\"tasks\":", "\"channels\":32", "\"maxChannelBytesOverMean\":",
            "\"stepMicros\":{\"p50\":", "\"p99\":", "\"simulated\":{\"fractionOfIdeal\":", "\"speedupOverNoBalancing\":"}) {
            assertTrue(out.contains(key), key + " missing in " + out);
        }
    }

    @Test
    void simulatorOrdersTheStrategies() {
        ExpertLayout shape = ExpertLayout.contiguous(16, 64, 2, 16, 1);
        UltraEpWorkload w = new UltraEpWorkload(shape, 4, 2048, 2.5, 7);
        List<int[]> batches = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            int[] m = new int[16 * 64];
            w.fill(b, m);
            batches.add(m);
        }
        EpStepSimulator.Assumptions a = EpStepSimulator.Assumptions.deepSeekV3(2048, 4);
        EpStepSimulator.Result r = EpStepSimulator.run(shape, QuotaPlanner.Options.DEFAULTS, batches, a, 2);
        assertEquals(3, r.steps());
        // Ideal <= any strategy; balancing beats none on a skewed workload.
        assertTrue(r.ideal() <= r.keel() && r.ideal() <= r.eplb() && r.ideal() <= r.none());
        assertTrue(r.keel() < r.none(), r.keel() + " vs " + r.none());
        assertTrue(r.keelFractionOfIdeal() <= 1 && r.keelSpeedupOverNone() > 1);
        assertTrue(r.keelUnits() <= r.ultraepUnits() && r.ultraepUnits() <= r.directUnits() + 1e-9);
        assertTrue(r.keelUnits() >= r.lowerBoundUnits());
        assertEquals(0, r.keelWorseThanUltraep());
    }
}
