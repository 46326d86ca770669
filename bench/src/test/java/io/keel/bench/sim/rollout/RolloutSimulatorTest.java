package io.keel.bench.sim.rollout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.bench.cli.KeelCommand;
import io.keel.planners.rollout.ModelSpec;
import org.junit.jupiter.api.Test;

class RolloutSimulatorTest {
    private static List<Policy> everyPolicy() {
        List<Policy> all = new ArrayList<>(List.of(Policy.verl(), Policy.slime(), Policy.keel(), Policy.keelOracle()));
        all.addAll(Policy.ablations());
        return all;
    }

    private static RolloutConfig small(int degree) {
        return RolloutConfig.defaults(ModelSpec.LLAMA31_8B, 8, degree).withTrainingSteps(2);
    }

    /** The training steps of {@code workload} sized to load {@code rho} on {@code cfg}, drawn from {@code seed}. */
    private static List<RolloutWorkload> atLoad(String workload, RolloutConfig cfg, double rho, long seed) {
        RolloutWorkload.Params p = RolloutWorkload.Params.named(workload, 16);
        return RolloutSimulator.trainingSteps(p.withTrajectories(RolloutSimulator.trajectoriesForLoad(p, cfg, rho, seed)), cfg, seed);
    }

    @Test
    void everyTokenOnceEveryTrajectoryFinishesAndNoneBeatsTheLowerBound() {
        for (long seed = 1; seed <= 3; seed++) {
            for (String wl : List.of("swe", "short")) {
                RolloutConfig cfg = small(seed == 2 ? 2 : 1);
                RolloutWorkload.Params p = RolloutWorkload.Params.named(wl, 16);
                int n = RolloutSimulator.trajectoriesForLoad(p, cfg, 1.5, seed);
                List<RolloutWorkload> steps = RolloutSimulator.trainingSteps(p.withTrajectories(n), cfg, seed);
                long tokens = steps.stream().mapToLong(RolloutWorkload::totalTokens).sum();
                for (Policy pol : everyPolicy()) {
                    RolloutResult r = RolloutSimulator.run(steps, cfg, pol);
                    String what = pol.name() + " " + wl + " seed " + seed;
                    assertEquals(n * steps.size(), r.finished(), what);
                    assertEquals(tokens, r.tokens(), what);
                    assertTrue(r.makespanSeconds() >= r.lowerBoundSeconds() * (1 - 1e-9), what + ": below the lower bound");
                    assertTrue(r.gpuUtilisation() > 0 && r.gpuUtilisation() <= 1 + 1e-9, what + " " + r.gpuUtilisation());
                    assertTrue(r.reprefillTokens() <= r.prefillTokens(), what);
                }
            }
        }
    }

    @Test
    void aFullCacheEvictsAndPrefillsAgainUnderLoadButNotWhenItFits() {
        RolloutConfig cfg = small(1);
        RolloutWorkload.Params p = RolloutWorkload.Params.swe(16);
        List<RolloutWorkload> loaded = RolloutSimulator.trainingSteps(
                p.withTrajectories(RolloutSimulator.trajectoriesForLoad(p, cfg, 3, 5)), cfg, 5);
        RolloutResult busy = RolloutSimulator.run(loaded, cfg, Policy.verl());
        assertTrue(busy.evictions() > 0 && busy.reprefillTokens() > 0, "evictions " + busy.evictions());
        List<RolloutWorkload> light = RolloutSimulator.trainingSteps(
                p.withTrajectories(RolloutSimulator.trajectoriesForLoad(p, cfg, 0.2, 5)), cfg, 5);
        RolloutResult idle = RolloutSimulator.run(light, cfg, Policy.verl());
        assertEquals(0, idle.evictions());
        assertEquals(0, idle.reprefillTokens());
    }

