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
     * keel's depth-2 trees, kept as a baseline for the deeper ones: chooses every tree of the layer
     * jointly so that no rank's egress dominates, by repeated rip-up and re-placement of each tree
     * (source -> relays -> leaves) against the egress of all other trees (a rank that is a hot
     * source for one expert is not picked as a relay for another), started from one-copy
     * reservations at every source and from {@link #ULTRAEP_SQRT}'s trees; never worse than
     * {@link #DIRECT} or {@link #ULTRAEP_SQRT} under the planner's makespan model. A hot expert
     * with 7 or more targets cannot go below 3 S/B with such trees.
     */
    BALANCED_DEPTH_TWO,
    /**
     * keel's policy (shown as "keel" in the CLI's tables and JSON): trees of any depth, in which
     * every target may forward the state chunk by chunk as it receives it. How many copies each
     * holder of a state sends (the source at least one) is chosen jointly over the layer against
     * every rank's egress time (each copy to the holder whose egress would end first, then rounds
     * of rip-up and re-placement); each tree is then laid out breadth first, the busiest
     * forwarders nearest the source. The result is compared under the model with
     * {@link #DIRECT}, {@link #ULTRAEP_SQRT} and, unless the deep trees already reach the bound of
     * every depth-2 shape, {@link #BALANCED_DEPTH_TWO}'s search; the best wins, so it is never
     * worse than any of them.
     */
    BALANCED_TREES
}
