/** keel core: zero-allocation primitives shared by every keel kernel. */
module io.keel.core {
    requires transitive jdk.jfr;

    exports io.keel.core;
    exports io.keel.core.jfr;
}
