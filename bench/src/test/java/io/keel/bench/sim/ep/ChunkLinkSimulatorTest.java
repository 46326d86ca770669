package io.keel.bench.sim.ep;

import java.util.SplittableRandom;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.relay.RelayPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
import io.keel.streaming.EpBalancer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkLinkSimulatorTest {
    private static final double B = 1e9;
    private static final long S = 1 << 20;

    @Test
    void oneCopyTakesStateOverBandwidth() {
        RelayPlan plan = RelayPlanner.uniform(4, B, 4, 8).plan(new RelayRequest(8).stateBytes(S).add(0, 0, 1),
                RelayPolicy.DIRECT);
        assertEquals(S / B, ChunkLinkSimulator.makespanSeconds(plan, B), 1e-12);
    }

    @Test
    void aSourceFeedingFourTargetsSharesItsEgress() {
        RelayRequest q = new RelayRequest(8).stateBytes(S);
        for (int t = 1; t <= 4; t++) {
            q.add(0, 0, t);
        }
        RelayPlan plan = RelayPlanner.uniform(8, B, 4, 8).plan(q, RelayPolicy.DIRECT);
        assertEquals(4 * S / B, ChunkLinkSimulator.makespanSeconds(plan, B), 1e-9);
    }

    @Test
    void aChainOfHopsCostsOneStatePlusAChunkPerExtraHop() {
        // One expert, nine targets, nothing else on the links: keel's trees chain the targets.
        long chunk = S / 32;
        RelayRequest q = new RelayRequest(16).stateBytes(S).chunkBytes(chunk);
        for (int t = 1; t <= 9; t++) {
            q.add(0, 0, t);
        }
        RelayPlan plan = RelayPlanner.uniform(16, B, 4, 16).plan(q, RelayPolicy.BALANCED_TREES);
        int h = plan.depth();
        assertTrue(h > 2, "depth " + h);
        double chain = S / B * (1 + (h - 1) * (double) chunk / S);
        assertEquals(chain, plan.makespanSeconds(), 1e-12);
        double sim = ChunkLinkSimulator.makespanSeconds(plan, B);
        assertTrue(plan.makespanSeconds() >= sim * (1 - 1e-9), plan.makespanSeconds() + " < simulated " + sim);
    }

    /** Model over simulated makespan of the sweep's plans: min, mean, max (every plan's model >= simulated). */
    static double[] sweep(int domain, double[] imbalances, int batches) {
        long state = EpStepSimulator.Assumptions.deepSeekV3(8192, 8).stateBytes();
        double min = Double.MAX_VALUE;
        double max = 0;
        double sum = 0;
        int plans = 0;
        int deepest = 0;
        for (double imbalance : imbalances) {
            ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, domain, state);
            UltraEpWorkload w = new UltraEpWorkload(layout, 8, 8192, imbalance, 42);
            try (EpBalancer balancer = new EpBalancer(EpBalancer.Config.defaults(layout, 1))) {
                int[] loads = new int[64 * 256];
                for (int b = 0; b < batches; b++) {
                    w.fill(b, loads);
                    RelayPlan plan = balancer.step(0, loads).relay();
                    double ratio = plan.makespanSeconds() / ChunkLinkSimulator.makespanSeconds(plan, 400e9);
                    assertTrue(ratio >= 1 - 1e-9, "domain " + domain + " imbalance " + imbalance + " batch " + b
                            + ": model below the simulation, ratio " + ratio);
                    min = Math.min(min, ratio);
                    max = Math.max(max, ratio);
                    sum += ratio;
                    plans++;
                    deepest = Math.max(deepest, plan.depth());
                }
            }
        }
        return new double[] {min, sum / plans, max, plans, deepest};
    }

    @Test
    void theModelIsWithinTenPercentOfTheSimulationOnTheZipfSweep() {
        double[] imbalances = {1.3, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0};
        for (int domain : new int[] {8, 64}) {
            // Two microbatches per imbalance here; -Dkeel.sweepBatches=8 runs the whole sweep.
            double[] r = sweep(domain, imbalances, Integer.getInteger("keel.sweepBatches", 2));
            System.out.printf("model/simulated, domain %d: min %.4f mean %.4f max %.4f over %d plans, deepest tree %d%n",
                    domain, r[0], r[1], r[2], (int) r[3], (int) r[4]);
            assertTrue(r[2] <= 1.10, "domain " + domain + ": model " + r[2] + " x the simulation");
        }
    }

    @Test
    void theModelNeverPromisesLessThanTheLinksDeliver() {
        SplittableRandom rnd = new SplittableRandom(11);
        RelayPlanner p = RelayPlanner.uniform(16, B, 32, 128);
        RelayRequest q = new RelayRequest(128);
        int deep = 0;
        double worst = Double.MAX_VALUE;
        for (int round = 0; round < 60; round++) {
            q.clear().stateBytes(S).chunkBytes(S >> (1 + rnd.nextInt(6)));
            int experts = 1 + rnd.nextInt(12);
            for (int e = 0; e < experts; e++) {
                int src = rnd.nextInt(16);
                int k = 1 + rnd.nextInt(9);
                for (int t = 1; t <= k; t++) {
                    q.add(e, src, (src + t * 3) % 16 == src ? (src + 1) % 16 : (src + t * 3) % 16);
                }
            }
            for (RelayPolicy policy : RelayPolicy.values()) {
                RelayPlan plan = p.plan(q, policy);
                double sim = ChunkLinkSimulator.makespanSeconds(plan, B);
                worst = Math.min(worst, plan.makespanSeconds() / sim);
                deep += plan.depth() > 2 ? 1 : 0;
                assertTrue(plan.makespanSeconds() >= sim * (1 - 1e-9),
                        policy + " round " + round + ": model " + plan.makespanSeconds() + " < simulated " + sim);
            }
        }
        System.out.printf("random layers: %d plans deeper than 2, smallest model/simulated %.4f%n", deep, worst);
        assertTrue(deep >= 10, "the random layers should give deep trees, got " + deep);
    }
}
