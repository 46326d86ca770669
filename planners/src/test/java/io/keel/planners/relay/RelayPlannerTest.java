package io.keel.planners.relay;

import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayPlannerTest {
    private static final long S = 64L << 20;
    private static final double B = 100e9;

    /** One expert from rank 0 to ranks 1..k. */
    private static RelayRequest fan(int k) {
        RelayRequest q = new RelayRequest(64).stateBytes(S);
        for (int t = 1; t <= k; t++) {
            q.add(0, 0, t, 0, t * S);
        }
        return q;
    }

    @Test
    void directSendsEveryCopyFromTheSource() {
        RelayPlanner p = RelayPlanner.uniform(16, B, 8, 64);
        RelayRequest nine = fan(9);
        RelayPlan plan = p.plan(nine, RelayPolicy.DIRECT);
        assertEquals(1, plan.treeCount());
        assertEquals(9, plan.stageOneCount(0));
        assertEquals(0, plan.relayCount(0));
        assertEquals(9 * S, plan.egressBytes(0));
        assertEquals(9.0, plan.makespanUnits(), 1e-9);
        assertEquals(1.0, plan.lowerBoundUnits(), 1e-9);
        // Nine targets in a depth-2 tree: the source feeds c, some relay ceil((9 - c) / c): 3 at best.
        assertEquals(3.0, plan.depthTwoBoundUnits(), 1e-9);
        RelayChecks.check(plan, nine);
    }

    @Test
    void ultraepUsesSqrtRelaysAndSpreadsLeaves() {
        RelayPlanner p = RelayPlanner.uniform(16, B, 8, 64);
        RelayRequest nine = fan(9);
        RelayPlan plan = p.plan(nine, RelayPolicy.ULTRAEP_SQRT);
        assertEquals(3, plan.relayCount(0));
        assertEquals(3, plan.stageOneCount(0));
        for (int j = 0; j < 3; j++) {
            assertEquals(2, plan.childCount(0, j));
        }
        assertEquals(3 * S, plan.egressBytes(0));
        RelayChecks.check(plan, nine);
        // Pipelined: max(3, 2) links of 3 and 2 states plus one chunk's fill.
        double f = (double) RelayRequest.DEFAULT_CHUNK_BYTES / S;
        assertEquals(3 + 2 * f, plan.makespanUnits(), 1e-9);
    }

    @Test
    void sqrtRuleMatchesUltraep() {
        assertEquals(0, RelayPlanner.sqrtRelays(1));
        assertEquals(0, RelayPlanner.sqrtRelays(3));
        assertEquals(2, RelayPlanner.sqrtRelays(4));
        assertEquals(2, RelayPlanner.sqrtRelays(8));
        assertEquals(3, RelayPlanner.sqrtRelays(9));
        assertEquals(7, RelayPlanner.sqrtRelays(63));
        assertEquals(8, RelayPlanner.sqrtRelays(100));
    }

    @Test
    void deepTreesGoBelowTheDepthTwoFloor() {
        // Nine targets: any depth-2 tree needs 3 S/B; a chain needs one state plus a chunk per hop.
        RelayPlanner p = RelayPlanner.uniform(16, B, 8, 64);
        RelayPlan two = p.plan(fan(9), RelayPolicy.BALANCED_DEPTH_TWO);
        assertTrue(two.makespanUnits() >= 3.0);
        RelayRequest nine = fan(9);
        RelayPlan plan = p.plan(nine, RelayPolicy.BALANCED_TREES);
        RelayChecks.check(plan, nine);
        double f = (double) RelayRequest.DEFAULT_CHUNK_BYTES / S;
        assertEquals(9, plan.depth(0));
        assertEquals(1 + 8 * f, plan.makespanUnits(), 1e-9);
        for (int j = 0; j < 9; j++) {
            assertEquals(j + 1, plan.hops(0, j));
            assertEquals(j < 8 ? 1 : 0, plan.childCount(0, j));
        }
        assertEquals(S, plan.maxEgressBytes());
        // Two experts on one source: it sends one copy of each, the targets carry the rest.
        RelayRequest q = fan(6);
        for (int t = 7; t <= 12; t++) {
            q.add(1, 0, t, S, t * S);
        }
        plan = p.plan(q, RelayPolicy.BALANCED_TREES);
        RelayChecks.check(plan, q);
        assertEquals(2 * S, plan.egressBytes(0));
        assertTrue(plan.makespanUnits() < 2.1, "makespan " + plan.makespanUnits());
    }

    @Test
    void keelAvoidsHotSourcesAsRelays() {
        // Rank 1 sources three experts: it must not also relay expert 0's state.
        RelayRequest q = new RelayRequest(64).stateBytes(S);
        for (int t = 1; t <= 6; t++) {
            q.add(0, 0, t);
        }
        q.add(1, 1, 7).add(2, 1, 8).add(3, 1, 9);
        q.add(1, 1, 10).add(2, 1, 11).add(3, 1, 12);
        RelayPlanner p = RelayPlanner.uniform(16, B, 8, 64);
        RelayPlan plan = p.plan(q, RelayPolicy.BALANCED_TREES);
        RelayChecks.check(plan, q);
        for (int j = 0; j < plan.targetCount(0); j++) {
            if (plan.childCount(0, j) > 0) {
                assertNotEquals(1, plan.target(0, j), "rank 1 forwards expert 0's state");
            }
        }
        double keel = plan.makespanSeconds();
        double direct = p.plan(q, RelayPolicy.DIRECT).makespanSeconds();
        assertTrue(keel < direct, keel + " vs " + direct);
    }

    @ParameterizedTest
    @EnumSource(RelayPolicy.class)
    void randomLayersKeepTheInvariants(RelayPolicy policy) {
        SplittableRandom rnd = new SplittableRandom(7);
        RelayPlanner p = RelayPlanner.uniform(32, B, 64, 512);
        RelayRequest q = new RelayRequest(512);
        for (int round = 0; round < 200; round++) {
            RelayChecks.randomLayer(rnd, q, 32, 64, 8);
            RelayPlan plan = p.plan(q, policy);
            RelayChecks.check(plan, q);
            if (policy == RelayPolicy.BALANCED_TREES || policy == RelayPolicy.BALANCED_DEPTH_TWO) {
                double keel = plan.makespanSeconds();
                double direct = p.plan(q, RelayPolicy.DIRECT).makespanSeconds();
                double sqrt = p.plan(q, RelayPolicy.ULTRAEP_SQRT).makespanSeconds();
                double two = p.plan(q, RelayPolicy.BALANCED_DEPTH_TWO).makespanSeconds();
                assertTrue(keel <= direct, keel + " > " + direct);
                assertTrue(keel <= sqrt, keel + " > " + sqrt);
                assertTrue(keel <= two, keel + " > depth-2 " + two);
            }
        }
    }

    @Test
    void badInputLeavesThePreviousPlan() {
        RelayPlanner p = RelayPlanner.uniform(8, B, 4, 16);
        RelayPlan plan = p.plan(fan(5).clear().add(0, 0, 1).add(0, 0, 2), RelayPolicy.DIRECT);
        double before = plan.makespanSeconds();
        RelayRequest bad = new RelayRequest(16);
        bad.add(0, 0, 1).add(0, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.plan(bad, RelayPolicy.BALANCED_TREES));
        assertTrue(e.getMessage().startsWith("request.from[1]"), e.getMessage());
        bad.clear().add(0, 0, 1).add(0, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> p.plan(bad, RelayPolicy.BALANCED_TREES));
        bad.clear().add(0, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> p.plan(bad, RelayPolicy.BALANCED_TREES));
        bad.clear().add(4, 0, 1);
        e = assertThrows(IllegalArgumentException.class, () -> p.plan(bad, RelayPolicy.BALANCED_TREES));
        assertTrue(e.getMessage().startsWith("request.expert[0]"), e.getMessage());
        bad.clear().add(0, 0, 9);
        assertThrows(IllegalArgumentException.class, () -> p.plan(bad, RelayPolicy.BALANCED_TREES));
        assertThrows(IllegalArgumentException.class, () -> new RelayRequest(1).add(0, 0, 1).add(0, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> bad.stateBytes(0));
        assertThrows(IllegalArgumentException.class,
                () -> new RelayPlanner(2, new double[] {1, Double.NaN}, new double[] {1, 1}, 1, 1));
        assertEquals(before, plan.makespanSeconds());
        assertEquals(1, plan.treeCount());
        assertEquals(2, plan.targetCount(0));
    }

    @Test
    void emptyRequestPlansNothing() {
        RelayPlanner p = RelayPlanner.uniform(8, B, 4, 16);
        RelayPlan plan = p.plan(new RelayRequest(4), RelayPolicy.BALANCED_TREES);
        assertEquals(0, plan.treeCount());
        assertEquals(0.0, plan.makespanSeconds());
        assertEquals(0.0, plan.lowerBoundSeconds());
    }

    @ParameterizedTest
    @EnumSource(RelayPolicy.class)
    void plansAllocateNothing(RelayPolicy policy) {
        RelayPlanner p = RelayPlanner.uniform(64, B, 256, 256);
        RelayRequest q = new RelayRequest(256);
        RelayChecks.randomLayer(new SplittableRandom(3), q, 64, 256, 8);
        assertSame(p.plan(), p.plan(q, policy));
        AllocationProbe.assertZeroAllocation("RelayPlanner.plan " + policy, () -> p.plan(q, policy));
    }

    @Test
    void moreChunksPerStateThanAnIntHoldsAreRefused() {
        RelayRequest q = new RelayRequest(2).stateBytes(1L << 40).chunkBytes(1).add(0, 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RelayPlanner.uniform(2, 1e9, 1, 2).plan(q, RelayPolicy.DIRECT));
        assertTrue(e.getMessage().contains("chunks"), e.getMessage());
        RelayRequest ok = new RelayRequest(2).stateBytes(1L << 40).chunkBytes(1 << 20).add(0, 0, 1);
        assertEquals(1 << 20, RelayPlanner.uniform(2, 1e9, 1, 2).plan(ok, RelayPolicy.DIRECT).chunksPerState());
        assertThrows(IllegalArgumentException.class, () -> RelayPlanner.uniform(4, 1e9, Integer.MAX_VALUE, 4));
    }
}
