package io.keel.planners.ep.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The column sum the planner runs ({@link ColumnSum#create}: Panama when this JVM has the
 * incubator module, as in the planners' {@code panama} test run) against a plain reference, on
 * every path (borrowed, copied, segment), with odd shapes and bad values placed where the
 * int-lane form must catch them.
 */
class ColumnSumTest {
    private static final boolean PANAMA = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("keel.planners.scalar");

    @Test
    void theFormInUseIsTheOneThisJvmAllows() {
        String d = ColumnSum.create(8).description();
        assertTrue(PANAMA ? d.startsWith("Panama") : d.startsWith("scalar"), d);
        // The pom's panama execution sets this, so a lost --add-modules fails here instead of
        // testing the scalar form twice.
        if (Boolean.getBoolean("keel.expectPanama")) {
            assertTrue(d.startsWith("Panama"), d);
        }
    }

    @Test
    void validMatricesSumExactlyOnEveryPath() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] rowsTried = {1, 2, 3, 7, 64, 65};
        int[] colsTried = {1, 3, 7, 8, 9, 16, 17, 255, 256, 1024};
        for (int rows : rowsTried) {
            for (int cols : colsTried) {
                int bound = rnd.nextBoolean() ? 5_000 : Integer.MAX_VALUE / rows;
                int[] m = new int[rows * cols];
                for (int i = 0; i < m.length; i++) {
                    m[i] = rnd.nextInt(bound);
                }
                if (rnd.nextBoolean()) {
                    // One column totals exactly Integer.MAX_VALUE: valid, at the boundary.
                    int col = rnd.nextInt(cols);
                    long above = 0;
                    for (int r = 0; r < rows - 1; r++) {
                        above += m[r * cols + col];
                    }
                    m[(rows - 1) * cols + col] = (int) (Integer.MAX_VALUE - above);
                }
                checkAllPaths(m, rows, cols, true);
            }
        }
    }

    @Test
    void aNegativeValueAnywhereIsCaught() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + rnd.nextInt(9);
            int cols = 1 + rnd.nextInt(40);
            int[] m = new int[rows * cols];
            for (int i = 0; i < m.length; i++) {
                m[i] = rnd.nextInt(100);
            }
            // -1 sums as 2^32 - 1 with anything, and MIN_VALUE + 0 ... 2 as about 2^31: both are
            // caught whatever the other values of the column.
            int at = rnd.nextInt(m.length);
            m[at] = rnd.nextBoolean() ? -1 : Integer.MIN_VALUE + rnd.nextInt(3);
            checkAllPaths(m, rows, cols, false);
        }
    }

    @Test
    void anOverflowIsCaughtWhereverItHappens() {
        int max = Integer.MAX_VALUE;
        // Cases for an int-lane form, one row or several per pass: a wrap that later rows carry
        // back into range (rows 3 and 4 add 2^32 - 2; 2^31 - 1 three times wraps to 2^31 - 3 as
        // an int), a wrap on the first rows, one on the odd last row, and each of them in a tail
        // column past the vector bound as well as in the first.
        int[][] cases = {
            {max - 10, 0, max, max},
            {max, 1},
            {max / 2 + 1, max / 2 + 1},
            {max, max, max},
            {max - 5, 3, 3},
            {1, 2, max - 2},
        };
        for (int[] column : cases) {
            assertTrue(java.util.Arrays.stream(column).asLongStream().sum() > max);
            for (int cols : new int[] {1, 9, 33}) {
                for (int col : new int[] {0, cols - 1}) {
                    int rows = column.length;
                    int[] m = new int[rows * cols];
                    for (int s = 0; s < rows; s++) {
                        m[s * cols + col] = column[s];
                    }
                    checkAllPaths(m, rows, cols, false);
                }
            }
        }
    }

    private static void checkAllPaths(int[] m, int rows, int cols, boolean valid) {
        long[] expected = new long[cols];
        boolean fits = true;
        for (int s = 0; s < rows; s++) {
            for (int e = 0; e < cols; e++) {
                expected[e] += Integer.toUnsignedLong(m[s * cols + e]);
            }
        }
        for (long t : expected) {
            fits &= t <= Integer.MAX_VALUE;
        }
        assertEquals(valid, fits, "the case itself");
        for (ColumnSum sum : new ColumnSum[] {ColumnSum.create(cols), new ColumnSum(cols)}) {
            long exactBefore = exactPasses(sum);
            int[] before = m.clone();
            long[] totals = new long[cols];
            assertEquals(valid, sum.sum(m, null, rows, totals), sum.description());
            assertArrayEquals(expected, totals, sum.description() + " borrowed");
            assertArrayEquals(before, m, "the source is never written");

            int[] copy = new int[rows * cols];
            java.util.Arrays.fill(totals, -7);
            assertEquals(valid, sum.sum(m, copy, rows, totals));
            assertArrayEquals(expected, totals, sum.description() + " copied");
            assertArrayEquals(m, copy);

            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate((long) m.length * Integer.BYTES, Integer.BYTES);
                MemorySegment.copy(m, 0, seg, ValueLayout.JAVA_INT, 0, m.length);
                int[] staged = new int[rows * cols];
                assertEquals(valid, sum.sum(seg, staged, rows, totals));
                assertArrayEquals(expected, totals, sum.description() + " segment");
                assertArrayEquals(m, staged);
            }
            // Valid input stays in the int lanes; bad input takes the exact pass on each of the three calls.
            if (sum instanceof PanamaColumnSum) {
                assertEquals(valid ? 0 : 3, exactPasses(sum) - exactBefore, sum.description());
            }
        }
    }

    private static long exactPasses(ColumnSum sum) {
        return sum instanceof PanamaColumnSum p ? p.exactPasses() : 0;
    }
}
