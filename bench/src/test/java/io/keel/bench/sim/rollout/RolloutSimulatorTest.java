package io.keel.bench.sim.rollout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.keel.bench.cli.KeelCommand;
import org.junit.jupiter.api.Test;

class RolloutSimulatorTest {
    private static List<Policy> everyPolicy() {
        List<Policy> all = new ArrayList<>(List.of(Policy.fcfs(), Policy.sticky(), Policy.keel()));
        all.addAll(Policy.ablations());
        return all;
    }

    @Test
    void everyTokenOnceAndEveryTrajectoryFinishes() {
        for (long seed = 1; seed <= 4; seed++) {
            int n = 48 + 80 * (int) seed;
            int gpus = seed % 2 == 0 ? 16 : 8;
            RolloutWorkload w = RolloutWorkload.generate(RolloutWorkload.Params.defaults(n), seed, 0);
            RolloutConfig cfg = RolloutConfig.defaults(gpus, 8); // TP2 baselines on 16 GPUs, TP1 on 8
            double bound = w.lowerBoundSeconds(cfg.table(), cfg.prefillTokensPerSecondPerGpu());
            for (Policy p : everyPolicy()) {
                RolloutResult r = RolloutSimulator.run(w, cfg, p, seed);
                String what = p.name() + " seed " + seed;
                assertEquals(n, r.finished(), what);
                assertEquals(w.totalTokens(), r.tokens(), what);
                assertEquals(w.totalSteps(), r.stepsRun(), what);
                assertTrue(r.makespanSeconds() >= bound * (1 - 1e-9), what + ": below the lower bound");
                assertTrue(r.idleShare() >= 0 && r.idleShare() <= 1, what);
                assertTrue(r.p99QueueSeconds() <= r.maxQueueSeconds(), what);
            }
            RolloutResult preempting = RolloutSimulator.run(w, cfg.withPreemptionMargin(0.5), Policy.keel(), seed);
            assertEquals(n, preempting.finished());
            assertEquals(w.totalTokens(), preempting.tokens());
        }
    }

    @Test
    void deterministic() {
        RolloutWorkload w = RolloutWorkload.generate(RolloutWorkload.Params.defaults(256), 9, 0);
        RolloutConfig cfg = RolloutConfig.defaults(16, 16);
        RolloutResult a = RolloutSimulator.run(w, cfg, Policy.keel(), 9);
        RolloutResult b = RolloutSimulator.run(w, cfg, Policy.keel(), 9);
        assertEquals(a.makespanSeconds(), b.makespanSeconds());
        assertEquals(a.migrations(), b.migrations());
        assertEquals(a.p99QueueSeconds(), b.p99QueueSeconds());
        assertArrayEquals(a.tailRecall(), b.tailRecall());
    }

    @Test
    void workloadMatchesThePublishedQuantiles() {
        RolloutWorkload w = RolloutWorkload.generate(RolloutWorkload.Params.defaults(8192), 3, 0);
        int[] steps = w.allSteps();
        Arrays.sort(steps);
        assertEquals(46, steps[steps.length / 2], 46 * 0.08);
        assertEquals(92, steps[(int) (0.9 * steps.length)], 92 * 0.08);
        int[] tokens = w.allStepTokens();
        Arrays.sort(tokens);
        assertEquals(144, tokens[tokens.length / 2], 144 * 0.05);
        assertEquals(1406, tokens[(int) (0.99 * tokens.length)], 1406 * 0.08);
        double[] tools = w.allToolSeconds();
        Arrays.sort(tools);
        assertEquals(0.035, tools[tools.length / 2], 0.035 * 0.1);
        assertEquals(9.3, tools[(int) (0.9 * tools.length)], 9.3 * 0.05);
        assertEquals(19, tools[(int) (0.99 * tools.length)], 19 * 0.05);
    }

    @Test
    void cliPrintsTheDocumentedKeys() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            status = KeelCommand.execute("rollout", "--trajectories", "64", "--instances", "8", "--gpus", "8", "--seed", "3", "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, status);
        String json = buf.toString(StandardCharsets.UTF_8);
        for (String key : List.of("\"fcfs\"", "\"sticky\"", "\"keel\"", "\"makespanSeconds\"", "\"tokensPerSecond\"",
                "\"p99QueueSeconds\"", "\"idleShare\"", "\"migrations\"", "\"speedupOverBestBaseline\"",
                "\"placementMicros\"", "\"p50\"", "\"p99\"")) {
            assertTrue(json.contains(key), key + " missing in " + json);
        }
        assertEquals(2, KeelCommand.execute("rollout", "--policy", "nope"));
        assertEquals(2, KeelCommand.execute("rollout", "--gpus", "64", "--instances", "3"));
    }
}
