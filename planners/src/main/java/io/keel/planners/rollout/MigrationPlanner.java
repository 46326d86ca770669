package io.keel.planners.rollout;

import io.keel.core.Checks;

/**
 * Rebalancing by migration: when predictions drift, moves trajectories that are inside a tool
 * call (their KV cache is idle) from overloaded to underloaded instances, but only when the
 * KV-cache transfer ({@code bytes / bandwidth}) fits in the tool call's expected remaining time,
 * so the move costs the trajectory nothing.
 *
 * <p>Greedy by gain: repeatedly take the instance with the largest predicted load and the one
 * with the smallest, and move the eligible candidate of the former that lowers {@code max(load
 * of source, load of destination)} the most (its work re-priced at the destination's per-token
 * time); stop when no move helps, at the move budget, or when candidates run out. A trajectory
 * moves at most once per interval ({@link #beginInterval()}), so predictions that oscillate
 * cannot bounce it around.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates arrays sized by
 * the capacities; {@link #beginInterval()} and {@link #plan} allocate nothing; the result is a
 * view valid until the next call. Bad input throws {@link IllegalArgumentException} before any
 * state changes.
 */
public final class MigrationPlanner {
    private final int maxInstances;
    private final int maxTrajectories;
    private final int maxCandidates;
    private final int[] movedInInterval;
    /** Per trajectory, the last call that saw it among the candidates (duplicates are refused). */
    private final int[] seen;
    private int call;
    private int interval = 1;
    private final boolean[] taken;
    private final Moves moves;

    /**
     * A planner for {@code maxInstances} instances, trajectory ids {@code [0, maxTrajectories)}
     * and up to {@code maxCandidates} candidates per call.
     */
    public MigrationPlanner(int maxInstances, int maxTrajectories, int maxCandidates) {
        this.maxInstances = Checks.positive("maxInstances", maxInstances);
        this.maxTrajectories = Checks.positive("maxTrajectories", maxTrajectories);
        this.maxCandidates = Checks.nonNegative("maxCandidates", maxCandidates);
        movedInInterval = new int[maxTrajectories];
        seen = new int[maxTrajectories];
        taken = new boolean[maxCandidates];
        moves = new Moves(maxInstances, maxCandidates);
    }

    /** Starts a new interval: every trajectory may move once again. */
    public void beginInterval() {
        interval++;
    }

