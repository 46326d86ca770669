package io.keel.bench.cli;

import java.util.Map;

/**
 * One capability's part of {@code keel demo}: runs on embedded synthetic defaults (no files)
 * and returns a short report. Sections are listed in {@link DemoCommand#SECTIONS}.
 */
public interface DemoSection {
    /** The key of this section in the report. */
    String name();

    /** Runs the section; {@code progress} prints a line on stderr for long runs. */
    Map<String, Object> run(Progress progress);

    /** Progress lines on stderr, so stdout stays clean for {@code --json}. */
    interface Progress {
        /** Prints one progress line. */
        void step(String what);
    }
}
