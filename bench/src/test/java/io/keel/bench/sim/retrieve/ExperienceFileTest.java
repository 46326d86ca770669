package io.keel.bench.sim.retrieve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperienceFileTest {
    /** Every file a test writes goes here; JUnit deletes it afterwards. */
    @TempDir
    java.nio.file.Path tmp;

    static String error(String content) {
        return assertThrows(IllegalArgumentException.class, () -> ExperienceFile.parse("x.jsonl", content)).getMessage();
    }

    @Test
    void theShippedExampleHasThirtyWorkflowsWithSteps() throws IOException {
        List<ExperienceFile.Workflow> w = ExperienceFile.read(Path.of("examples/experiences.jsonl"));
        assertEquals(30, w.size());
        assertEquals("flaky-test", w.get(0).id());
        assertTrue(w.stream().allMatch(x -> x.steps().size() >= 3));
        assertEquals(30, w.stream().map(ExperienceFile.Workflow::id).distinct().count());
    }

    @Test
    void parsesEscapesBlankLinesAndMissingIds() {
        List<ExperienceFile.Workflow> w = ExperienceFile.parse("x.jsonl",
                "\n{\"task\":\"say \\\"hi\\\"\\u0021\",\"steps\":[]}\n\n { \"id\" : \"b\", \"steps\" : [\"s1\", \"s2\"], \"task\":\"t\" } \n");
        assertEquals(2, w.size());
        assertEquals("say \"hi\"!", w.get(0).task());
        assertEquals("line-2", w.get(0).id());
        assertEquals(List.of("s1", "s2"), w.get(1).steps());
        assertEquals(4, w.get(1).line());
    }

    @Test
    void badLinesGiveLineNumberedErrors() {
        String ok = "{\"task\":\"t\",\"steps\":[]}\n";
        assertEquals("x.jsonl:2:26: expected ',' or ']', found '\"'", error(ok + "{\"task\":\"t\",\"steps\":[\"a\" \"b\"]}"));
        assertEquals("x.jsonl:3:9: unknown key \"tsak\" (expected id, task, steps)",
                error(ok + "\n{\"tsak\":\"t\"}"));
        assertTrue(error(ok + ok + "{\"task\":\"t\"}").startsWith("x.jsonl:3:"), "missing steps");
        assertTrue(error("{\"task\":\"\",\"steps\":[]}").startsWith("x.jsonl:1:"), "empty task");
        assertTrue(error("{\"task\":\"t\",\"steps\":[]} trailing").contains("unexpected text"));
        assertTrue(error("[1, 2]").startsWith("x.jsonl:1:1: expected '{'"));
        assertTrue(error("{\"task\":\"unterminated").contains("unterminated string"));
        assertTrue(error("{\"task\":\"t\",\"steps\":[1]}").startsWith("x.jsonl:1:"));
        assertEquals("x.jsonl: no workflows (expected one JSON object per line)", error("\n \n"));
    }

    @Test
    void blankStepsAreErrorsAtTheirOpeningQuote() {
        assertEquals("x.jsonl:1:27: blank step (each step must be a non-blank string)",
                error("{\"task\":\"t\",\"steps\":[\"a\", \" \"]}"));
        assertEquals("x.jsonl:2:22: blank step (each step must be a non-blank string)",
                error("{\"task\":\"t\",\"steps\":[]}\n{\"task\":\"t\",\"steps\":[\"\\t\", \"b\"]}"));
        // Control characters only: not white space to isBlank, but blank to the embedding model.
        assertTrue(error("{\"task\":\"t\",\"steps\":[\"\\u0001\"]}").startsWith("x.jsonl:1:22: blank step"));
        assertTrue(error("{\"task\":\"\\u0000 \",\"steps\":[]}").startsWith("x.jsonl:1:"), "control-only task");
    }

    @Test
    void unreadableAndNonUtf8FilesAreErrorsNamingTheFile() throws IOException {
        Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-experiences"));
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, "{\"task\":\"t\",\"steps\":[]}\n{\"task\":\"caf\u00e9\",\"steps\":[]}\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(latin1 + ":2: not UTF-8 text (byte 0xe9)",
                assertThrows(IllegalArgumentException.class, () -> ExperienceFile.read(latin1)).getMessage());
        Path missing = dir.resolve("missing.jsonl");
        assertEquals("cannot read " + missing + ": NoSuchFileException",
                assertThrows(IllegalArgumentException.class, () -> ExperienceFile.read(missing)).getMessage());
    }
}
