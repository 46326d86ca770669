/** An outside project that links keel on the module path. */
module example.consumer {
    requires io.keel.streaming;
}
