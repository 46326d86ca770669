package io.keel.planners.ep.internal;

/**
 * One placement found by {@link ThresholdGreedy} or {@link TinyExact}, read by the quota planner
 * through accessors: the replicas in the order they were placed (the replicas of one expert are
 * contiguous), each expert's master quota and each rank's load.
 *
 * <p>Only the two solvers of this package write it, through {@link #start} (or
 * {@link #startEmpty}), {@link #move} and {@link #add}. Internal; one thread per instance; the
 * constructor allocates every array, the methods allocate nothing.
 */
public final class GreedyResult {
    private final int[] expert;
    private final int[] rank;
    private final int[] amount;
    private final int[] masterQuota;
    private final long[] load;
    private int count;

    GreedyResult(int ranks, int experts, int maxReplicas) {
        expert = new int[maxReplicas];
        rank = new int[maxReplicas];
        amount = new int[maxReplicas];
        masterQuota = new int[experts];
        load = new long[ranks];
    }

    /** Replicas placed. */
    public int replicaCount() {
        return count;
    }

    /** Expert of replica {@code i}. */
    public int expert(int i) {
        return expert[i];
    }

    /** Rank of replica {@code i}. */
    public int rank(int i) {
        return rank[i];
    }

    /** Tokens of replica {@code i}. */
    public int amount(int i) {
        return amount[i];
    }

    /** Tokens expert {@code e}'s master keeps. */
    public int masterQuota(int e) {
        return masterQuota[e];
    }

    /** Load of rank {@code r} under this placement. */
    public long load(int r) {
        return load[r];
    }

    /** The master quotas, for a bulk copy into the plan (read only). */
    int[] masterQuotas() {
        return masterQuota;
    }

    /** Every expert on its master: loads {@code initialLoad}, master quotas {@code weight}, no replicas. */
    void start(long[] initialLoad, int[] weight) {
        System.arraycopy(initialLoad, 0, load, 0, load.length);
        System.arraycopy(weight, 0, masterQuota, 0, masterQuota.length);
        count = 0;
    }

    /** No replicas, zero loads; the caller then {@link #add}s every instance. */
    void startEmpty() {
        java.util.Arrays.fill(load, 0);
        count = 0;
    }

    /** Moves {@code tokens} of expert {@code e} from its master on rank {@code from} to a new replica on {@code to}. */
    void move(int e, int from, int to, int tokens) {
        int m = count++;
        expert[m] = e;
        rank[m] = to;
        amount[m] = tokens;
        load[to] += tokens;
        load[from] -= tokens;
        masterQuota[e] -= tokens;
    }

    /** Adds an instance of {@code e} with {@code tokens} on rank {@code r}: the master when {@code master}, else a replica. */
    void add(int e, int r, int tokens, boolean master) {
        load[r] += tokens;
        if (master) {
            masterQuota[e] = tokens;
            return;
        }
        int m = count++;
        expert[m] = e;
        rank[m] = r;
        amount[m] = tokens;
    }
}
