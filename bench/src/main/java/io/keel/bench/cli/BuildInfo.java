package io.keel.bench.cli;

/** Build facts. */
final class BuildInfo {
    /** keel's release version. */
    static final String VERSION = "0.1.0-SNAPSHOT";

    private BuildInfo() {
    }
}
