package io.keel.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finds the external data set under {@code -Dkeel.data=DIR} (CI passes {@code ../shared/data}).
 * Unset: the calling test is skipped with a message saying so (a user's fresh clone). Set but the
 * files are missing: the test fails, since CI promised them. A relative {@code keel.data} is
 * resolved against the reactor root ({@code keel.root}, set by the build), where the user typed it.
 */
public final class KeelData {
    private KeelData() {
    }

    /** The directory {@code keel.data/sub}, or a skip when {@code keel.data} is unset. */
    public static Path require(String sub) {
        String dir = System.getProperty("keel.data", "").trim();
        Assumptions.assumeFalse(dir.isEmpty(),
                "keel.data is unset: skipping the tests on " + sub + " (run with -Dkeel.data=../shared/data)");
        Path base = Path.of(dir);
        if (!base.isAbsolute()) {
            String root = System.getProperty("keel.root", "").trim();
            base = (root.isEmpty() ? Path.of("").toAbsolutePath() : Path.of(root)).resolve(dir).normalize();
        }
        Path p = base.resolve(sub);
        if (!Files.exists(p)) {
            fail("keel.data is set to " + dir + " but " + p + " does not exist");
        }
        return p;
    }
}
