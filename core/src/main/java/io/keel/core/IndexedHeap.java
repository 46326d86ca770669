package io.keel.core;

/**
 * Indexed binary heap over int ids {@code [0, capacity)} with {@code long} or {@code double}
 * keys, in min or max order. Supports insert, key update in either direction, removal of any id,
 * peek and poll, each O(log n); {@link #contains} and {@link #key} are O(1).
 *
 * <p>Equal keys rank the lower id first, so poll order is deterministic. Double keys are stored
 * as their order-preserving {@code long} images ({@link SortableBits}); one heap should use one
 * key type ({@code insert}/{@code update} or {@code insertDouble}/{@code updateDouble}).
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates three arrays of
 * {@code capacity}; every other call allocates nothing.
 */
public final class IndexedHeap {
    /** Heap order: which key {@link #peek()} returns. */
    public enum Order {
        /** Smallest key first. */
        MIN,
        /** Largest key first. */
        MAX
    }

    private final int capacity;
    private final boolean max;
    private final int[] heap;
    private final int[] position;
    private final long[] keys;
    private int size;

    /** A heap for ids {@code [0, capacity)}. */
    public IndexedHeap(int capacity, Order order) {
        this.capacity = Checks.nonNegative("capacity", capacity);
        this.max = Checks.notNull("order", order) == Order.MAX;
        heap = new int[capacity];
        position = new int[capacity];
        keys = new long[capacity];
        java.util.Arrays.fill(position, -1);
    }

    /** Ids accepted: {@code [0, capacity)}. */
    public int capacity() {
        return capacity;
    }

    /** Number of ids in the heap. */
    public int size() {
        return size;
    }

    /** True when no id is in the heap. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Whether {@code id} is in the heap. */
    public boolean contains(int id) {
        return position[Checks.index("id", id, capacity)] >= 0;
    }

    /** Inserts {@code id} with {@code key}. @throws IllegalArgumentException if already present */
    public void insert(int id, long key) {
        Checks.index("id", id, capacity);
        if (position[id] >= 0) {
            throw new IllegalArgumentException("id " + id + " is already in the heap");
        }
        int at = size++;
        heap[at] = id;
        position[id] = at;
        keys[id] = key;
        siftUp(at);
    }

    /** Inserts {@code id} with a double key. @throws IllegalArgumentException on NaN */
    public void insertDouble(int id, double key) {
        insert(id, sortable(key));
    }

    /** Changes the key of {@code id} (up or down), or inserts it when absent. */
    public void update(int id, long key) {
        Checks.index("id", id, capacity);
        int at = position[id];
        if (at < 0) {
            insert(id, key);
            return;
        }
        keys[id] = key;
        siftDown(siftUp(at));
    }

    /** Changes the double key of {@code id}, or inserts it when absent. */
    public void updateDouble(int id, double key) {
        update(id, sortable(key));
    }

    /** Removes {@code id}; returns false if it was not present. */
    public boolean remove(int id) {
        Checks.index("id", id, capacity);
        int at = position[id];
        if (at < 0) {
            return false;
        }
        position[id] = -1;
        int last = --size;
        if (at != last) {
            int moved = heap[last];
            heap[at] = moved;
            position[moved] = at;
            siftDown(siftUp(at));
        }
        return true;
    }

    /** The first id in heap order, or -1 when empty. */
    public int peek() {
        return size == 0 ? -1 : heap[0];
    }

    /** Removes and returns the first id in heap order, or -1 when empty. */
    public int poll() {
        if (size == 0) {
            return -1;
        }
        int id = heap[0];
        remove(id);
        return id;
    }

    /** The key of {@code id} (last inserted or updated; defined only while present). */
    public long key(int id) {
        return keys[Checks.index("id", id, capacity)];
    }

    /** The double key of {@code id}. */
    public double keyDouble(int id) {
        return SortableBits.toDouble(key(id));
    }

    /** The id at heap slot {@code i} in {@code [0, size)}: for iteration in no particular order. */
    public int idAt(int i) {
        return heap[Checks.index("i", i, size)];
    }

    /** Removes every id: O(size). */
    public void clear() {
        for (int i = 0; i < size; i++) {
            position[heap[i]] = -1;
        }
        size = 0;
    }

    private static long sortable(double key) {
        if (Double.isNaN(key)) {
            throw new IllegalArgumentException("key must not be NaN");
        }
        return SortableBits.ofDouble(key);
    }

    /** id a comes out before id b. */
    private boolean before(int a, int b) {
        long ka = keys[a];
        long kb = keys[b];
        if (ka != kb) {
            return max ? ka > kb : ka < kb;
        }
        return a < b;
    }

    private int siftUp(int at) {
        final int id = heap[at];
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            int p = heap[parent];
            if (!before(id, p)) {
                break;
            }
            heap[at] = p;
            position[p] = at;
            at = parent;
        }
        heap[at] = id;
        position[id] = at;
        return at;
    }

    private void siftDown(int at) {
        final int n = size;
        final int id = heap[at];
        while (true) {
            int child = 2 * at + 1;
            if (child >= n) {
                break;
            }
            int c = heap[child];
            int right = child + 1;
            if (right < n && before(heap[right], c)) {
                child = right;
                c = heap[right];
            }
            if (!before(c, id)) {
                break;
            }
            heap[at] = c;
            position[c] = at;
            at = child;
        }
        heap[at] = id;
        position[id] = at;
    }
}