    /**
     * Plans moves.
     *
     * @param load predicted remaining seconds per instance, {@code [0, m)}
     * @param secondsPerToken per instance, the per-token time a moved trajectory's work is priced at
     * @param trajectory per candidate its id, each at most once; candidates are trajectories inside a tool call
     * @param instance per candidate the instance it is on
     * @param remainingTokens per candidate its predicted remaining tokens
     * @param kvBytes per candidate its KV-cache bytes
     * @param toolSecondsLeft per candidate the expected remaining seconds of its tool call
     * @param c candidates
     * @param bytesPerSecond KV transfer bandwidth between instances
     * @param maxMoves move budget for this call
     */
    public Moves plan(double[] load, double[] secondsPerToken, int m,
                      int[] trajectory, int[] instance, double[] remainingTokens, double[] kvBytes,
                      double[] toolSecondsLeft, int c, double bytesPerSecond, int maxMoves) {
        Checks.inRange("m", m, 1, maxInstances);
        Checks.inRange("c", c, 0, maxCandidates);
        Checks.length("load", Checks.notNull("load", load).length, m);
        Checks.length("secondsPerToken", Checks.notNull("secondsPerToken", secondsPerToken).length, m);
        Checks.length("trajectory", Checks.notNull("trajectory", trajectory).length, c);
        Checks.length("instance", Checks.notNull("instance", instance).length, c);
        Checks.length("remainingTokens", Checks.notNull("remainingTokens", remainingTokens).length, c);
        Checks.length("kvBytes", Checks.notNull("kvBytes", kvBytes).length, c);
        Checks.length("toolSecondsLeft", Checks.notNull("toolSecondsLeft", toolSecondsLeft).length, c);
        Checks.positiveFinite("bytesPerSecond", bytesPerSecond);
        Checks.nonNegative("maxMoves", maxMoves);
        for (int j = 0; j < m; j++) {
            checkValue("load", j, load[j]);
            Checks.positiveFinite("secondsPerToken", j, secondsPerToken[j]);
        }
        call++;
        for (int i = 0; i < c; i++) {
            if (trajectory[i] < 0 || trajectory[i] >= maxTrajectories) {
                throw Checks.element("trajectory", i, "must be in [0, " + maxTrajectories + ")", trajectory[i]);
            }
            if (seen[trajectory[i]] == call) {
                throw Checks.element("trajectory", i, "is a candidate twice", trajectory[i]);
            }
            seen[trajectory[i]] = call;
            if (instance[i] < 0 || instance[i] >= m) {
                throw Checks.element("instance", i, "must be in [0, " + m + ")", instance[i]);
            }
            checkValue("remainingTokens", i, remainingTokens[i]);
            checkValue("kvBytes", i, kvBytes[i]);
            checkValue("toolSecondsLeft", i, toolSecondsLeft[i]);
        }

        final double[] after = moves.load;
        System.arraycopy(load, 0, after, 0, m);
        for (int i = 0; i < c; i++) {
            taken[i] = movedInInterval[trajectory[i]] == interval
                    || kvBytes[i] / bytesPerSecond > toolSecondsLeft[i]
                    || remainingTokens[i] <= 0;
        }
        int k = 0;
        while (k < maxMoves) {
            int src = 0;
            int dst = 0;
            for (int j = 1; j < m; j++) {
                if (after[j] > after[src]) {
                    src = j;
                }
                if (after[j] < after[dst]) {
                    dst = j;
                }
            }
            if (src == dst) {
                break;
            }
            int best = -1;
            double bestGain = 0.0;
            double bestOut = 0.0;
            double bestIn = 0.0;
            for (int i = 0; i < c; i++) {
                if (taken[i] || instance[i] != src) {
                    continue;
                }
                double out = remainingTokens[i] * secondsPerToken[src];
                double in = remainingTokens[i] * secondsPerToken[dst];
                double gain = after[src] - Math.max(after[src] - out, after[dst] + in);
                if (gain > bestGain) {
                    best = i;
                    bestGain = gain;
                    bestOut = out;
                    bestIn = in;
                }
            }
            if (best < 0) {
                break;
            }
            taken[best] = true;
            after[src] -= bestOut;
            after[dst] += bestIn;
            moves.trajectory[k] = trajectory[best];
            moves.candidate[k] = best;
            moves.from[k] = src;
            moves.to[k] = dst;
            moves.gain[k] = bestGain;
            k++;
        }
        for (int q = 0; q < k; q++) {
            movedInInterval[moves.trajectory[q]] = interval;
        }
        moves.count = k;
        moves.m = m;
        return moves;
    }

    private static void checkValue(String name, int i, double v) {
        Checks.nonNegativeFinite(name, i, v);
    }

    /** The moves of the last {@link #plan} and the loads they lead to. A view. */
    public static final class Moves {
        private final int[] trajectory;
        private final int[] candidate;
        private final int[] from;
        private final int[] to;
        private final double[] gain;
        private final double[] load;
        private int count;
        private int m;

        private Moves(int maxInstances, int maxCandidates) {
            trajectory = new int[maxCandidates];
            candidate = new int[maxCandidates];
            from = new int[maxCandidates];
            to = new int[maxCandidates];
            gain = new double[maxCandidates];
            load = new double[maxInstances];
        }

        /** Moves planned. */
        public int count() {
            return count;
        }

        /** Trajectory of move {@code k}. */
        public int trajectory(int k) {
            return trajectory[Checks.index("k", k, count)];
        }

        /** Candidate index (into the call's arrays) of move {@code k}. */
        public int candidate(int k) {
            return candidate[Checks.index("k", k, count)];
        }

        /** Source instance of move {@code k}. */
        public int from(int k) {
            return from[Checks.index("k", k, count)];
        }

        /** Destination instance of move {@code k}. */
        public int to(int k) {
            return to[Checks.index("k", k, count)];
        }

        /** Reduction of the pair's larger load by move {@code k}, in seconds. */
        public double gain(int k) {
            return gain[Checks.index("k", k, count)];
        }

        /** Predicted load of instance {@code j} after all moves. */
        public double loadAfter(int j) {
            return load[Checks.index("j", j, m)];
        }

        /** The largest predicted load after all moves. */
        public double maxLoadAfter() {
            double mx = 0;
            for (int j = 0; j < m; j++) {
                mx = Math.max(mx, load[j]);
            }
            return mx;
        }
    }
}
