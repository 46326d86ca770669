package io.keel.planners.ep;

import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torch 1.13's CPU {@code sort(descending=True)} orders, recorded from {@code python3-torch}
 * (the cross-check test compares against torch itself when it is installed).
 */
class TorchCpuSortTest {
    @Test
    void stableUpTo16ItemsNotAbove() {
        TorchCpuSort sort = new TorchCpuSort(64);
        float[] k = new float[17];
        k[1] = 5;
        k[8] = 5;
        k[16] = 5;
        int[] order = new int[17];
        sort.sortDescending(k, 0, 17, order);
        assertArrayEquals(new int[] {8, 16, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15}, order);
        sort.sortDescending(k, 1, 16, order);
        int[] stable = {0, 7, 15, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14};
        assertArrayEquals(stable, java.util.Arrays.copyOf(order, 16), "16 items: index order on ties");
    }

    @Test
    void fortyTiedKeysInTorchOrder() {
        float[] k = new float[40];
        for (int i = 0; i < 40; i++) {
            k[i] = (i * 7) % 4;
        }
        int[] order = new int[40];
        new TorchCpuSort(40).sortDescending(k, 0, 40, order);
        assertArrayEquals(new int[] {1, 25, 21, 17, 29, 13, 33, 9, 5, 37, 34, 10, 6, 14, 30, 38, 18, 26, 2, 22, 35, 31,
            27, 39, 23, 19, 15, 11, 7, 3, 24, 20, 28, 16, 12, 32, 8, 36, 4, 0}, order);
    }

    @Test
    void sortsAnyInputDescendingWithoutAllocating() {
        SplittableRandom rnd = new SplittableRandom(3);
        TorchCpuSort sort = new TorchCpuSort(3000);
        float[] k = new float[3000];
        int[] order = new int[3000];
        for (int round = 0; round < 200; round++) {
            int n = rnd.nextInt(3000);
            int distinct = 1 + rnd.nextInt(round % 2 == 0 ? 3 : 5000);
            for (int i = 0; i < n; i++) {
                // Sorted and reversed runs too: they push the introsort toward its heap-sort fallback.
                k[i] = round % 5 == 0 ? i % distinct : round % 5 == 1 ? n - i : rnd.nextInt(distinct);
            }
            sort.sortDescending(k, 0, n, order);
            boolean[] seen = new boolean[n];
            for (int i = 0; i < n; i++) {
                assertTrue(!seen[order[i]], "a permutation");
                seen[order[i]] = true;
                assertTrue(i == 0 || k[order[i - 1]] >= k[order[i]], "descending");
            }
        }
        AllocationProbe.assertZeroAllocation("sortDescending", () -> sort.sortDescending(k, 0, 200, order));
    }
}
