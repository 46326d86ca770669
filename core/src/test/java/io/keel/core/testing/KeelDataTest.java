package io.keel.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeelDataTest {
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
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> KeelData.require("moe-traces"));
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
        Path dir = Files.createTempDirectory("keel-data");
        Files.createDirectory(dir.resolve("x"));
        System.setProperty("keel.data", dir.toString());
        assertEquals(dir.resolve("x"), KeelData.require("x"));
    }
}
