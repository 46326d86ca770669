package io.keel.bench.cli;

import java.util.List;
import java.util.Map;

import io.keel.bench.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code keel demo}: runs every capability keel has on embedded synthetic workloads and prints
 * a short report (no files needed). Progress goes to stderr.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run every keel capability on built-in synthetic workloads and print a short report.")
public final class DemoCommand implements Runnable {
    /** The demo's sections, in report order. */
    static final List<DemoSection> SECTIONS = List.of(
            new CoreDemo(),
            new EpDemo(),
            new TransfersDemo(),
            new ScoringDemo(),
            new RolloutDemo());

    @Mixin
    JsonOption output;

    @Option(names = "--quiet", description = "No progress lines on stderr, and no INFO log lines (which SIMD "
            + "implementation keel and Lucene chose).")
    boolean quiet;

    /** Held so the level set on them lasts (java.util.logging keeps loggers weakly). */
    private static final java.util.logging.Logger[] QUIETED = {
        java.util.logging.Logger.getLogger("io.keel.vector"),
        java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization"),
    };

    @Override
    public void run() {
        if (quiet) {
            for (java.util.logging.Logger l : QUIETED) {
                l.setLevel(java.util.logging.Level.WARNING);
            }
        }
        Map<String, Object> r = Report.object();
        r.put("keel", VersionCommand.keelVersion());
        r.put("java", Runtime.version().toString());
        r.put("vectorModule", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        for (DemoSection s : SECTIONS) {
            DemoSection.Progress p = quiet ? what -> { } : what -> System.err.println("[" + s.name() + "] " + what);
            long t0 = System.nanoTime();
            Map<String, Object> section = s.run(p);
            section.put("seconds", (System.nanoTime() - t0) / 1e9);
            r.put(s.name(), section);
        }
        Report.print(System.out, r, output.json());
    }
}
