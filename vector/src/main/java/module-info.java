/** keel vector: SIMD similarity kernels with a scalar fallback, candidate selection, retrieval. */
module io.keel.vector {
    requires transitive io.keel.core;
    requires static jdk.incubator.vector;
    requires org.eclipse.collections.api;
    requires org.eclipse.collections.impl;

    exports io.keel.vector;
    exports io.keel.vector.select;
    exports io.keel.vector.retrieve;
}
