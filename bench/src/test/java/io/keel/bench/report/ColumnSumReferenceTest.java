package io.keel.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ColumnSumReferenceTest {
    private interface Shape {
        int sum(int[] m, int rows, int cols, int[] out);
    }

    private static final Shape[] SHAPES = {
        ColumnSumReference::sum, ColumnSumReference::sumByColumnBlocks, ColumnSumReference::sumByRows,
    };

    @Test
    void smallMatrixByHand() {
        int[] m = {1, 2, 3, 4, 5, 6};
        for (Shape s : SHAPES) {
            int[] out = {-1, -1, 99};
            assertEquals(21, s.sum(m, 3, 2, out));
            assertArrayEquals(new int[] {9, 12, 99}, out, "writes out[0, cols) only");
            assertEquals(21, s.sum(m, 2, 3, out));
            assertArrayEquals(new int[] {5, 7, 9}, out);
            assertEquals(0, s.sum(m, 0, 3, out));
            assertArrayEquals(new int[] {0, 0, 0}, out);
        }
    }

    @Test
    void everyShapeGivesTheExactWrappingSums() {
        SplittableRandom rnd = new SplittableRandom(5);
        // Rows around multiples of 4 and columns around multiples of every vector length, the bench
        // shapes, and sizes on both sides of the switch between shapes (8,192 ints).
        int[][] sizes = {{1, 1}, {3, 7}, {4, 8}, {5, 33}, {7, 65}, {9, 129}, {13, 100}, {64, 256}, {256, 1024},
            {32, 256}, {33, 256}, {64, 129}};
        for (int[] size : sizes) {
            int rows = size[0];
            int cols = size[1];
            int[] m = new int[rows * cols];
            for (int i = 0; i < m.length; i++) {
                m[i] = rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(1000);
            }
            int[] expected = new int[cols];
            int total = 0;
            for (int i = 0; i < m.length; i++) {
                expected[i % cols] += m[i];
                total += m[i];
            }
            for (Shape s : SHAPES) {
                int[] out = new int[cols];
                java.util.Arrays.fill(out, 7);
                assertEquals(total, s.sum(m, rows, cols, out), rows + " x " + cols);
                assertArrayEquals(expected, out, rows + " x " + cols);
            }
        }
    }
}
