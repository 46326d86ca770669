package io.keel.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class KeelCommandTest {
    /** Runs the CLI in this JVM and returns {exit code, stdout, stderr}. */
    static Object[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = KeelCommand.execute(args);
            return new Object[] {code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void versionAsJson() {
        Object[] r = run("version", "--json");
        assertEquals(0, r[0]);
        String json = (String) r[1];
        assertTrue(json.startsWith("{\"keel\":\"") && json.contains("\"java\":\"25"), json);
    }

    @Test
    void badArgumentsGiveOneLineAndExitTwo() {
        Object[] r = run("demo", "--no-such-option");
        assertEquals(2, r[0]);
        String err = ((String) r[2]).strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("keel: Unknown option: '--no-such-option'"), err);
        assertEquals(2, run("no-such-command")[0]);
        assertEquals(2, run()[0]);
    }

    /** Asserts that {@code args} are refused as bad arguments: exit code 2, one line on stderr naming {@code what}. */
    private static void refused(String what, String... args) {
        Object[] r = run(args);
        String err = ((String) r[2]).strip();
        assertEquals(2, r[0], String.join(" ", args) + ": " + err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("keel: ") && err.contains(what), String.join(" ", args) + ": " + err);
    }

    @Test
    void epRefusesBadValuesWithExitTwo() {
        refused("imbalance", "ep", "--imbalance", "NaN");
        refused("imbalance", "ep", "--imbalance", "0.5");
        refused("experts must be a multiple of ranks", "ep", "--ranks", "7");
        refused("domainSize", "ep", "--ranks", "32", "--experts", "128", "--domain", "64");
        refused("--microbatches", "ep", "--microbatches", "0");
        refused("--rounds", "ep", "--rounds", "0");
        refused("planner", "ep", "--planner", "magic");
        refused("eps", "ep", "--eps", "-1");
        refused("--trace must be", "ep", "--trace", "no/such/file.csv");
        refused("--fail-rank must be TARGET@STEP", "ep", "--serve-replay", "--fail-rank", "3");
        refused("rank 9@5", "ep", "--serve-replay", "--ranks", "4", "--experts", "16", "--fail-rank", "9@5");
        refused("--rebalance-every", "ep", "--serve-replay", "--rebalance-every", "0");
    }

    @Test
    void eplbRefusesBadWeightsWithExitTwo() {
        String[] sizes = {"--replicas", "4", "--groups", "1", "--nodes", "1", "--gpus", "2"};
        refused("--weights", concat(new String[] {"eplb", "--weights", "[[1,2],[3]]"}, sizes));
        refused("--weights", concat(new String[] {"eplb", "--weights", "[[1,x]]"}, sizes));
        refused("--weights", concat(new String[] {"eplb", "--weights", "1,2"}, sizes));
        refused("weight", concat(new String[] {"eplb", "--weights", "[[1,-2]]"}, sizes));
        refused("replicas", "eplb", "--weights", "[[1,2]]", "--replicas", "1", "--groups", "1", "--nodes", "1",
                "--gpus", "1");
        String[] readme = {"eplb", "--weights", "[[1,2,3,4]]", "--replicas", "4", "--groups", "1", "--nodes", "1",
            "--gpus", "2"};
        refused("--current", concat(readme, new String[] {"--current", "[[0,1,2]]"}));
        refused("current[1] must be in [-1, 4)", concat(readme, new String[] {"--current", "[[0,7,2,3]]"}));
        refused("excludedRanks[0]", concat(readme, new String[] {"--exclude-ranks", "5"}));
        refused("maxMoves", concat(readme, new String[] {"--current", "[[0,1,2,3]]", "--max-moves", "-1"}));
        // Without a placement in effect every copy is placed fresh: a move budget or a skip threshold means nothing.
        refused("need --current", concat(readme, new String[] {"--max-moves", "2"}));
        refused("need --current", concat(readme, new String[] {"--skip-below", "1.1"}));
        refused("no rank", concat(readme, new String[] {"--current", "[[0,1,2,3]]", "--exclude-ranks", "0,1"}));
    }

    @Test
    void scoreReportsEveryRatioAndTheFastestReferenceShape() {
        Object[] r = run("score", "--dim", "64", "--rows", "2000", "--rounds", "3", "--json");
        assertEquals(0, r[0], (String) r[2]);
        String json = (String) r[1];
        for (String field : new String[] {"gbPerSec", "bandwidthRefGbPerSec", "luceneRatio", "luceneSameLayoutRatio", "pairwiseDotRatio",
                "pairwiseCosineRatio", "pairwiseL2Ratio"}) {
            assertTrue(json.contains("\"" + field + "\":"), field + " in " + json);
        }
        assertTrue(json.matches("(?s).*\"bandwidthRefShape\":\"(four_chains|eight_chains|rows)\".*"), json);
    }

    @Test
    void scoreRefusesBadSizesWithExitTwo() {
        refused("--dim", "score", "--dim", "0");
        refused("--dim", "score", "--rows", "-3");
        // Accepted by the int range, but more than the heap holds: refused, not an OutOfMemoryError.
        long rows = Runtime.getRuntime().maxMemory() / (4 * 1536) + 1;
        if (rows * 1536 < Integer.MAX_VALUE - 16) {
            refused("heap", "score", "--dim", "1536", "--rows", Long.toString(rows));
        }
    }

    @Test
    void selectRefusesBadValuesWithExitTwo() throws IOException {
        refused("alpha", "select", "--data", "no/such.csv", "--alpha", "7");
        refused("--combine", "select", "--data", "no/such.csv", "--combine", "magic");
        refused("no/such.csv", "select", "--data", "no/such.csv");
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("keel-select");
        java.nio.file.Path header = dir.resolve("header.csv");
        String columns = "problem,candidate,cluster,syntax,semantic_score,symbolic_score,correct\n";
        java.nio.file.Files.writeString(header, columns);
        refused("no candidates", "select", "--data", header.toString());
        java.nio.file.Path text = dir.resolve("text.csv");
        java.nio.file.Files.writeString(text, columns + "p1,0,abc,1,0.5,0.5,1\n");
        refused("text.csv:2: not a number", "select", "--data", text.toString());
    }

    @Test
    void kbRefusesBadFilesAndQueriesWithExitTwo() throws IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("keel-kb");
        java.nio.file.Path bad = dir.resolve("bad.jsonl");
        java.nio.file.Files.writeString(bad, "{\"id\":\"a\",\"task\":\"t\",\"steps\":[\"s\"]}\n{\"id\":\"b\" \"task\"}\n");
        refused("bad.jsonl:2:", "kb", "--add", bad.toString(), "--query", "q");
        refused("--add must be a readable", "kb", "--add", dir.resolve("none.jsonl").toString(), "--query", "q");
        refused("--add must be a readable", "kb", "--add", dir.toString(), "--query", "q");
        java.nio.file.Path empty = dir.resolve("empty.jsonl");
        java.nio.file.Files.writeString(empty, "");
        refused("no workflows", "kb", "--add", empty.toString(), "--query", "q");
        refused("--query must not be blank", "kb", "--add", bad.toString(), "--query", " ");
    }

    @Test
    void rolloutRefusesBadValuesWithExitTwo() {
        refused("--seeds", "rollout", "--seeds", "0");
        refused("--workload", "rollout", "--workload", "magic");
        refused("--model", "rollout", "--model", "gpt-5");
        refused("--gpus", "rollout", "--gpus", "0");
        refused("--load", "rollout", "--load", "NaN");
        refused("--tp 1", "rollout", "--model", "llama3.1-70b", "--tp", "1");
        refused("--tp 8", "rollout", "--gpus", "4", "--tp", "8");
        refused("--tp must be a degree >= 1, was 0", "rollout", "--tp", "0");
    }

    @Test
    void demoAndVersionRefuseUnknownOptionsWithExitTwo() {
        refused("Unknown option", "demo", "--rounds", "3");
        refused("Unknown option", "version", "--verbose");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void epSimRefusesADomainThatDoesNotDivideTheRanks() throws IOException {
        Object[] r = run("ep-sim", "--domain", "7");
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).startsWith("keel: --domain must divide 64, was 7"), (String) r[2]);
        assertEquals(2, run("ep-sim", "--trace", "no/such/folder")[0]);
        // A folder that is not moe-traces is refused before the sweep runs.
        java.nio.file.Path empty = java.nio.file.Files.createTempDirectory("keel-ep-sim");
        refused("--trace must be the moe-traces folder", "ep-sim", "--trace", empty.toString());
        java.nio.file.Files.createDirectories(empty.resolve("raw"));
        refused("--trace must be the moe-traces folder", "ep-sim", "--trace", empty.toString());
    }

    @Test
    void theJarsMainClassIsTheCli() throws IOException {
        // The shaded jar's manifest is written from the pom; check the pom says the CLI, not JMH.
        String pom = java.nio.file.Files.readString(java.nio.file.Path.of("pom.xml"));
        assertTrue(pom.contains("<mainClass>" + KeelCommand.class.getName() + "</mainClass>"), "bench/pom.xml Main-Class");
    }

    @Test
    void everySubcommandHasHelpAndJson() {
        picocli.CommandLine cl = new picocli.CommandLine(new KeelCommand());
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            var spec = e.getValue().getCommandSpec();
            assertTrue(spec.findOption("--help") != null, e.getKey() + " lacks --help");
            assertTrue(spec.findOption("--json") != null, e.getKey() + " lacks --json");
            Object[] r = run(e.getKey(), "--help");
            assertEquals(0, r[0], e.getKey());
            assertTrue(((String) r[1]).contains("Usage: keel " + e.getKey()), (String) r[1]);
            // picocli warns on stderr about a description it cannot format (an unescaped %).
            assertEquals("", ((String) r[2]).strip(), e.getKey() + " --help wrote to stderr");
        }
    }

    /**
     * DESIGN.md contract point 7: users need no JVM flag beyond the incubator module. The demo runs
     * every capability in a fresh JVM; any warning on stderr other than the JDK's notice that an
     * incubator module is in use (Unsafe deprecation, add-exports/opens, illegal access) fails.
     */
    @Test
    void demoInAFreshJvmPrintsNoWarnings() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), KeelCommand.class.getName(), "demo", "--json", "--quiet"));
        Process p = new ProcessBuilder(cmd).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        byte[] stderr = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "demo did not finish");
        String err = new String(stderr, StandardCharsets.UTF_8);
        String out = new String(stdout, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        List<String> unexpected = err.lines()
                .filter(l -> !l.isBlank())
                .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector"))
                // the vector provider's INFO log of the implementation it chose (JUL prints a header line)
                .filter(l -> !l.startsWith("INFO: keel vector kernels: "))
                .filter(l -> !l.endsWith("io.keel.vector.internal.VectorSupportProvider choose"))
                .toList();
        assertTrue(unexpected.isEmpty(), "unexpected stderr: " + unexpected);
        assertTrue(out.startsWith("{") && out.contains("\"core\""), out);
    }
}
