package io.keel.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.keel.core.testing.KeelData;
import org.junit.jupiter.api.Test;

/**
 * The serving replay's figures that bench/RESULTS.md reports against issue #16's target (within 1% of
 * EPLB-from-scratch's served imbalance at no more than 25% of its bytes, incremental-25) and the
 * failure drill that the restore-then-pack order fixed: a regression in the rebalancer shows here.
 * Deterministic replays; the trace ones are skipped without {@code keel.data}.
 */
class ServeReplayTargetTest {
    private static final Pattern TARGET = Pattern.compile(
            "\"incremental-25\":\\{\"imbalanceVsEplb\":([0-9.]+),\"bytesVsEplb\":([0-9.]+),\"met\":(true|false)}");

    private static String run(String... args) {
        return EpCommandTest.run(args);
    }

    private static int assertTargetsMet(String out) {
        Matcher m = TARGET.matcher(out);
        int n = 0;
        while (m.find()) {
            n++;
            assertTrue(Double.parseDouble(m.group(1)) <= 1.01 && Double.parseDouble(m.group(2)) <= 0.25
                    && m.group(3).equals("true"), m.group());
        }
        return n;
    }

    @Test
    void incremental25MeetsTheTargetOnTheDriftingZipfReplay() {
        assertEquals(1, assertTargetsMet(run("ep", "--serve-replay", "--rebalance-every", "10", "--ranks", "32",
                "--experts", "256", "--slots", "4", "--ranks-per-node", "8", "--json")));
    }

    @Test
    void incremental25MeetsTheTargetOnBothTraces() {
        String trace = KeelData.require("moe-traces").toString();
        assertEquals(2, assertTargetsMet(run("ep", "--serve-replay", "--trace", trace, "--rebalance-every", "5",
                "--json")));
    }

    /**
     * switch128 with 4 spare slots per rank, rank 1 failing before step 30: the budgeted re-plan ended
     * at 2.78 x the mean while EPLB from scratch reached 1.70, because restores distorted the sticky
     * aim; packing the sticky targets around the restored copies brings it to 1.86.
     */
    @Test
    void aBudgetedReplanAfterARankFailureStaysNearEplbs() {
        String trace = KeelData.require("moe-traces").toString();
        String out = run("ep", "--serve-replay", "--trace", trace, "--rebalance-every", "5", "--slots", "4",
                "--fail-rank", "1@30", "--json");
        int sw = out.indexOf("\"name\":\"switch128\"");
        assertTrue(sw > 0, out);
        double eplb = after(out, sw, "eplb");
        double incremental = after(out, sw, "incremental-25");
        assertTrue(incremental <= 1.15 * eplb, "incremental-25 " + incremental + " against EPLB " + eplb);
    }

    private static double after(String out, int from, String strategy) {
        Matcher m = Pattern.compile("\"strategy\":\"" + strategy + "\",[^}]*\"imbalanceAfterReplan\":([0-9.]+)")
                .matcher(out);
        assertTrue(m.find(from), strategy + " drill missing");
        return Double.parseDouble(m.group(1));
    }
}
