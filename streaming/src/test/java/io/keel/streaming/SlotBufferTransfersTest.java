package io.keel.streaming;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.planners.relay.RelayPlan;
import io.keel.planners.relay.RelayPlanner;
import io.keel.planners.relay.RelayPolicy;
import io.keel.planners.relay.RelayRequest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SlotBufferTransfersTest {
    @Test
    void replicaTransfersUseTheSlotBufferOffsets() {
        ExpertLayout layout = ExpertLayout.contiguous(2, 4, 1, 2, 1000);
        ReplicationPlan plan = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(0))
                .planTotals(new int[] {100, 0, 10, 10});
        RelayRequest request = SlotBufferTransfers.add(plan, new RelayRequest(4).stateBytes(1000));
        assertEquals(1, request.size());
        // Expert 0 is master slot 0 of rank 0; its replica takes rank 1's first redundant slot,
        // after rank 1's two masters: byte 2 * S.
        RelayPlan trees = RelayPlanner.uniform(2, 1e9, 4, 4).plan(request, RelayPolicy.DIRECT);
        assertEquals(0, trees.sourceOffset(0));
        assertEquals(1, trees.target(0, 0));
        assertEquals(2 * 1000, trees.targetOffset(0, 0));
        assertEquals(1, trees.depth());
    }

    @Test
    void transfersThatDoNotFitAddNothing() {
        ExpertLayout layout = ExpertLayout.contiguous(2, 4, 1, 2, 1000);
        ReplicationPlan plan = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(0))
                .planTotals(new int[] {100, 0, 10, 10});
        RelayRequest full = new RelayRequest(0).stateBytes(1000);
        assertThrows(IllegalArgumentException.class, () -> SlotBufferTransfers.add(plan, full));
        assertEquals(0, full.size());
    }
}