    @Test
    void keelWithoutHistoryRoutesByLoadAsSlimeDoesThenActsOnItsPredictions() {
        // Migration, the parallelism planner and residency (the admission gate) off, so only the
        // routing, queues and cache differ.
        Policy keel = new Policy("keel-cold", Policy.Routing.PREDICTED_PLACEMENT, true, true, true, false, false, true,
                false, false);
        for (long seed = 1; seed <= 2; seed++) {
            RolloutConfig cfg = small(seed == 1 ? 1 : 2);
            RolloutWorkload.Params p = RolloutWorkload.Params.swe(16);
            List<RolloutWorkload> steps = RolloutSimulator.trainingSteps(
                    p.withTrajectories(RolloutSimulator.trajectoriesForLoad(p, cfg, 2, seed)), cfg, seed);
            RolloutResult slime = RolloutSimulator.run(steps, cfg, Policy.slime());
            RolloutResult cold = RolloutSimulator.run(steps.subList(0, 1), cfg, keel);
            RolloutResult slimeCold = RolloutSimulator.run(steps.subList(0, 1), cfg, Policy.slime());
            assertTrue(slimeCold.evictions() > 0, "seed " + seed + ": not loaded");
            assertEquals(slimeCold.makespanSeconds(), cold.makespanSeconds(), "seed " + seed);
            assertEquals(slimeCold.evictions(), cold.evictions(), "seed " + seed);
            RolloutResult warm = RolloutSimulator.run(steps, cfg, keel);
            assertEquals(slime.makespanPerStep()[0], warm.makespanPerStep()[0], "seed " + seed);
            assertTrue(slime.makespanPerStep()[1] != warm.makespanPerStep()[1], "seed " + seed + ": history changed nothing");
        }
    }

    @Test
    void theAdmissionGateStopsTheThrashThatAdmittingEveryTrajectoryCauses() {
        RolloutConfig cfg = small(2);
        List<RolloutWorkload> steps = atLoad("swe", cfg, 4, 3);
        RolloutResult keel = RolloutSimulator.run(steps, cfg, Policy.keel());
        RolloutResult noGate = RolloutSimulator.run(steps, cfg, Policy.ablations().stream()
                .filter(q -> q.name().equals("keel-no-residency")).findFirst().orElseThrow());
        RolloutResult slime = RolloutSimulator.run(steps, cfg, Policy.slime());
        assertTrue(slime.evictions() > 10 * Math.max(1, keel.evictions()), "slime " + slime.evictions() + ", keel " + keel.evictions());
        assertTrue(noGate.evictions() > 10 * Math.max(1, keel.evictions()), "no gate " + noGate.evictions() + ", keel " + keel.evictions());
        // The cold step has no history: the gate charges the context cap, then what finished trajectories reached.
        assertTrue(keel.makespanPerStep()[0] < slime.makespanPerStep()[0], keel.makespanPerStep()[0] + " vs " + slime.makespanPerStep()[0]);
        assertTrue(keel.makespanSeconds() < noGate.makespanSeconds());
        // Trajectories the gate holds back wait, and that wait is queueing.
        assertTrue(keel.meanQueueSeconds() > 0, "keel queued " + keel.meanQueueSeconds());
    }

