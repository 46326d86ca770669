package io.keel.bench.cli;

import java.util.Locale;

import picocli.CommandLine.Model.CommandSpec;

/**
 * Refuses, with exit code 2 and one line, a run whose arrays would not fit this JVM's heap, before
 * it allocates them: a Java {@code OutOfMemoryError} would print a stack trace and exit 1.
 */
final class HeapCheck {
    private HeapCheck() {
    }

    /**
     * Throws the command's bad-argument error when {@code bytes} (an estimate of what the run
     * allocates, margins included) exceed 80% of the maximum heap.
     *
     * @param what the options that set the size, as the message should name them
     */
    static void require(CommandSpec spec, double bytes, String what) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > 0.8 * max) {
            throw Arguments.bad(spec, String.format(Locale.ROOT,
                    "%s needs about %.1f GB of heap, over 80%% of this JVM's %.1f GB; pass smaller sizes, or a larger "
                            + "heap (JAVA_TOOL_OPTIONS=-Xmx...)", what, bytes / 1e9, max / 1e9));
        }
    }
}
