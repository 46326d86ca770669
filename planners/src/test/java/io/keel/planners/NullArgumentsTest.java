package io.keel.planners;

import java.lang.foreign.MemorySegment;

import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
import io.keel.planners.rollout.DecodeTimeTable;
import io.keel.planners.rollout.MigrationPlanner;
import io.keel.planners.rollout.ParallelismPlanner;
import io.keel.planners.rollout.TrajectoryPlacer;
import org.junit.jupiter.api.Test;

import static io.keel.core.testing.NullArguments.assertNullNamed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * keel's null rule on the planners' public entry points: a null argument throws
 * {@link NullPointerException} whose message is the argument's name, and leaves the previous
 * result as it was.
 */
class NullArgumentsTest {
    @Test
    void expertReplication() {
        assertNullNamed("homeRank", () -> ExpertLayout.withHomes(2, null, 1, 2, 8));
        ExpertLayout layout = ExpertLayout.contiguous(2, 4, 1, 2, 8);
        assertNullNamed("layout", () -> new QuotaPlanner(null));
        assertNullNamed("options", () -> new QuotaPlanner(layout, null));
        QuotaPlanner planner = new QuotaPlanner(layout);
        ReplicationPlan plan = planner.plan(new int[] {9, 1, 1, 1, 9, 1, 1, 1});
        double imbalance = plan.imbalance();
        assertNullNamed("loads", () -> planner.plan((int[]) null));
        assertNullNamed("loads", () -> planner.plan((MemorySegment) null));
        assertNullNamed("totals", () -> planner.planTotals(null));
        assertSame(plan, planner.lastPlan());
        assertEquals(imbalance, plan.imbalance(), "the previous plan is intact");
        assertNullNamed("out", () -> plan.writeReroutePrefix(0, null, plan.maxInstanceCount()));
        EplbPlanner eplb = new EplbPlanner(1, 4, 4, 1, 1, 2);
        assertNullNamed("weight", () -> eplb.rebalance((int[]) null, 1));
        assertNullNamed("weight", () -> eplb.rebalance((float[]) null, 1));
    }

    @Test
    void relayTrees() {
        assertNullNamed("egressBytesPerSecond", () -> new RelayPlanner(2, null, new double[] {1, 1}, 2, 2));
        assertNullNamed("ingressBytesPerSecond", () -> new RelayPlanner(2, new double[] {1, 1}, null, 2, 2));
        RelayPlanner relay = RelayPlanner.uniform(2, 1e9, 2, 2);
        RelayRequest request = new RelayRequest(2);
        assertNullNamed("request", () -> relay.plan(null, RelayPolicy.BALANCED_TREES));
        assertNullNamed("policy", () -> relay.plan(request, null));
        assertNullNamed("plan", () -> request.addTransfers(null));
    }

    @Test
    void rollout() {
        DecodeTimeTable table = DecodeTimeTable.llama2_7bH100();
        assertNullNamed("csv", () -> DecodeTimeTable.parseCsv(null));
        assertNullNamed("degrees", () -> DecodeTimeTable.builder().degrees((int[]) null));
        assertNullNamed("millis", () -> DecodeTimeTable.builder().degrees(1).rowMillis(1, (double[]) null));
        assertNullNamed("out", () -> table.fill(0, null, 1));
        assertNullNamed("table", () -> new ParallelismPlanner(4, 4, 8, null));
        assertNullNamed("maxBatchPerDegree", () -> new ParallelismPlanner(4, 4, null, table));
        ParallelismPlanner parallel = new ParallelismPlanner(4, 8, 8, table);
        assertNullNamed("predictedTokens", () -> parallel.plan(null, 1, 8));
        assertNullNamed("table", () -> new TrajectoryPlacer(4, 2, 8, null));
        TrajectoryPlacer placer = new TrajectoryPlacer(4, 2, 8, table);
        int[] degrees = {1, 1};
        int[] maxBatch = {8, 8};
        double[] tokens = {10, 20};
        assertNullNamed("predictedTokens", () -> placer.place(null, 2, degrees, maxBatch, 2));
        assertNullNamed("degrees", () -> placer.place(tokens, 2, null, maxBatch, 2));
        assertNullNamed("maxBatch", () -> placer.place(tokens, 2, degrees, null, 2));
        MigrationPlanner migration = new MigrationPlanner(2, 4, 4);
        double[] two = {1, 1};
        int[] one = {0};
        double[] d1 = {1};
        assertNullNamed("load", () -> migration.plan(null, two, 2, one, one, d1, d1, d1, 1, 1e9, 1));
        assertNullNamed("secondsPerToken", () -> migration.plan(two, null, 2, one, one, d1, d1, d1, 1, 1e9, 1));
        assertNullNamed("trajectory", () -> migration.plan(two, two, 2, null, one, d1, d1, d1, 1, 1e9, 1));
        assertNullNamed("instance", () -> migration.plan(two, two, 2, one, null, d1, d1, d1, 1, 1e9, 1));
        assertNullNamed("remainingTokens", () -> migration.plan(two, two, 2, one, one, null, d1, d1, 1, 1e9, 1));
        assertNullNamed("kvBytes", () -> migration.plan(two, two, 2, one, one, d1, null, d1, 1, 1e9, 1));
        assertNullNamed("toolSecondsLeft", () -> migration.plan(two, two, 2, one, one, d1, d1, null, 1, 1e9, 1));
    }
}
