package io.keel.vector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scores are bit-identical whichever JIT tier runs them: {@link TierScores} runs in three fresh
 * JVMs (interpreter only; C1 only; C2 only, after enough repetitions that the kernels are
 * compiled, with {@code -Xbatch} so compilation finishes before the printed round), with the
 * Vector API module exactly when this JVM has it, and their outputs are compared line by line.
 * {@code reduceLanes(ADD)}, whose order the interpreter and C2 do not share, would fail this.
 */
class JitTierDeterminismTest {
    @Test
    void scoresAreBitIdenticalInTheInterpreterC1AndC2() throws Exception {
        String interpreted = run(List.of("-Xint"), 1);
        String c1 = run(List.of("-XX:TieredStopAtLevel=1", "-Xbatch"), 400);
        String c2 = run(List.of("-XX:-TieredCompilation", "-Xbatch"), 400);
        assertTrue(interpreted.lines().count() > 500, "expected one line per score:\n" + interpreted);
        assertEquals(interpreted, c1, "interpreter vs C1");
        assertEquals(interpreted, c2, "interpreter vs C2");
        StringBuilder here = new StringBuilder();
        TierScores.scores(here);
        assertEquals(interpreted, here.toString(), "interpreter vs this JVM");
    }

    private static String run(List<String> flags, int reps) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
        }
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(TierScores.class.getName());
        cmd.add(Integer.toString(reps));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), "failed: " + cmd);
        return out;
    }
}
