package io.keel.streaming;

import io.keel.core.jfr.KeelEvent;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR event of one {@link EpBalancer#step} call: which layer and microbatch, the rank imbalance
 * before and after replication, the replicas and bytes the step moves, and how long the call
 * took. Disabled unless a recording enables {@code keel.EpStep}; the disabled path allocates
 * nothing (conventions in {@link io.keel.core.jfr}).
 *
 * <p>This is the event, written for a recording; the step's result, read by the caller, is
 * {@link BalancedStep}. The JFR name stays {@code keel.EpStep}, the one recordings and
 * {@code jfr print --events} use.
 */
@Name("keel.EpStep")
@Label("EP Balancer Step")
@Description("One expert-parallel balancing step: replication plan, relay trees and tile table")
public final class BalancerStepEvent extends KeelEvent {
    /** Layer index. */
    @Label("Layer")
    public int layer;

    /** Microbatch: the number of earlier steps of this layer on this balancer. */
    @Label("Microbatch")
    public long microbatch;

    /** Max/mean rank load with every expert on its master. */
    @Label("Imbalance Before")
    public double imbalanceBefore;

    /** Max/mean rank load under the plan. */
    @Label("Imbalance After")
    public double imbalanceAfter;

    /** Replicas in the plan. */
    @Label("Replicas")
    public int replicas;

    /** Expert-state bytes the relay trees move over all links. */
    @Label("Bytes Moved")
    @DataAmount
    public long bytesMoved;

    /** Estimated transfer makespan in units of S / B. */
    @Label("Makespan Units")
    public double makespanUnits;

    /** Tiles in the task table. */
    @Label("Tiles")
    public int tiles;

    /** Nanoseconds of the whole step (plan, relay trees, tile table). */
    @Label("Plan Nanos")
    @Timespan(Timespan.NANOSECONDS)
    public long planNanos;

    /** An empty event; {@link EpBalancer} fills and commits it. */
    public BalancerStepEvent() {
    }
}
