package io.keel.streaming;

import io.keel.planners.ep.ReplicationPlan;
import io.keel.planners.relay.RelayPlan;

/**
 * The result of one {@link EpBalancer#step} call: the replication plan, the relay trees of its
 * transfers and the copy kernel's task table, each a view owned by the balancer and valid until
 * its next successful step.
 *
 * <p>Threading: read it on the balancer's thread. Allocation: none.
 */
public final class BalancedStep {
    ReplicationPlan plan;
    RelayPlan relay;
    TileStream tiles;
    int layer = -1;
    long microbatch = -1;
    long nanos;

    BalancedStep() {
    }

    /** Replicas, quotas, token split and transfers. */
    public ReplicationPlan plan() {
        return plan;
    }

    /** Relay fan-out trees of the plan's transfers. */
    public RelayPlan relay() {
        return relay;
    }

    /** The copy kernel's task table for the relay trees. */
    public TileStream tiles() {
        return tiles;
    }

    /** Layer of the step. */
    public int layer() {
        return layer;
    }

    /** Microbatch of the step: earlier steps of this layer on this balancer. */
    public long microbatch() {
        return microbatch;
    }

    /** Nanoseconds the step took (plan, relay trees and tile table). */
    public long nanos() {
        return nanos;
    }
}
