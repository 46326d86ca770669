package io.keel.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class EpCommandTest {
    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, KeelCommand.execute(args));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void epPrintsTheIssueKeys() {
        for (String planner : new String[] {"quota", "eplb", "none"}) {
            String out = run("ep", "--ranks", "8", "--experts", "32", "--domain", "8", "--tokens-per-rank", "512",
                    "--microbatches", "2", "--rounds", "5", "--planner", planner, "--json");
            for (String key : new String[] {"\"planner\":\"" + planner + "\"", "\"ranks\":8", "\"experts\":32",
                "\"slots\":2", "\"domain\":8", "\"microbatches\":2", "\"initialImbalance\":{\"mean\"",
                "\"finalImbalance\":{\"mean\"", "\"lowerBoundImbalance\":{\"mean\"", "\"replicas\":{\"mean\"",
                "\"planMicros\":{\"p50\"", "\"allocatedBytesPerPlan\""}) {
                assertTrue(out.contains(key), key + " missing in " + out);
            }
        }
    }

    @Test
    void eplbReproducesTheReadme() {
        String out = run("eplb", "--weights",
                "[[90,132,40,61,104,165,39,4,73,56,183,86],[20,107,104,64,19,197,187,157,172,86,16,27]]",
                "--replicas", "16", "--groups", "4", "--nodes", "2", "--gpus", "8", "--json");
        assertTrue(out.contains("\"phy2log\":[[5,6,5,7,8,4,3,4,10,9,10,2,0,1,11,1],[7,10,6,8,6,11,8,9,2,4,5,1,5,0,3,1]]"), out);
        assertTrue(out.contains("\"logcnt\":[[1,2,1,1,2,2,1,1,1,1,2,1],[1,2,1,1,1,2,2,1,2,1,1,1]]"), out);
        assertTrue(out.contains("\"log2phy\":[[[12,-1],[15,13]"), out);
    }

    @Test
    void badArgumentsFailCleanly() {
        PrintStream old = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, KeelCommand.execute("eplb", "--weights", "[[1,2],[3]]", "--replicas", "4",
                    "--groups", "1", "--nodes", "1", "--gpus", "2"));
            assertEquals(1, KeelCommand.execute("ep", "--planner", "magic"));
        } finally {
            System.setErr(old);
        }
    }
}
