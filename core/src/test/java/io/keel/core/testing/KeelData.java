package io.keel.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finds the external data set under {@code -Dkeel.data=DIR} (CI passes {@code ../shared/data}),
 * or, when that property is unset or blank, under the environment variable {@code KEEL_DATA}.
 * Both unset: the calling test is skipped with a message saying so (a user's fresh clone). Set but
 * the files are missing: the test fails, since CI promised them. A relative directory is resolved
 * against the reactor root ({@code keel.root}, set by the build), where the user typed it.
 */
public final class KeelData {
    private KeelData() {
    }

    /** The directory {@code keel.data/sub} (or {@code KEEL_DATA/sub}), or a skip when both are unset. */
    public static Path require(String sub) {
        return require(sub, System.getProperty("keel.data"), System.getenv("KEEL_DATA"));
    }

    /** {@link #require(String)} with the property's and the variable's values given (null: unset). */
    static Path require(String sub, String property, String environment) {
        String dir = property == null ? "" : property.trim();
        String from = "keel.data";
        if (dir.isEmpty() && environment != null && !environment.isBlank()) {
            dir = environment.trim();
            from = "KEEL_DATA";
        }
        Assumptions.assumeFalse(dir.isEmpty(), "keel.data is unset (and so is KEEL_DATA): skipping the tests on "
                + sub + " (run with -Dkeel.data=../shared/data, or export KEEL_DATA=../shared/data)");
        Path base = Path.of(dir);
        if (!base.isAbsolute()) {
            String root = System.getProperty("keel.root", "").trim();
            base = (root.isEmpty() ? Path.of("").toAbsolutePath() : Path.of(root)).resolve(dir).normalize();
        }
        Path p = base.resolve(sub);
        if (!Files.exists(p)) {
            fail(from + " is set to " + dir + " but " + p + " does not exist");
        }
        return p;
    }
}
