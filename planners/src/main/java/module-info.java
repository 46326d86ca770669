/** keel planners: expert replication, relay fan-out trees, rollout planning. */
module io.keel.planners {
    requires transitive io.keel.core;
    requires static jdk.incubator.vector;

    exports io.keel.planners.ep;
    exports io.keel.planners.relay;
    exports io.keel.planners.rollout;
}
