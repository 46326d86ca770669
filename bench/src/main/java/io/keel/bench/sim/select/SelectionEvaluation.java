package io.keel.bench.sim.select;

import java.math.BigDecimal;
import java.math.RoundingMode;

import io.keel.vector.select.ConsistencySelector;

/**
 * The paper's evaluation over an {@link AutoformalizationSet}: a candidate counts as solved when
 * it is correct and passes the syntax check; pass@1 looks at candidate 0, pass@k at any candidate,
 * and symbolic-only, semantic-only and combined at the selector's picks.
 */
public final class SelectionEvaluation {
    private SelectionEvaluation() {
    }

    /** Counts of solved problems under each rule. */
    public record Figures(int problems, int pass1, int passK, int symbolic, int semantic, int combined) {
        /** {@code count / problems} in percent, rounded half-up to two decimals. */
        public double percent(int count) {
            return problems == 0 ? 0.0
                    : BigDecimal.valueOf(100.0 * count / problems).setScale(2, RoundingMode.HALF_UP).doubleValue();
        }
    }

    /** Runs {@code selector} (configured by the caller) over every problem of {@code data}. */
    public static Figures evaluate(AutoformalizationSet data, ConsistencySelector selector) {
        int pass1 = 0;
        int passK = 0;
        int symbolic = 0;
        int semantic = 0;
        int combined = 0;
        int max = data.maxCandidates();
        boolean[] syntax = new boolean[max];
        int[] classes = new int[max];
        double[] sem = new double[max];
        boolean[] solved = new boolean[max];
        for (int p = 0; p < data.problems(); p++) {
            int k = data.candidates(p);
            int at = data.start(p);
            boolean any = false;
            for (int i = 0; i < k; i++) {
                syntax[i] = data.syntax()[at + i];
                classes[i] = data.cluster()[at + i];
                sem[i] = data.semantic()[at + i];
                solved[i] = data.correct()[at + i] && syntax[i];
                any |= solved[i];
            }
            int pick = selector.select(k, syntax, classes, sem);
            pass1 += solved[0] ? 1 : 0;
            passK += any ? 1 : 0;
            symbolic += solved[selector.symbolicPick()] ? 1 : 0;
            semantic += solved[selector.semanticPick()] ? 1 : 0;
            combined += solved[pick] ? 1 : 0;
        }
        return new Figures(data.problems(), pass1, passK, symbolic, semantic, combined);
    }
}
