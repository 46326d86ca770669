package io.keel.planners.relay;

/** How {@link RelayPlanner} shapes the fan-out tree of each expert's state transfer. */
public enum RelayPolicy {
    /** The source sends to every target itself: no relays. */
    DIRECT,
    /**
     * UltraEP's published rule, as a baseline: for an expert with {@code k >= 4} targets use
     * {@code r = min(floor(sqrt k), 8, k - 1)} relays when the fan-out gain
     * {@code k - max(r, ceil((k - r) / r))} is at least 2; relays are the targets with the least
     * running sender bytes (experts taken in id order), each leaf goes to the relay with the least
     * projected sender bytes.
     */
    ULTRAEP_SQRT,
    /**
     * keel's policy (shown as "keel" in the CLI's tables and JSON): chooses every tree of the layer jointly so that no rank's egress dominates,
     * by repeated rip-up and re-placement of each tree against the egress of all other trees (a
     * rank that is a hot source for one expert is not picked as a relay for another), started
     * from one-copy reservations at every source and from {@link #ULTRAEP_SQRT}'s trees; never
     * worse than {@link #DIRECT} or {@link #ULTRAEP_SQRT} under the planner's makespan model.
     */
    BALANCED_TREES
}
