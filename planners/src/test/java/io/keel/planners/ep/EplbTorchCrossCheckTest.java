package io.keel.planners.ep;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.keel.core.testing.KeelData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link EplbPlanner} against DeepSeek's own {@code eplb.py}, run by Debian's {@code python3-torch}
 * (CPU) from {@code keel.data/eplb-reference}: torch's sort order on tie-heavy keys, then
 * {@code phy2log} and {@code logcnt} on random integer loads (1-3 layers, 6-64 experts, 2-32 GPUs;
 * uniform, Zipf, tie-heavy and zero-heavy), which must be identical. Skipped with one line when
 * {@code -Dkeel.data} (and {@code KEEL_DATA}) is unset or {@code /usr/bin/python3} cannot import
 * torch; a missing torch fails it instead when the environment variable {@code KEEL_PYTHON_REQUIRED}
 * is set (CI sets it, as for python/run-tests).
 */
class EplbTorchCrossCheckTest {
    private static final int SORT_CASES = 1000;
    private static final int EPLB_CASES = 1000;

    /** One EPLB case. */
    record Case(int layers, int experts, int replicas, int groups, int nodes, int gpus, int[] weight) {
        String line() {
            StringBuilder b = new StringBuilder("E ").append(layers).append(' ').append(experts).append(' ')
                    .append(replicas).append(' ').append(groups).append(' ').append(nodes).append(' ').append(gpus);
            for (int w : weight) {
                b.append(' ').append(w);
            }
            return b.toString();
        }
    }

