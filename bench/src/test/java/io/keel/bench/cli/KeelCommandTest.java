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
import org.junit.jupiter.api.io.TempDir;

class KeelCommandTest {
    /** Every file a test writes goes here; JUnit deletes it afterwards. */
    @TempDir
    java.nio.file.Path tmp;

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
        refused("leave none of the 4 ranks", "ep", "--serve-replay", "--ranks", "4", "--experts", "16", "--fail-rank", "0@5",
                "--fail-rank", "1@5", "--fail-node", "1@6");
        // Sizes: an int overflow of one microbatch's matrix, more than the heap holds, a zero divisor.
        refused("--ranks x --experts must be < 2^31", "ep", "--ranks", "65536", "--experts", "65536", "--rounds", "1");
        long over = (long) Math.sqrt(Runtime.getRuntime().maxMemory() / 4.0) + 1024;
        refused("heap", "ep", "--ranks", Long.toString(over), "--experts", Long.toString(over), "--microbatches", "1",
                "--tokens-per-rank", "0", "--rounds", "1");
        refused("--ranks must be >= 1, was 0", "ep", "--serve-replay", "--ranks", "0");
        // Sums over int: one step's expert load, and a rebalance window's.
        refused("exceeds 2^31 - 1 tokens", "ep", "--serve-replay", "--steps", "20", "--layers", "2", "--experts", "16",
                "--ranks", "4", "--tokens-per-rank", "2000000000");
        refused("rebalance window", "ep", "--serve-replay", "--steps", "20", "--layers", "2", "--experts", "16",
                "--ranks", "4", "--tokens-per-rank", "30000000");
        // More slots than the transfer plan's tile table describes.
        refused("--slots 100000 is more than the transfer plan can tile", "ep", "--ranks", "8", "--experts", "32",
                "--slots", "100000", "--rounds", "2", "--microbatches", "2");
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
        // Tables larger than the heap (log2phy alone is experts x replicas ints): refused, not an OutOfMemoryError.
        String replicas = Long.toString(Math.min(Integer.MAX_VALUE - 1, Runtime.getRuntime().maxMemory() / 24));
        refused("heap", "eplb", "--weights", "[[1,2]]", "--replicas", replicas, "--groups", "1", "--nodes", "1", "--gpus", "1");
        refused("heap", "eplb", "--weights", "[[1,2]]", "--replicas", replicas, "--groups", "1", "--nodes", "1", "--gpus", "1",
                "--spread-hot");
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
        // Each round keeps one time per contender.
        refused("--rounds", "score", "--dim", "1", "--rows", "1", "--rounds",
                Long.toString(Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 8)));
    }

    @Test
    void selectRefusesBadValuesWithExitTwo() throws IOException {
        refused("alpha", "select", "--data", "no/such.csv", "--alpha", "7");
        refused("--combine", "select", "--data", "no/such.csv", "--combine", "magic");
        refused("no/such.csv", "select", "--data", "no/such.csv");
        java.nio.file.Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-select"));
        java.nio.file.Path header = dir.resolve("header.csv");
        String columns = "problem,candidate,cluster,syntax,semantic_score,symbolic_score,correct\n";
        java.nio.file.Files.writeString(header, columns);
        refused("no candidates", "select", "--data", header.toString());
        java.nio.file.Path text = dir.resolve("text.csv");
        java.nio.file.Files.writeString(text, columns + "p1,0,abc,1,0.5,0.5,1\n");
        refused("text.csv:2: not a number", "select", "--data", text.toString());
    }

    @Test
    void selectRefusesRowsTheSelectorWouldRejectNamingFileAndLine() throws IOException {
        java.nio.file.Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-select-rows"));
        String columns = "problem,candidate,cluster,syntax,semantic_score,symbolic_score,correct\n";
        String p1 = "p1,0,0,1,0.5,0.5,1\n";
        java.nio.file.Path csv = dir.resolve("rows.csv");
        for (String cluster : List.of("5", "-1", "2147483647")) {
            java.nio.file.Files.writeString(csv, columns + p1 + "p1,1," + cluster + ",1,0.5,0.5,0\n");
            refused("rows.csv:3: cluster " + cluster + " must be in [0, 2)", "select", "--data", csv.toString());
            // Not the last problem: checked when the next one starts.
            java.nio.file.Files.writeString(csv, columns + "p0,0," + cluster + ",1,0.5,1,1\n" + p1);
            refused("rows.csv:2: cluster " + cluster + " must be in [0, 1)", "select", "--data", csv.toString());
        }
        for (String score : List.of("NaN", "Infinity", "-Infinity")) {
            java.nio.file.Files.writeString(csv, columns + "p1,0,0,1," + score + ",0.5,1\n");
            refused("rows.csv:2: semantic_score must be finite, was " + score, "select", "--data", csv.toString());
        }
        // p1 again, numbered from 0 as if new: it used to count as a third problem.
        java.nio.file.Files.writeString(csv, columns + p1 + "p2,0,0,1,0.5,1,1\n" + p1);
        refused("rows.csv:4: problem p1 again after other problems (the rows of a problem must be contiguous)",
                "select", "--data", csv.toString());
        java.nio.file.Files.writeString(csv, columns + p1 + "p1,1,1,1,0.7,0.5,0\n" + "p2,0,0,,,1,1\n");
        Object[] ok = run("select", "--data", csv.toString(), "--json");
        assertEquals(0, ok[0], (String) ok[2]);
        assertTrue(((String) ok[1]).startsWith("{\"problems\":2,"), (String) ok[1]);
        // Blank lines at the end are not rows; one between rows is still an error at its line.
        java.nio.file.Files.writeString(csv, columns + p1 + "p2,0,0,,,1,1\n\n  \n");
        Object[] trailing = run("select", "--data", csv.toString(), "--json");
        assertEquals(0, trailing[0], (String) trailing[2]);
        assertTrue(((String) trailing[1]).startsWith("{\"problems\":2,"), (String) trailing[1]);
        java.nio.file.Files.writeString(csv, columns + p1 + "\np2,0,0,,,1,1\n");
        refused("rows.csv:3: expected 7 columns, got 1", "select", "--data", csv.toString());
    }

    @Test
    void filesThatAreNotUtf8AreBadArgumentsNamingFileAndLine() throws IOException {
        java.nio.file.Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-latin1"));
        java.nio.file.Path csv = dir.resolve("latin1.csv");
        java.nio.file.Files.write(csv, ("problem,candidate,cluster,syntax,semantic_score,symbolic_score,correct\n"
                + "p1,0,0,1,0.5,1,1\r\ncaf\u00e9,0,0,1,0.5,1,1\n").getBytes(StandardCharsets.ISO_8859_1));
        String notUtf8 = "latin1.csv:3: not UTF-8 text (byte 0xe9)";
        refused(notUtf8, "select", "--data", csv.toString());
        refused(notUtf8, "ep", "--trace", csv.toString());
        refused(notUtf8, "ep", "--serve-replay", "--trace", csv.toString());
        java.nio.file.Path jsonl = dir.resolve("latin1.jsonl");
        java.nio.file.Files.write(jsonl, "{\"task\":\"caf\u00e9\",\"steps\":[]}\n".getBytes(StandardCharsets.ISO_8859_1));
        refused("latin1.jsonl:1: not UTF-8 text", "kb", "--add", jsonl.toString(), "--query", "q");
        java.nio.file.Path rank0 = java.nio.file.Files.createDirectories(dir.resolve("raw-layout").resolve("0"));
        java.nio.file.Files.write(rank0.resolve("moe_layer-0.csv"), new byte[] {'i', 't', '\n', '[', '1', (byte) 0xff, ']'});
        refused("moe_layer-0.csv:2: not UTF-8 text (byte 0xff)", "ep", "--trace", dir.resolve("raw-layout").toString());
        java.nio.file.Path binary = dir.resolve("bin.csv");
        byte[] ls = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/bin/ls"));
        java.nio.file.Files.write(binary, java.util.Arrays.copyOf(ls, Math.min(ls.length, 3000)));
        refused("bin.csv:", "ep", "--trace", binary.toString());
        refused("bin.csv:", "select", "--data", binary.toString());
    }

    @Test
    void kbRefusesBadFilesAndQueriesWithExitTwo() throws IOException {
        java.nio.file.Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-kb"));
        java.nio.file.Path bad = dir.resolve("bad.jsonl");
        java.nio.file.Files.writeString(bad, "{\"id\":\"a\",\"task\":\"t\",\"steps\":[\"s\"]}\n{\"id\":\"b\" \"task\"}\n");
        refused("bad.jsonl:2:", "kb", "--add", bad.toString(), "--query", "q");
        refused("--add must be a readable", "kb", "--add", dir.resolve("none.jsonl").toString(), "--query", "q");
        refused("--add must be a readable", "kb", "--add", dir.toString(), "--query", "q");
        java.nio.file.Path empty = dir.resolve("empty.jsonl");
        java.nio.file.Files.writeString(empty, "");
        refused("no workflows", "kb", "--add", empty.toString(), "--query", "q");
        refused("--query must not be blank", "kb", "--add", bad.toString(), "--query", " ");
        refused("--query must not be blank", "kb", "--add", bad.toString(), "--query", "\u0001");
        java.nio.file.Path blankStep = dir.resolve("blank-step.jsonl");
        java.nio.file.Files.writeString(blankStep, "{\"task\":\"Fix a flaky test\",\"steps\":[\"\", \"rerun the test\"]}\n");
        refused("blank-step.jsonl:1:37: blank step", "kb", "--add", blankStep.toString(), "--query", "q");
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
        refused("no degree of 1, 2, 4, 8 can run the sweep's", "rollout", "--sweep", "--gpus", "1");
        refused("--workload", "rollout", "--sweep", "--workload", "magic");
        refused("drop --model", "rollout", "--sweep", "--model", "llama3.1-8b");
        refused("drop --tp", "rollout", "--sweep", "--tp", "8");
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
        java.nio.file.Path empty = java.nio.file.Files.createDirectory(tmp.resolve("keel-ep-sim"));
        refused("--trace must be the moe-traces folder", "ep-sim", "--trace", empty.toString());
        java.nio.file.Files.createDirectories(empty.resolve("raw"));
        refused("--trace must be the moe-traces folder", "ep-sim", "--trace", empty.toString());
        // Bad contents are found before the sweep too (it takes most of a minute).
        java.nio.file.Path widths = java.nio.file.Files.createDirectory(tmp.resolve("keel-ep-sim-widths"));
        java.nio.file.Path rank = java.nio.file.Files.createDirectories(widths.resolve("raw/m/0"));
        java.nio.file.Files.writeString(rank.resolve("moe_layer-0.csv"), "h\n0,\"[1,2]\"\n");
        java.nio.file.Files.writeString(rank.resolve("moe_layer-1.csv"), "h\n0,\"[1,2,3]\"\n");
        refused("layer 1 has 1 ranks x 3 experts, layer 0 has 1 x 2", "ep-sim", "--trace", widths.toString());
        java.nio.file.Files.writeString(rank.resolve("moe_layer-x.csv"), "h\n0,\"[1,2]\"\n");
        refused("moe_layer-x.csv: a layer file must be named moe_layer-<number>.csv", "ep-sim", "--trace", widths.toString());
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
