package io.keel.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpCommandTest {
    /** Every file a test writes goes here; JUnit deletes it afterwards. */
    @TempDir
    java.nio.file.Path tmp;

    static String run(String... args) {
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
    void epJsonHasEveryReportedField() {
        for (String planner : new String[] {"quota", "eplb", "none"}) {
            String out = run("ep", "--ranks", "8", "--experts", "32", "--domain", "8", "--tokens-per-rank", "512",
                    "--microbatches", "2", "--rounds", "5", "--planner", planner, "--json");
            for (String key : new String[] {"\"planner\":\"" + planner + "\"", "\"ranks\":8", "\"experts\":32",
                "\"slots\":2", "\"domain\":8", "\"microbatches\":2", "\"initialImbalance\":{\"mean\"",
                "\"finalImbalance\":{\"mean\"", "\"lowerBoundImbalance\":{\"mean\"", "\"replicas\":{\"mean\"",
                "\"planMicros\":{\"p50\"", "\"allocatedBytesPerPlan\":", "\"allocatedBytesPerPlanMin\":"}) {
                assertTrue(out.contains(key), key + " missing in " + out);
            }
            if (planner.equals("none")) {
                // Nothing is planned, so nothing is timed or counted.
                assertTrue(out.contains("\"allocatedBytesPerPlan\":0,\"allocatedBytesPerPlanMin\":0,"), out);
            }
        }
    }

    @Test
    void aBorrowedInputPlansTheSame() {
        String[] args = {"ep", "--ranks", "16", "--experts", "64", "--domain", "16", "--tokens-per-rank", "2048",
            "--microbatches", "3", "--rounds", "3", "--imbalance", "2", "--eps", "0.005", "--json"};
        String copied = run(args);
        String[] withFlag = java.util.Arrays.copyOf(args, args.length + 1);
        withFlag[args.length] = "--borrow-input";
        String borrowed = run(withFlag);
        assertTrue(copied.contains("\"borrowInput\":false"), copied);
        assertTrue(borrowed.contains("\"borrowInput\":true"), borrowed);
        // Which column sum ran (the bench tests run with the incubator module: the Panama form).
        String form = io.keel.planners.ep.QuotaPlanner.columnSumImplementation();
        assertTrue(form.startsWith("Panama"), form);
        assertTrue(copied.contains("\"columnSums\":\"" + form + "\""), copied);
        for (String key : new String[] {"finalImbalance", "replicas", "lowerBoundImbalance"}) {
            assertEquals(field(copied, key), field(borrowed, key), key);
        }
        // The token split reads the matrix: the tokens computed off their source rank must agree too.
        assertEquals(number(copied, "tokensOffSource"), number(borrowed, "tokensOffSource"));
        assertTrue(Long.parseLong(number(copied, "tokensOffSource")) > 0, copied);
    }

    /** The JSON number after {@code "key":}. */
    private static String number(String json, String key) {
        int at = json.indexOf("\"" + key + "\":");
        assertTrue(at >= 0, key + " missing in " + json);
        int from = at + key.length() + 3;
        int to = from;
        while (to < json.length() && (Character.isDigit(json.charAt(to)) || json.charAt(to) == '-')) {
            to++;
        }
        return json.substring(from, to);
    }

    /** The JSON object after {@code "key":}, up to its closing brace. */
    private static String field(String json, String key) {
        int at = json.indexOf("\"" + key + "\":");
        assertTrue(at >= 0, key + " missing in " + json);
        return json.substring(at, json.indexOf('}', at) + 1);
    }

    @Test
    void withoutDomainTheDomainIsSixtyFourOrEveryRank() {
        String out = run("ep", "--ranks", "8", "--experts", "32", "--tokens-per-rank", "512", "--microbatches", "1",
                "--rounds", "2", "--json");
        assertTrue(out.contains("\"domain\":8"), out);
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
    void eplbFromACurrentPlacementMovesOnlyWhatTheBudgetAllowsAndPlansAroundAFailedRank() {
        String readme = "[[90,132,40,61,104,165,39,4,73,56,183,86],[20,107,104,64,19,197,187,157,172,86,16,27]]";
        String placed = "[[5,6,5,7,8,4,3,4,10,9,10,2,0,1,11,1],[7,10,6,8,6,11,8,9,2,4,5,1,5,0,3,1]]";
        String same = run("eplb", "--weights", readme, "--replicas", "16", "--groups", "4", "--nodes", "2", "--gpus", "8",
                "--current", placed, "--max-moves", "3", "--json");
        assertTrue(same.contains("\"movedCopies\":0,"), same);
        assertTrue(same.contains("\"phy2log\":[[5,6,5,7,8,4,3,4,10,9,10,2,0,1,11,1],"), same);
        String failed = run("eplb", "--weights", readme, "--replicas", "16", "--groups", "4", "--nodes", "2", "--gpus", "8",
                "--current", placed, "--max-moves", "0", "--exclude-ranks", "3", "--batch-bytes", "1", "--json");
        assertTrue(failed.contains("\"lostExperts\":[{\"layer\":0,\"expert\":3},{\"layer\":1,\"expert\":9}]"), failed);
        assertTrue(failed.contains("\"restoredCopies\":2,"), failed);
        assertTrue(failed.contains("\"unplacedExperts\":[]"), failed);
        assertTrue(failed.matches("(?s).*\"phy2log\":\\[\\[(-?\\d+,){6}-1,-1,.*"), failed);
        assertTrue(failed.contains("\"batches\":[[0],[1]]"), failed);
    }

    @Test
    void serveReplayComparesTheFiveStrategiesAndDrillsFailures() {
        String out = run("ep", "--serve-replay", "--ranks", "8", "--experts", "16", "--slots", "2", "--layers", "2",
                "--steps", "40", "--rebalance-every", "5", "--ranks-per-node", "2", "--fail-rank", "1@12",
                "--fail-node", "1@25", "--json");
        int at = 0;
        for (String name : new String[] {"eplb", "incremental-5", "incremental-10", "incremental-25", "quota"}) {
            int i = out.indexOf("{\"name\":\"" + name + "\",\"movedCopies\":", at);
            assertTrue(i > 0, name + " missing in order in " + out);
            at = i;
        }
        assertTrue(out.contains("\"servedImbalance\":{\"mean\":"), out);
        assertTrue(out.contains("\"lostExperts\":{\"rank 1@12\":{\"eplb\":"), out);
        assertTrue(out.contains("\"kind\":\"node\",\"target\":1,\"step\":25,"), out);
        assertTrue(out.contains("\"replanMicros\":"), out);
        // The survivors' 20 slots hold all 16 experts, so every lost expert is restored and served.
        assertTrue(!out.contains("\"mean\":null") && !out.contains("\"imbalanceAfterReplan\":null"), out);
    }

    @Test
    void serveReplayCountsSkippedRebalancesAndBatches() {
        String out = run("ep", "--serve-replay", "--ranks", "8", "--experts", "16", "--slots", "2", "--layers", "2",
                "--steps", "40", "--rebalance-every", "5", "--skip-threshold", "1.3", "--batch-bytes", "4",
                "--copy-bytes", "1", "--json");
        assertTrue(out.contains("\"skipThreshold\":1.3,\"batchBytes\":4,"), out);
        assertTrue(out.matches("(?s).*\"name\":\"eplb\",[^}]*\"servedImbalance\":\\{[^}]*\\},\"rebalances\":7,"
                + "\"skippedLayers\":\\d+,\"skippedRebalances\":\\d+\\}.*"), out);
        assertTrue(out.matches("(?s).*\"name\":\"incremental-25\",[^}]*\\},\"rebalances\":7,\"skippedLayers\":\\d+,"
                + "\"skippedRebalances\":\\d+,\"batches\":\\d+,\"oversizedBatches\":\\d+\\}.*"), out);
        // Every skipped layer is one of 2 per rebalance.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"skippedLayers\":(\\d+)").matcher(out);
        while (m.find()) {
            assertTrue(Integer.parseInt(m.group(1)) <= 14, out);
        }
        assertTrue(run("ep", "--serve-replay", "--ranks", "8", "--experts", "16", "--slots", "2", "--layers", "2",
                "--steps", "10", "--json").indexOf("skippedLayers") < 0, "not reported without a threshold");
    }

    @Test
    void traceReplaysAProcessedCsvFile() throws IOException {
        Path csv = tmp.resolve("keel-trace.csv");
        try {
            // Two datasets, two layers, 16 experts; the first column (a row number) may be left out.
            StringBuilder b = new StringBuilder("dataset,iteration,layer_idx");
            for (int e = 0; e < 16; e++) {
                b.append(',').append(e);
            }
            b.append('\n');
            for (String ds : new String[] {"mine", "other"}) {
                for (int it = 0; it < 2; it++) {
                    for (int layer = 0; layer < 2; layer++) {
                        b.append(ds).append(',').append(it).append(',').append(layer);
                        for (int e = 0; e < 16; e++) {
                            b.append(',').append(e == 3 ? 4000 : 100 + 10 * e + it);
                        }
                        b.append('\n');
                    }
                }
            }
            Files.writeString(csv, b);
            String out = run("ep", "--trace", csv.toString(), "--rounds", "3", "--json");
            assertTrue(out.contains("{\"dataset\":\"" + csv.getFileName() + "/mine\",\"layer\":0,"), out);
            assertTrue(out.contains("\"dataset\":\"" + csv.getFileName() + "/other\",\"layer\":1,"), out);
            // 16 experts: the largest divisor up to 8 is 8 ranks, unless --ranks says otherwise.
            assertTrue(out.contains("\"ranks\":8,\"experts\":16"), out);
            assertTrue(run("ep", "--trace", csv.toString(), "--ranks", "4", "--rounds", "3", "--json")
                    .contains("\"ranks\":4,\"experts\":16"));
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    @Test
    void traceReplaysAPerSourceRawLayout() throws IOException {
        Path dir = java.nio.file.Files.createDirectory(tmp.resolve("keel-raw"));
        try {
            for (int rank = 0; rank < 2; rank++) {
                Files.createDirectories(dir.resolve(Integer.toString(rank)));
                for (int layer : new int[] {1, 5}) {
                    StringBuilder b = new StringBuilder("iteration,expert distribution\n");
                    for (int it = 0; it < 3; it++) {
                        b.append(it).append(",\"[").append(900 + rank).append(", 10, 20, 30]\"\n");
                    }
                    Files.writeString(dir.resolve(Integer.toString(rank)).resolve("moe_layer-" + layer + ".csv"), b);
                }
            }
            String out = run("ep", "--trace", dir.toString(), "--slots", "1", "--min-tokens", "1", "--rounds", "3",
                    "--json");
            String name = dir.getFileName().toString();
            assertTrue(out.contains("{\"dataset\":\"" + name + "\",\"layer\":1,\"planner\":\"quota\",\"ranks\":2,"
                    + "\"experts\":4,\"slots\":1,\"domain\":2,\"microbatches\":3,"), out);
            assertTrue(out.contains("\"layer\":5,"), out);
            // Rank 0 homes experts 0 and 1 and gets 1821 of 1921 tokens (max/mean 1.8959); one replica
            // of expert 0 on rank 1 brings its load to ceil(1921 / 2) = 961 (max/mean 1.00052).
            assertTrue(out.contains("\"initialImbalance\":{\"mean\":1.895888,"), out);
            assertTrue(out.contains("\"finalImbalance\":{\"mean\":1.000521,"), out);
            assertTrue(out.contains("\"replicas\":{\"mean\":1,"), out);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
