package io.keel.planners.ep.internal;

/**
 * The (rank, expert) pairs whose state a rank already holds (replicas left from an earlier plan):
 * a replica there moves no bytes, so the greedy prefers it and the plan lists no transfer for it.
 *
 * <p>Internal; one thread per instance; the constructor allocates the table, the methods allocate
 * nothing.
 */
public final class ResidentSet {
    private final int experts;
    private final boolean[] resident;
    private int count;

    /** An empty set for {@code ranks x experts} pairs. */
    public ResidentSet(int ranks, int experts) {
        this.experts = experts;
        resident = new boolean[ranks * experts];
    }

    /** Marks (rank, expert) resident or not. */
    public void set(int rank, int expert, boolean value) {
        int i = rank * experts + expert;
        if (resident[i] != value) {
            resident[i] = value;
            count += value ? 1 : -1;
        }
    }

    /** Whether (rank, expert) is resident. */
    public boolean contains(int rank, int expert) {
        return resident[rank * experts + expert];
    }

    /** Whether no pair is resident. */
    public boolean isEmpty() {
        return count == 0;
    }

    /** Empties the set. */
    public void clear() {
        java.util.Arrays.fill(resident, false);
        count = 0;
    }
}
