package io.keel.bench.report;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The floor control of the EP planner benchmarks: a plain SIMD column sum of a row-major R x E
 * int matrix. A planner that validates its input and sums each expert's tokens cannot do less than
 * read the matrix once, so this bounds what any planner over the same matrix can reach. (Int sums
 * that may wrap: only the reading counts. Wrapping int addition gives the same sums in any order,
 * so both shapes below write the same {@code out}.) Needs {@code --add-modules
 * jdk.incubator.vector}. Threading: any thread; allocation: none.
 *
 * <p>{@link #sum} reads the matrix in the faster of two shapes for its size.
 * {@link #sumByColumnBlocks} keeps four vectors of column sums in registers over all rows and
 * stores nothing: the faster while the matrix fits an L1 data cache (up to 32 KiB, 8,192 ints).
 * Beyond that its walk, a row stride per row for every block of columns, is latency-bound, and
 * {@link #sumByRows}, which streams the rows in order and adds them four at a time into
 * {@code out} (L1-resident), is the faster. Measured on the bench VM (AVX2, thread CPU time, 8
 * matrices cycled), column blocks against rows: 0.23-0.25 against 0.28-0.30 us at 32 x 128, tied
 * at 32 x 256, 1.2-1.4 against 1.0-1.15 us at 64 x 256, 59-75 against 18-21 us at 256 x 1024.
 */
public final class ColumnSumReference {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = I.length();
    /** The largest matrix, in ints, that {@link #sum} reads in column blocks: 32 KiB. */
    private static final int COLUMN_BLOCKS_MAX_INTS = 8192;

    private ColumnSumReference() {
    }

    /**
     * Writes the column sums of {@code m} ({@code rows x cols}, row-major) into {@code out[0, cols)};
     * returns their sum. In column blocks up to 8,192 ints, by rows beyond.
     */
    public static int sum(int[] m, int rows, int cols, int[] out) {
        return (long) rows * cols <= COLUMN_BLOCKS_MAX_INTS
                ? sumByColumnBlocks(m, rows, cols, out)
                : sumByRows(m, rows, cols, out);
    }

    /** As {@link #sum}, four vectors of columns at a time kept in registers over all rows. */
    public static int sumByColumnBlocks(int[] m, int rows, int cols, int[] out) {
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
        return total(out, cols);
    }

    /** As {@link #sum}, streaming the rows in order and adding them four at a time into {@code out}. */
    public static int sumByRows(int[] m, int rows, int cols, int[] out) {
        java.util.Arrays.fill(out, 0, cols, 0);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            addFourRows(m, r * cols, cols, out);
        }
        for (; r < rows; r++) {
            addRow(m, r * cols, cols, out);
        }
        return total(out, cols);
    }

    /** Adds the four rows that start at {@code m[at]} into {@code out[0, cols)}. */
    private static void addFourRows(int[] m, int at, int cols, int[] out) {
        int c = 0;
        for (int bound = I.loopBound(cols); c < bound; c += L) {
            IntVector first = IntVector.fromArray(I, m, at + c).add(IntVector.fromArray(I, m, at + cols + c));
            IntVector second = IntVector.fromArray(I, m, at + 2 * cols + c).add(IntVector.fromArray(I, m, at + 3 * cols + c));
            IntVector.fromArray(I, out, c).add(first).add(second).intoArray(out, c);
        }
        for (; c < cols; c++) {
            out[c] += m[at + c] + m[at + cols + c] + m[at + 2 * cols + c] + m[at + 3 * cols + c];
        }
    }

    /** Adds the row that starts at {@code m[at]} into {@code out[0, cols)}. */
    private static void addRow(int[] m, int at, int cols, int[] out) {
        int c = 0;
        for (int bound = I.loopBound(cols); c < bound; c += L) {
            IntVector.fromArray(I, out, c).add(IntVector.fromArray(I, m, at + c)).intoArray(out, c);
        }
        for (; c < cols; c++) {
            out[c] += m[at + c];
        }
    }

    private static int total(int[] out, int cols) {
        int total = 0;
        for (int i = 0; i < cols; i++) {
            total += out[i];
        }
        return total;
    }
}