    @Test
    void torchSortOrderOnTies() throws Exception {
        SplittableRandom rnd = new SplittableRandom(16);
        List<float[]> keys = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < SORT_CASES; c++) {
            int n = 1 + rnd.nextInt(c % 4 == 0 ? 600 : 80);
            int distinct = 1 + rnd.nextInt(c % 3 == 0 ? 3 : 40);
            float[] k = new float[n];
            StringBuilder b = new StringBuilder("S ").append(n);
            for (int i = 0; i < n; i++) {
                k[i] = rnd.nextInt(distinct) / (float) (1 + rnd.nextInt(3));
                b.append(' ').append(k[i]);
            }
            keys.add(k);
            lines.add(b.toString());
        }
        List<String> answers = runOracle(lines);
        TorchCpuSort sort = new TorchCpuSort(600);
        int[] order = new int[600];
        for (int c = 0; c < SORT_CASES; c++) {
            float[] k = keys.get(c);
            sort.sortDescending(k, 0, k.length, order);
            assertEquals(answers.get(c), join(order, k.length), "sort case " + c + " (n = " + k.length + ")");
        }
    }

    @Test
    void phy2logAndLogcntIdenticalToEplbPy() throws Exception {
        SplittableRandom rnd = new SplittableRandom(1613);
        List<Case> cases = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < EPLB_CASES; c++) {
            Case k = randomCase(rnd, c % 4);
            cases.add(k);
            lines.add(k.line());
        }
        List<String> answers = runOracle(lines);
        int mismatches = 0;
        StringBuilder first = new StringBuilder();
        for (int c = 0; c < EPLB_CASES; c++) {
            Case k = cases.get(c);
            EplbPlan p = new EplbPlanner(k.layers, k.experts, k.replicas, k.groups, k.nodes, k.gpus)
                    .rebalance(k.weight, k.layers);
            String ours = keelAnswer(k, p);
            if (!ours.equals(answers.get(c))) {
                if (mismatches++ < 3) {
                    first.append("\n").append(k.line()).append("\n eplb.py: ").append(answers.get(c))
                            .append("\n keel:    ").append(ours);
                }
            }
        }
        assertEquals(0, mismatches, "cases differing from eplb.py out of " + EPLB_CASES + first);
    }

    /** Shapes as EPLB accepts them; shape 0 uniform, 1 Zipf, 2 tie-heavy, 3 zero-heavy. */
    static Case randomCase(SplittableRandom rnd, int shape) {
        while (true) {
            int layers = 1 + rnd.nextInt(3);
            int gpus = 2 + rnd.nextInt(31);
            int[] nodeChoices = {1, 2, 4, 8};
            int nodes = nodeChoices[rnd.nextInt(nodeChoices.length)];
            int experts = 6 + rnd.nextInt(59);
            if (gpus % nodes != 0 || experts % nodes != 0) {
                continue;
            }
            int replicas = gpus * ((experts + gpus - 1) / gpus + rnd.nextInt(3));
            int groups = 1 + rnd.nextInt(experts);
            if (experts % groups != 0) {
                continue;
            }
            int[] w = new int[layers * experts];
            double skew = 0.5 + rnd.nextDouble() * 1.5;
            for (int i = 0; i < w.length; i++) {
                int e = i % experts;
                w[i] = switch (shape) {
                    case 0 -> rnd.nextInt(1000);
                    case 1 -> (int) (50_000 / Math.pow(1 + (e * 7 + i / experts) % experts, skew));
                    case 2 -> 3 * (1 + rnd.nextInt(4));
                    default -> rnd.nextInt(3) == 0 ? rnd.nextInt(200) : 0;
                };
            }
            return new Case(layers, experts, replicas, groups, nodes, gpus, w);
        }
    }

    private static String keelAnswer(Case k, EplbPlan p) {
        int[] all = new int[k.layers * (k.replicas + k.experts)];
        int at = 0;
        for (int l = 0; l < k.layers; l++) {
            for (int q = 0; q < k.replicas; q++) {
                all[at++] = p.phy2log(l, q);
            }
        }
        for (int l = 0; l < k.layers; l++) {
            for (int e = 0; e < k.experts; e++) {
                all[at++] = p.logcnt(l, e);
            }
        }
        return join(all, all.length);
    }

    private static String join(int[] v, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(' ');
            }
            b.append(v[i]);
        }
        return b.toString();
    }

    /**
     * Runs the oracle over the lines; skips the test when the data or torch is missing, except that
     * a missing torch fails it when {@code KEEL_PYTHON_REQUIRED} is set (as {@code .ci/run} sets it).
     */
    static List<String> runOracle(List<String> lines) throws IOException, InterruptedException {
        Path reference = KeelData.require("eplb-reference");
        Path python = Path.of("/usr/bin/python3");
        boolean torch = Files.isExecutable(python) && torchImports(python);
        if (!torch && pythonRequired(System.getenv("KEEL_PYTHON_REQUIRED"))) {
            fail("KEEL_PYTHON_REQUIRED is set but " + python + " cannot import torch: the eplb.py cross-check"
                    + " cannot run (apt-get install python3-torch)");
        }
        Assumptions.assumeTrue(torch,
                "python3-torch is not installed: skipping the eplb.py cross-check (apt-get install python3-torch)");
        Path driver = Files.createTempFile("keel-eplb-oracle", ".py");
        Path input = Files.createTempFile("keel-eplb-cases", ".txt");
        try {
            try (InputStream in = EplbTorchCrossCheckTest.class.getResourceAsStream("eplb_oracle.py")) {
                Files.write(driver, in.readAllBytes());
            }
            // Cases from a file, not a pipe we write while python writes back: no deadlock.
            Files.write(input, lines, StandardCharsets.US_ASCII);
            Process p = new ProcessBuilder(python.toString(), driver.toString(), reference.toString())
                    .redirectInput(input.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.add(line);
                }
            }
            assertEquals(true, p.waitFor(300, TimeUnit.SECONDS), "eplb.py finished");
            assertEquals(0, p.exitValue(), "eplb.py exit code");
            assertEquals(lines.size(), out.size(), "one answer per case");
            return out;
        } finally {
            Files.deleteIfExists(driver);
            Files.deleteIfExists(input);
        }
    }

    /** Whether {@code KEEL_PYTHON_REQUIRED} is set, as python/run-tests reads it: to anything non-empty. */
    static boolean pythonRequired(String value) {
        return value != null && !value.isEmpty();
    }

    private static boolean torchImports(Path python) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
