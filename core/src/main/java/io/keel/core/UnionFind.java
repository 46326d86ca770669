package io.keel.core;

/**
 * Disjoint sets over {@code [0, n)} with path compression and union by size. The root of a merge
 * is the root of the larger class, the lower root on equal sizes, so class structure and
 * {@link #classIds} are deterministic.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates for
 * {@code capacity} elements; {@link #reset(int)} and every query allocate nothing.
 */
public final class UnionFind {
    private final int capacity;
    private final int[] parent;
    private final int[] size;
    private final int[] scratch;
    private int n;
    private int classes;

    /** Room for {@code capacity} elements; starts with {@code n = capacity} singletons. */
    public UnionFind(int capacity) {
        this.capacity = Checks.nonNegative("capacity", capacity);
        parent = new int[capacity];
        size = new int[capacity];
        scratch = new int[capacity];
        reset(capacity);
    }

    /** Starts over with {@code n <= capacity} singleton classes. */
    public void reset(int n) {
        this.n = Checks.inRange("n", n, 0, capacity);
        for (int i = 0; i < n; i++) {
            parent[i] = i;
            size[i] = 1;
        }
        classes = n;
    }

    /** Elements in use. */
    public int size() {
        return n;
    }

    /** Number of classes. */
    public int classCount() {
        return classes;
    }

    /** The representative of {@code x}'s class. */
    public int find(int x) {
        Checks.index("x", x, n);
        int root = x;
        while (parent[root] != root) {
            root = parent[root];
        }
        while (parent[x] != root) {
            int next = parent[x];
            parent[x] = root;
            x = next;
        }
        return root;
    }

    /** Merges the classes of {@code a} and {@code b}; returns false if they were one class. */
    public boolean union(int a, int b) {
        int ra = find(a);
        int rb = find(b);
        if (ra == rb) {
            return false;
        }
        if (size[ra] < size[rb] || (size[ra] == size[rb] && rb < ra)) {
            int t = ra;
            ra = rb;
            rb = t;
        }
        parent[rb] = ra;
        size[ra] += size[rb];
        classes--;
        return true;
    }

    /** Whether {@code a} and {@code b} are in one class. */
    public boolean connected(int a, int b) {
        return find(a) == find(b);
    }

    /** Number of elements in {@code x}'s class. */
    public int classSize(int x) {
        return size[find(x)];
    }

    /**
     * Writes a dense class id in {@code [0, classCount())} for each element into
     * {@code out[0, n)}, numbered in order of each class's lowest element. Returns the class count.
     */
    public int classIds(int[] out) {
        Checks.length("out", Checks.notNull("out", out).length, n);
        for (int i = 0; i < n; i++) {
            scratch[i] = -1;
        }
        int next = 0;
        for (int i = 0; i < n; i++) {
            int r = find(i);
            if (scratch[r] < 0) {
                scratch[r] = next++;
            }
            out[i] = scratch[r];
        }
        return next;
    }
}
