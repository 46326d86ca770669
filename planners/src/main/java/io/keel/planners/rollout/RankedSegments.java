package io.keel.planners.rollout;

import io.keel.core.Checks;

/**
 * A placement of trajectories in rank order (rank 0 = longest predicted) cut into contiguous
 * rank ranges, one per instance, with each instance's predicted seconds: the shared shape of
 * {@link TrajectoryPlacer.Placement} and {@link ParallelismPlanner.Plan}. A view over arrays
 * preallocated by the planner that fills it, valid until its next call.
 */
public abstract sealed class RankedSegments permits TrajectoryPlacer.Placement, ParallelismPlanner.Plan {
    final int[] ranked;
    final int[] instanceOf;
    final int[] start;
    final int[] end;
    final double[] seconds;
    int n;
    int instances;
    double makespan;

    RankedSegments(int maxTrajectories, int maxInstances) {
        ranked = new int[maxTrajectories];
        instanceOf = new int[maxTrajectories];
        start = new int[maxInstances];
        end = new int[maxInstances];
        seconds = new double[maxInstances];
    }

    /** Trajectories placed. */
    public final int trajectories() {
        return n;
    }

    /** Instances. */
    public final int instances() {
        return instances;
    }

    /** The optimal predicted makespan in seconds. */
    public final double makespanSeconds() {
        return makespan;
    }

    /** The trajectory at rank {@code r} (rank 0 = longest predicted). */
    public final int rankedTrajectory(int r) {
        return ranked[Checks.index("r", r, n)];
    }

    /** The instance trajectory {@code t} runs on. */
    public final int instanceOf(int t) {
        return instanceOf[Checks.index("t", t, n)];
    }

    /** First rank instance {@code j} runs. */
    public final int segmentStart(int j) {
        return start[Checks.index("j", j, instances)];
    }

    /** One past the last rank instance {@code j} runs ({@code == start} when it runs none). */
    public final int segmentEnd(int j) {
        return end[Checks.index("j", j, instances)];
    }

    /** Predicted seconds of instance {@code j}'s group. */
    public final double predictedSeconds(int j) {
        return seconds[Checks.index("j", j, instances)];
    }
}
