package io.keel.bench.report;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The floor control of the EP planner benchmarks: a plain SIMD column sum of a row-major R x E
 * int matrix, four vectors of columns at a time kept in registers over all rows. A planner that
 * validates its input and sums each expert's tokens cannot do less than read the matrix once, so
 * this bounds what any planner over the same matrix can reach. (Int sums that may wrap: only the
 * reading counts.) Needs {@code --add-modules jdk.incubator.vector}. Threading: any thread;
 * allocation: none.
 */
public final class ColumnSumReference {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = I.length();

    private ColumnSumReference() {
    }

    /** Writes the column sums of {@code m} ({@code rows x cols}, row-major) into {@code out[0, cols)}; returns their sum. */
    public static int sum(int[] m, int rows, int cols, int[] out) {
        int c = 0;
        for (int bound = cols & -(4 * L); c < bound; c += 4 * L) {
            IntVector a0 = IntVector.zero(I);
            IntVector a1 = IntVector.zero(I);
            IntVector a2 = IntVector.zero(I);
            IntVector a3 = IntVector.zero(I);
            for (int r = 0, at = c; r < rows; r++, at += cols) {
                a0 = a0.add(IntVector.fromArray(I, m, at));
                a1 = a1.add(IntVector.fromArray(I, m, at + L));
                a2 = a2.add(IntVector.fromArray(I, m, at + 2 * L));
                a3 = a3.add(IntVector.fromArray(I, m, at + 3 * L));
            }
            a0.intoArray(out, c);
            a1.intoArray(out, c + L);
            a2.intoArray(out, c + 2 * L);
            a3.intoArray(out, c + 3 * L);
        }
        for (; c < cols; c++) {
            int s = 0;
            for (int r = 0, at = c; r < rows; r++, at += cols) {
                s += m[at];
            }
            out[c] = s;
        }
        int total = 0;
        for (int i = 0; i < cols; i++) {
            total += out[i];
        }
        return total;
    }
}
