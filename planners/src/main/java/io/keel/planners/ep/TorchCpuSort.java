package io.keel.planners.ep;

/**
 * The order PyTorch 1.13's CPU {@code Tensor.sort(dim, descending=True)} gives float32 keys,
 * ties included. That kernel (ATen {@code SortingKernel.cpp}, {@code stable=False}) runs
 * libstdc++'s {@code std::sort} over (value, index) pairs with the comparator {@code a > b}, and
 * {@code std::sort} is not stable: an introsort (median-of-three pivot from
 * {@code first + 1, mid, last - 1}, unguarded Hoare partition, heap sort below a depth limit of
 * {@code 2 floor(log2 n)}, runs of at most 16 left to a final insertion sort). This class is that
 * algorithm step for step, so equal keys end in the same order as torch's: below 17 keys it is
 * stable, above it is not, and it never depends on anything but the keys.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates the two work
 * arrays; {@link #sortDescending} allocates nothing.
 */
final class TorchCpuSort {
    private static final int THRESHOLD = 16;

    private final float[] k;
    private final int[] ix;

    TorchCpuSort(int capacity) {
        k = new float[capacity];
        ix = new int[capacity];
    }

    /**
     * Writes into {@code order[0, n)} the indices of {@code keys[from, from + n)} (relative to
     * {@code from}) in torch's descending order.
     */
    void sortDescending(float[] keys, int from, int n, int[] order) {
        for (int i = 0; i < n; i++) {
            k[i] = keys[from + i];
            ix[i] = i;
        }
        if (n > 0) {
            introsortLoop(0, n, 2 * (31 - Integer.numberOfLeadingZeros(n)));
            finalInsertionSort(0, n);
        }
        System.arraycopy(ix, 0, order, 0, n);
    }

    /** libstdc++'s comparator of positions: {@code k[a] > k[b]}. */
    private boolean before(int a, int b) {
        return k[a] > k[b];
    }

    private void swap(int a, int b) {
        float tk = k[a];
        k[a] = k[b];
        k[b] = tk;
        int ti = ix[a];
        ix[a] = ix[b];
        ix[b] = ti;
    }

    private void introsortLoop(int first, int last, int depthLimit) {
        int depth = depthLimit;
        int end = last;
        while (end - first > THRESHOLD) {
            if (depth == 0) {
                heapSort(first, end);
                return;
            }
            depth--;
            int cut = partitionPivot(first, end);
            introsortLoop(cut, end, depth);
            end = cut;
        }
    }

    private int partitionPivot(int first, int last) {
        int mid = first + (last - first) / 2;
        moveMedianToFirst(first, first + 1, mid, last - 1);
        return unguardedPartition(first + 1, last, first);
    }

    private void moveMedianToFirst(int result, int a, int b, int c) {
        if (before(a, b)) {
            if (before(b, c)) {
                swap(result, b);
            } else if (before(a, c)) {
                swap(result, c);
            } else {
                swap(result, a);
            }
        } else if (before(a, c)) {
            swap(result, a);
        } else if (before(b, c)) {
            swap(result, c);
        } else {
            swap(result, b);
        }
    }

    private int unguardedPartition(int first, int last, int pivot) {
        int lo = first;
        int hi = last;
        while (true) {
            while (before(lo, pivot)) {
                lo++;
            }
            hi--;
            while (before(pivot, hi)) {
                hi--;
            }
            if (lo >= hi) {
                return lo;
            }
            swap(lo, hi);
            lo++;
        }
    }

    private void finalInsertionSort(int first, int last) {
        if (last - first > THRESHOLD) {
            insertionSort(first, first + THRESHOLD);
            for (int i = first + THRESHOLD; i < last; i++) {
                unguardedLinearInsert(i);
            }
        } else {
            insertionSort(first, last);
        }
    }

    private void insertionSort(int first, int last) {
        for (int i = first + 1; i < last; i++) {
            if (before(i, first)) {
                float vk = k[i];
                int vi = ix[i];
                System.arraycopy(k, first, k, first + 1, i - first);
                System.arraycopy(ix, first, ix, first + 1, i - first);
                k[first] = vk;
                ix[first] = vi;
            } else {
                unguardedLinearInsert(i);
            }
        }
    }

    private void unguardedLinearInsert(int last) {
        float vk = k[last];
        int vi = ix[last];
        int at = last;
        while (vk > k[at - 1]) {
            k[at] = k[at - 1];
            ix[at] = ix[at - 1];
            at--;
        }
        k[at] = vk;
        ix[at] = vi;
    }

    /** {@code std::__partial_sort(first, last, last)}: make_heap, then sort_heap. */
    private void heapSort(int first, int last) {
        int len = last - first;
        if (len >= 2) {
            for (int parent = (len - 2) / 2; ; parent--) {
                adjustHeap(first, parent, len, k[first + parent], ix[first + parent]);
                if (parent == 0) {
                    break;
                }
            }
        }
        for (int end = last; end - first > 1; ) {
            end--;
            float vk = k[end];
            int vi = ix[end];
            k[end] = k[first];
            ix[end] = ix[first];
            adjustHeap(first, 0, end - first, vk, vi);
        }
    }

    private void adjustHeap(int first, int holeIndex, int len, float vk, int vi) {
        final int top = holeIndex;
        int hole = holeIndex;
        int child = holeIndex;
        while (child < (len - 1) / 2) {
            child = 2 * (child + 1);
            if (before(first + child, first + child - 1)) {
                child--;
            }
            k[first + hole] = k[first + child];
            ix[first + hole] = ix[first + child];
            hole = child;
        }
        if ((len & 1) == 0 && child == (len - 2) / 2) {
            child = 2 * (child + 1);
            k[first + hole] = k[first + child - 1];
            ix[first + hole] = ix[first + child - 1];
            hole = child - 1;
        }
        int parent = (hole - 1) / 2;
        while (hole > top && k[first + parent] > vk) {
            k[first + hole] = k[first + parent];
            ix[first + hole] = ix[first + parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }
        k[first + hole] = vk;
        ix[first + hole] = vi;
    }
}
