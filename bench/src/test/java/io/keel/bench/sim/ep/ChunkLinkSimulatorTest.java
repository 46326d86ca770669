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
    void theModelIsWithinTenPercentOfTheSimulationOnTheZipfSweep() {
        long state = EpStepSimulator.Assumptions.deepSeekV3(8192, 8).stateBytes();
        for (int domain : new int[] {8, 64}) {
            for (double imbalance : new double[] {1.5, 3.0}) {
                ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, domain, state);
                UltraEpWorkload w = new UltraEpWorkload(layout, 8, 8192, imbalance, 42);
                try (EpBalancer balancer = new EpBalancer(EpBalancer.Config.defaults(layout, 1))) {
                    int[] loads = new int[64 * 256];
                    w.fill(0, loads);
                    RelayPlan plan = balancer.step(0, loads).relay();
                    double sim = ChunkLinkSimulator.makespanSeconds(plan, 400e9);
                    double model = plan.makespanSeconds();
                    assertTrue(model >= sim * (1 - 1e-9) && model <= 1.10 * sim,
                            "domain " + domain + " imbalance " + imbalance + ": model " + model + " simulated " + sim);
                }
            }
        }
    }

    @Test
    void theModelNeverPromisesLessThanTheLinksDeliver() {
        SplittableRandom rnd = new SplittableRandom(11);
        RelayPlanner p = RelayPlanner.uniform(16, B, 32, 128);
        RelayRequest q = new RelayRequest(128);
        for (int round = 0; round < 60; round++) {
            q.clear().stateBytes(S).chunkBytes(S / 16);
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
                assertTrue(plan.makespanSeconds() >= sim * (1 - 1e-9),
                        policy + " round " + round + ": model " + plan.makespanSeconds() + " < simulated " + sim);
            }
        }
    }
}
