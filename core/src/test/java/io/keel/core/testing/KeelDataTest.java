package io.keel.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeelDataTest {
    /** Every file a test writes goes here; JUnit deletes it afterwards. */
    @TempDir
    java.nio.file.Path tmp;

    private final String saved = System.getProperty("keel.data");

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty("keel.data");
        } else {
            System.setProperty("keel.data", saved);
        }
    }

    @Test
    void unsetSkipsWithAMessage() {
        System.setProperty("keel.data", " ");
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> KeelData.require("moe-traces", System.getProperty("keel.data"), null));
        assertTrue(e.getMessage().contains("keel.data is unset"), e.getMessage());
    }

    @Test
    void setButMissingFails() {
        System.setProperty("keel.data", "/nonexistent/keel-data");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> KeelData.require("moe-traces"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void setAndPresentResolves() throws Exception {
        Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-data"));
        Files.createDirectory(dir.resolve("x"));
        System.setProperty("keel.data", dir.toString());
        assertEquals(dir.resolve("x"), KeelData.require("x"));
    }

    // The environment cannot be set in-process: these go through require(sub, property, variable).

    @Test
    void theEnvironmentVariableIsReadWhenThePropertyIsUnsetOrBlank() throws Exception {
        Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-data"));
        Files.createDirectory(dir.resolve("x"));
        assertEquals(dir.resolve("x"), KeelData.require("x", null, dir.toString()));
        // The build passes an empty keel.data when -Dkeel.data is not given.
        assertEquals(dir.resolve("x"), KeelData.require("x", "", " " + dir + " "));
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> KeelData.require("missing", " ", dir.toString()));
        assertTrue(e.getMessage().startsWith("KEEL_DATA is set to"), e.getMessage());
    }

    @Test
    void thePropertyWinsOverTheEnvironmentVariable() throws Exception {
        Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-data"));
        Files.createDirectory(dir.resolve("x"));
        assertEquals(dir.resolve("x"), KeelData.require("x", dir.toString(), "/nonexistent/keel-data"));
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> KeelData.require("x", "/nonexistent/keel-data", dir.toString()));
        assertTrue(e.getMessage().startsWith("keel.data is set to"), e.getMessage());
    }

    @Test
    void bothUnsetSkipsAndARelativeVariableResolvesAgainstTheRoot() throws Exception {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> KeelData.require("x", null, " "));
        assertTrue(e.getMessage().contains("KEEL_DATA"), e.getMessage());
        Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-data"));
        Files.createDirectories(dir.resolve("data").resolve("x"));
        String root = System.getProperty("keel.root");
        System.setProperty("keel.root", dir.toString());
        try {
            assertEquals(dir.resolve("data").resolve("x"), KeelData.require("x", null, "data"));
        } finally {
            if (root == null) {
                System.clearProperty("keel.root");
            } else {
                System.setProperty("keel.root", root);
            }
        }
    }
}
