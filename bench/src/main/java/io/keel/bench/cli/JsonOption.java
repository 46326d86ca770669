package io.keel.bench.cli;

import picocli.CommandLine.Option;

/** The {@code --json} switch every subcommand carries. */
public final class JsonOption {
    @Option(names = "--json", description = "Print a machine-readable JSON object on stdout.")
    boolean json;

    /** Whether JSON output was asked for. */
    public boolean json() {
        return json;
    }
}
