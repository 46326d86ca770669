package io.keel.bench.sim.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.keel.core.testing.AllocationProbe;
import io.keel.core.testing.KeelData;
import io.keel.vector.select.ConsistencySelector.Combine;
import io.keel.vector.select.ConsistencySelector;
import org.junit.jupiter.api.Test;

/**
 * Reproduces every figure of the table in {@code autoformalization/README.md} (problems, pass@1,
 * pass@k, symbolic-only, semantic-only, linear/log/power at alpha 0.8) for every CSV it lists,
 * to two decimals, and checks the data's symbolic scores are class size / k as the selector
 * computes them.
 */
class AutoformalizationGoldenTest {
    @Test
    void everyFigureOfTheReadmeIsReproduced() throws IOException {
        Path dir = KeelData.require("autoformalization");
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("README.md"))) {
            String[] cells = line.split("\\|", -1);
            if (cells.length == 11 && cells[1].trim().endsWith(".csv") && cells[3].contains(".")) {
                String[] r = new String[9];
                for (int c = 0; c < 9; c++) {
                    r[c] = cells[c + 1].trim();
                }
                rows.add(r);
            }
        }
        assertEquals(5, rows.size(), "figure rows in the README");
        try (var files = Files.list(dir)) {
            assertEquals(rows.size(), files.filter(f -> f.toString().endsWith(".csv")).count(),
                    "every CSV of the directory has a figure row");
        }
        ConsistencySelector selector = new ConsistencySelector(10);
        for (String[] r : rows) {
            AutoformalizationSet data = AutoformalizationSet.read(dir.resolve(r[0]));
            checkSymbolicScores(data);
            List<String> got = new ArrayList<>();
            SelectionEvaluation.Figures f = null;
            for (Combine c : Combine.values()) {
                f = SelectionEvaluation.evaluate(data, selector.alpha(0.8).temperature(1).combine(c));
                got.add(pct(f, f.combined()));
            }
            got.addAll(0, List.of(Integer.toString(f.problems()), pct(f, f.pass1()), pct(f, f.passK()),
                    pct(f, f.symbolic()), pct(f, f.semantic())));
            assertEquals(List.of(r).subList(1, 9), got, r[0]);
        }
    }

    @Test
    void selectionPerProblemAllocatesNothing() {
        Path dir = KeelData.require("autoformalization");
        AutoformalizationSet data = AutoformalizationSet.read(dir.resolve("minif2f_gpt4.csv"));
        ConsistencySelector selector = new ConsistencySelector(10).combine(Combine.LOG);
        boolean[] syntax = new boolean[10];
        int[] classes = new int[10];
        double[] sem = new double[10];
        int[] ranked = new int[3];
        int[] p = new int[1];
        AllocationProbe.assertZeroAllocation("select + rank", () -> {
            int at = data.start(p[0]);
            System.arraycopy(data.syntax(), at, syntax, 0, 10);
            System.arraycopy(data.cluster(), at, classes, 0, 10);
            System.arraycopy(data.semantic(), at, sem, 0, 10);
            selector.select(10, syntax, classes, sem);
            selector.rank(3, ranked);
            p[0] = (p[0] + 1) % data.problems();
        });
    }

    private static void checkSymbolicScores(AutoformalizationSet data) {
        for (int p = 0; p < data.problems(); p++) {
            int k = data.candidates(p);
            assertEquals(10, k, data.name(p));
            for (int i = 0; i < k; i++) {
                int size = 0;
                for (int j = 0; j < k; j++) {
                    size += data.cluster()[data.start(p) + j] == data.cluster()[data.start(p) + i] ? 1 : 0;
                }
                assertEquals((double) size / k, data.symbolic()[data.start(p) + i], 1e-12, data.name(p));
            }
        }
        assertTrue(data.problems() > 0);
    }

    private static String pct(SelectionEvaluation.Figures f, int count) {
        return String.format(Locale.ROOT, "%.2f", f.percent(count));
    }
}