    @Test
    void inWavesUnderTheGateKeelRunsOneDegree() {
        // Steps follow load under the gate, so a mix planned for presorted placement does not hold.
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.LLAMA31_8B, 16, 8).withTrainingSteps(2);
        List<RolloutWorkload> steps = atLoad("short", cfg, 2, 4);
        RolloutResult keel = RolloutSimulator.run(steps, cfg, Policy.keel());
        assertTrue(keel.instances().matches("\\d+xTP\\d"), keel.instances());
    }

    @Test
    void inWavesAShapeIsPricedAsLoadRoutingRunsIt() {
        // qwen2.5-32b's short workload on 8 GPUs at load 2: the gate runs it in waves. The presorted plan
        // priced 2 x TP4 at about half of TP8's time by giving the longest trajectory an instance of its
        // own, which routing by load does not do; 2 x TP4 then ran 5% slower than TP8 and paid a re-launch.
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.QWEN25_32B, 8, 8).withTrainingSteps(3);
        List<RolloutWorkload> steps = atLoad("short", cfg, 2, 1);
        RolloutResult keel = RolloutSimulator.run(steps, cfg, Policy.keel());
        assertEquals("1xTP8", keel.instances());
        assertEquals(0, keel.relaunches());
    }

    @Test
    void aColdGateLearnsFromAFixedSampleNotAShareOfTheRollout() {
        // The cold step charges the context cap until Predictions.COLD_SAMPLE trajectories finish. As a share of
        // the rollout (n / 20: 56 of these 1,120) the cap, 5-10x a short trajectory's context, held most of them
        // back for a tenth of the step.
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.QWEN25_32B, 8, 8).withTrainingSteps(1);
        List<RolloutWorkload> steps = atLoad("short", cfg, 2, 1);
        double keel = RolloutSimulator.run(steps, cfg, Policy.keel()).makespanSeconds();
        double verl = RolloutSimulator.run(steps, cfg, Policy.verl()).makespanSeconds();
        // 1.025x with a sample of 16; 1.069x with the old share.
        assertTrue(keel < 1.045 * verl, "keel's cold step " + keel + " s, verl's " + verl + " s");
    }

    @Test
    void keepOrChangePricesBothShapesInOneUnit() {
        // 1,120 trajectories are past one TP8 instance's 1,024 batch slots but not past 2 x TP4's: the first
        // shape is priced by the spread by work, the second by the presorted placement. Both must be makespans
        // of the same model; the first was a sum of runtimes (about 64,000 s against 187 s), so a step always
        // left TP8.
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.QWEN25_32B, 8, 8).withTrainingSteps(2);
        List<RolloutWorkload> steps = atLoad("short", cfg, 2, 1);
        assertTrue(steps.get(1).trajectories() > cfg.maxBatch());
        double[] priced = new double[2];
        RolloutSimulator.run(steps, cfg, Policy.keel(), sim -> {
            if (sim.w == steps.get(1)) {
                priced[0] = RolloutSimulator.shapeSeconds(sim.w, cfg, sim.pred, new int[] {8}, false);
                priced[1] = RolloutSimulator.shapeSeconds(sim.w, cfg, sim.pred, new int[] {4, 4}, false);
            }
        });
        assertTrue(priced[1] > 0 && priced[0] < 3 * priced[1] && priced[1] < 3 * priced[0],
                "TP8 priced " + priced[0] + " s, 2 x TP4 " + priced[1] + " s");
    }

    @Test
    void aChangeOfShapeCostsTheRelaunchAndTooDearAOneKeepsTheShape() {
        // At load 1 nothing is held back, and the planner's mix for the presorted placement beats 2 x TP8.
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.LLAMA31_8B, 16, 8).withTrainingSteps(3);
        List<RolloutWorkload> steps = atLoad("short", cfg, 1, 4);
        RolloutResult free = RolloutSimulator.run(steps, cfg.withRelaunchSeconds(0), Policy.keel());
        assertTrue(free.relaunches() > 0, "the planner kept the cold step's shape: " + free.instances());
        // The same decisions with a 7 s re-launch: every re-launched step starts 7 s later and is otherwise the same run.
        RolloutResult dear = RolloutSimulator.run(steps, cfg.withRelaunchSeconds(7), Policy.keel());
        assertEquals(free.relaunches(), dear.relaunches());
        assertEquals(free.instances(), dear.instances());
        double sum = 0;
        for (int k = 0; k < steps.size(); k++) {
            sum += dear.makespanPerStep()[k] - free.makespanPerStep()[k];
            double d = dear.makespanPerStep()[k] - free.makespanPerStep()[k];
            assertTrue(Math.abs(d) < 1e-6 || Math.abs(d - 7) < 1e-6, "step " + k + " moved by " + d);
        }
        assertEquals(7.0 * free.relaunches(), sum, 1e-6 * steps.size());
        assertEquals(free.meanQueueSeconds() + 7.0 * free.relaunches() / steps.size(), dear.meanQueueSeconds(), 1e-6);
        // A re-launch dearer than any predicted gain: the cold step's shape stays.
        RolloutResult never = RolloutSimulator.run(steps, cfg.withRelaunchSeconds(1e6), Policy.keel());
        assertEquals(0, never.relaunches());
        assertEquals("2xTP8", never.instances());
    }

    @Test
    void aMigrationChargesItsSourceUntilItsKvHasLeft() {
        // SimulatedRollout also checks its KV ledger at every move and every sent transfer (assert, on in
        // tests): charged = residents' KV + KV still leaving.
        assertTrue(SimulatedRollout.class.desiredAssertionStatus(), "run the tests with -ea");
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.QWEN25_32B, 16, 4).withTrainingSteps(2).withMaxBatch(256);
        List<RolloutWorkload> steps = atLoad("short", cfg, 2, 1);
        double[] freed = new double[2];
        RolloutResult keel = RolloutSimulator.run(steps, cfg, Policy.keel(), sim -> {
            freed[0] += sim.freedAtMove;
            freed[1] += sim.freedAtSent;
        });
        assertTrue(keel.migrations() > 0, "nothing migrated");
        assertEquals(0.0, freed[0], "a source was freed when its move was decided");
        assertTrue(freed[1] > 0, "no source was freed when its KV had left");
    }

    @Test
    void aBaselineConcurrencyLimitRunsTrajectoriesOneAtATimeAtOne() {
        RolloutWorkload.Params p = RolloutWorkload.Params.named("short", 16);
        RolloutConfig cfg = small(1).withTrainingSteps(1);
        List<RolloutWorkload> steps = RolloutSimulator.trainingSteps(p.withTrajectories(12), cfg, 5);
        RolloutWorkload w = steps.get(0);
        double tools = 0;
        for (int t = 0; t < w.trajectories(); t++) {
            for (int s = 0; s + 1 < w.steps(t); s++) {
                tools += w.toolSeconds(t, s);
            }
        }
        for (Policy pol : List.of(Policy.verl(), Policy.slime())) {
            RolloutResult one = RolloutSimulator.run(steps, cfg.withBaselineConcurrency(1), pol);
            RolloutResult all = RolloutSimulator.run(steps, cfg, pol);
            assertEquals(12, one.finished());
            // One trajectory in flight at a time: no two tool calls overlap.
            assertTrue(one.makespanSeconds() >= tools, pol.name() + " " + one.makespanSeconds() + " < " + tools);
            assertTrue(all.makespanSeconds() < one.makespanSeconds(), pol.name() + ": without a limit they overlap");
            // Waiting to start counts as queueing: the k-th of 12 waits for the k - 1 before it.
            assertTrue(one.meanQueueSeconds() >= one.makespanSeconds() / 4,
                    pol.name() + ": queued " + one.meanQueueSeconds() + " of " + one.makespanSeconds());
            assertEquals(all.makespanSeconds(), RolloutSimulator.run(steps, cfg.withBaselineConcurrency(12), pol)
                    .makespanSeconds(), "a limit of every trajectory is no limit");
        }
    }

    @Test
    void inWavesHomesSpreadThePredictedWorkPerGpu() {
        SplittableRandom rnd = new SplittableRandom(3);
        int[] degree = {4, 2, 2, 8};
        for (int round = 0; round < 50; round++) {
            double[] predicted = new double[20 + rnd.nextInt(300)];
            double longest = 0;
            for (int t = 0; t < predicted.length; t++) {
                predicted[t] = 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 5_000);
                longest = Math.max(longest, predicted[t]);
            }
            int[] home = new int[predicted.length];
            RolloutSimulator.placeByWork(predicted, degree, home);
            double[] perGpu = new double[degree.length];
            for (int t = 0; t < predicted.length; t++) {
                perGpu[home[t]] += predicted[t] / degree[home[t]];
            }
            double lo = Double.MAX_VALUE;
            double hi = 0;
            for (double v : perGpu) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            assertTrue(hi - lo <= longest / 2 + 1e-9, "per-GPU work " + Arrays.toString(perGpu));
            int first = 0;
            for (int t = 1; t < predicted.length; t++) {
                first = predicted[t] > predicted[first] ? t : first;
            }
            assertEquals(0, home[first], "the longest goes to the first instance");
        }
    }

    @Test
    void deterministic() {
        RolloutConfig cfg = small(1);
        RolloutWorkload.Params p = RolloutWorkload.Params.swe(64);
        List<RolloutWorkload> steps = RolloutSimulator.trainingSteps(p, cfg, 9);
        RolloutResult a = RolloutSimulator.run(steps, cfg, Policy.keel());
        RolloutResult b = RolloutSimulator.run(steps, cfg, Policy.keel());
        assertArrayEquals(a.makespanPerStep(), b.makespanPerStep());
        assertEquals(a.migrations(), b.migrations());
        assertArrayEquals(a.tailRecall(), b.tailRecall());
    }

    @Test
    void infeasibleBaselineDegreeIsRefused() {
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.LLAMA31_70B, 16, 2);
        List<RolloutWorkload> steps = RolloutSimulator.trainingSteps(RolloutWorkload.Params.swe(16), cfg, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RolloutSimulator.run(steps, cfg, Policy.verl()));
        assertTrue(e.getMessage().contains("degree 2"), e.getMessage());
        assertEquals(8, RolloutSimulator.frameworkDefaultDegree(cfg, 65_536));
        assertEquals(1, RolloutSimulator.frameworkDefaultDegree(small(1), 65_536));
    }

    @Test
    void workloadMatchesThePublishedQuantilesAndTheCap() {
        RolloutWorkload.Params uncapped = RolloutWorkload.Params.swe(8192).withContextCap(Integer.MAX_VALUE);
        RolloutWorkload w = RolloutWorkload.generate(uncapped, 3, 0);
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
        int[] obs = w.allObservationTokens();
        Arrays.sort(obs);
        assertEquals(1000, obs[obs.length / 2], 1000 * 0.05);
        assertEquals(12000, obs[(int) (0.99 * obs.length)], 12000 * 0.1);
        RolloutWorkload capped = RolloutWorkload.generate(RolloutWorkload.Params.swe(2048), 3, 0);
        for (int t = 0; t < capped.trajectories(); t++) {
            assertTrue(capped.finalContext(t) <= 65_536, "trajectory " + t + " ends at " + capped.finalContext(t));
        }
        RolloutWorkload shortTool = RolloutWorkload.generate(RolloutWorkload.Params.shortTool(2048), 3, 0);
        for (int s : shortTool.allSteps()) {
            assertTrue(s >= 2 && s <= 6, "steps " + s);
        }
        for (double x : shortTool.allToolSeconds()) {
            assertTrue(x <= 2.0, "tool " + x);
        }
    }

    @Test
    void cliPrintsTheDocumentedKeysAndRefusesInfeasibleDegrees() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            status = KeelCommand.execute("rollout", "--model", "llama3.1-8b", "--gpus", "8", "--load", "0.5", "--seeds", "2",
                    "--training-steps", "1", "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, status);
        String json = buf.toString(StandardCharsets.UTF_8);
        for (String key : List.of("\"model\"", "\"load\"", "\"gpus\"", "\"trajectories\"", "\"seeds\"", "\"lowerBoundSeconds\"",
                "\"baselines\"", "\"name\"", "\"tp\"", "\"makespanSeconds\"", "\"bestBaseline\"", "\"keel\"", "\"instances\"",
                "\"evictions\"", "\"reprefillTokens\"", "\"speedupOverBestBaseline\"", "\"mean\"", "\"ci95\"",
                "\"baselineHeadroom\"", "\"p99CompletionSeconds\"", "\"meanQueueSeconds\"", "\"gpuUtilisation\"")) {
            assertTrue(json.contains(key), key + " missing in " + json);
        }
        assertEquals(2, KeelCommand.execute("rollout", "--model", "llama3.1-70b", "--tp", "1"));
        assertEquals(2, KeelCommand.execute("rollout", "--model", "gpt-5"));
        assertEquals(2, KeelCommand.execute("rollout", "--workload", "nope"));
    }
}
