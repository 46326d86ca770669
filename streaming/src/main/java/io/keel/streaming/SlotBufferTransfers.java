package io.keel.streaming;

import io.keel.core.Checks;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.planners.relay.RelayRequest;

/**
 * The EP adapter of the relay planner: turns a {@link ReplicationPlan}'s replica transfers into
 * {@link RelayRequest} transfers with the byte offsets of EP's slot buffer. Every rank keeps its
 * physical slots in one buffer, in order (masters, then the redundant slots): physical slot
 * {@code p} of rank {@code r} is at byte {@code (p - layout.physicalBase(r)) * S}, with S the
 * request's {@link RelayRequest#stateBytes()}. {@link EpBalancer} uses this rule; the relay
 * planner itself knows nothing of EP.
 *
 * <p>Threading: the caller's thread. Allocation: none.
 */
public final class SlotBufferTransfers {
    private SlotBufferTransfers() {
    }

    /**
     * Adds every replica transfer of {@code plan} (expert {@code e} from its home rank to the
     * replica's rank) to {@code request}, at the slot buffer's offsets (set the request's state
     * bytes first). Returns {@code request}.
     *
     * @throws IllegalArgumentException when the transfers do not fit (nothing added)
     */
    public static RelayRequest add(ReplicationPlan plan, RelayRequest request) {
        Checks.notNull("plan", plan);
        Checks.notNull("request", request);
        final int n = plan.transferCount();
        if (n > request.capacity() - request.size()) {
            throw new IllegalArgumentException("transfers must be <= capacity " + request.capacity() + ", was "
                    + (request.size() + n));
        }
        final ExpertLayout layout = plan.layout();
        final long s = request.stateBytes();
        for (int i = 0; i < n; i++) {
            int e = plan.transferExpert(i);
            int home = plan.transferFrom(i);
            int to = plan.transferTo(i);
            long source = (long) (layout.masterPhysical(e) - layout.physicalBase(home)) * s;
            long target = (long) (replicaPhysical(plan, e, to) - layout.physicalBase(to)) * s;
            request.add(e, home, to, source, target);
        }
        return request;
    }

    /** The physical slot of {@code e}'s replica on rank {@code to}. */
    private static int replicaPhysical(ReplicationPlan plan, int e, int to) {
        for (int j = 1, k = plan.instanceCount(e); j < k; j++) {
            if (plan.instanceRank(e, j) == to) {
                return plan.instancePhysical(e, j);
            }
        }
        throw new IllegalStateException("no replica of expert " + e + " on rank " + to);
    }
}
