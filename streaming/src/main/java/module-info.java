/** keel streaming: tile streams, the balancer facade, the planning pipeline, JFR events. */
module io.keel.streaming {
    requires transitive io.keel.planners;
    requires org.agrona;
    requires org.jctools.core;

    exports io.keel.streaming;
}
