package io.keel.bench.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The root NOTICE names every third-party component, at its version, that the shaded CLI jar bundles. */
class NoticeTest {
    /** A line of {@code dependency:list}: {@code groupId:artifactId:type[:classifier]:version:scope}. */
    private static final Pattern ARTIFACT =
            Pattern.compile("^\\s*([\\w.-]+):([\\w.-]+):jar(?::[\\w.-]+)?:([\\w.-]+):(compile|runtime)\\b");

    @Test
    void noticeNamesEveryBundledComponentAndVersion() throws IOException {
        // Written by maven-dependency-plugin:list (bench/pom.xml): bench's runtime dependencies, keel's own excluded.
        List<String> bundled = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("target", "bundled-dependencies.txt"))) {
            Matcher m = ARTIFACT.matcher(line);
            if (m.find()) {
                bundled.add(m.group(1) + ":" + m.group(2) + ":" + m.group(3));
            }
        }
        assertTrue(bundled.size() >= 5, "the dependency list was read: " + bundled);
        String notice = Files.readString(Path.of("..", "NOTICE"));
        List<String> missing = bundled.stream().filter(a -> !notice.contains(a)).toList();
        assertTrue(missing.isEmpty(), "NOTICE does not name " + missing + " (see NOTICE for the command that lists them)");
    }
}
