package io.keel.bench.python;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.keel.core.Checks;
import io.keel.planners.rollout.DecodeTimeTable;
import io.keel.planners.rollout.TrajectoryPlacer;

/**
 * A {@link TrajectoryPlacer} that reads its inputs from the caller's arrays and writes the
 * placement into the caller's tables: {@code instanceOf} int32[maxTrajectories] (the instance each
 * trajectory runs on), {@code segments} int32[2 * maxInstances] (first and one past the last rank
 * each instance runs; rank 0 = longest predicted), {@code seconds} float64[maxInstances]
 * (predicted seconds per instance).
 *
 * <p>The placer takes {@code double[]}/{@code int[]}, so {@link #place} copies the inputs
 * (O(n + m)) into arrays allocated here; placement is not on a per-layer path, and the copy is
 * small beside the placement itself.
 *
 * <p>Threading: one thread per instance. Allocation: the constructor allocates the placer and
 * the input arrays; {@link #place} allocates nothing. Bad input throws
 * {@link IllegalArgumentException} (the placer's message) before the tables change.
 */
public final class PlacementTables {
    private final TrajectoryPlacer placer;
    private final int maxTrajectories;
    private final int maxInstances;
    private final double[] predicted;
    private final int[] degrees;
    private final int[] maxBatch;
    private MemorySegment instanceOf;
    private MemorySegment segments;
    private MemorySegment seconds;

    /**
     * A placer for up to {@code maxTrajectories} trajectories on {@code maxInstances} instances with
     * batch limits up to {@code maxBatch}, priced by {@code table}: {@code "llama2-70b-h100"},
     * {@code "llama2-7b-h100"} or a decode-time CSV ({@link DecodeTimeTable#parseCsv}).
     */
    public PlacementTables(int maxTrajectories, int maxInstances, int maxBatch, String table) {
        DecodeTimeTable t = switch (Checks.notNull("table", table)) {
            case "llama2-70b-h100" -> DecodeTimeTable.llama2_70bH100();
            case "llama2-7b-h100" -> DecodeTimeTable.llama2_7bH100();
            default -> DecodeTimeTable.parseCsv(table);
        };
        this.placer = new TrajectoryPlacer(maxTrajectories, maxInstances, maxBatch, t);
        this.maxTrajectories = maxTrajectories;
        this.maxInstances = maxInstances;
        this.predicted = new double[maxTrajectories];
        this.degrees = new int[maxInstances];
        this.maxBatch = new int[maxInstances];
    }

    /** Sets the placement tables (sizes in the class comment). */
    public void bind(MemorySegment instanceOf, MemorySegment segments, MemorySegment seconds) {
        this.instanceOf = CallerMemory.require("instanceOf", instanceOf, 4L * maxTrajectories);
        this.segments = CallerMemory.require("segments", segments, 8L * maxInstances);
        this.seconds = CallerMemory.require("seconds", seconds, 8L * maxInstances);
    }

    /**
     * Places {@code n} trajectories ({@code predictedTokens}: float64[n]) on {@code m} instances
     * ({@code degrees}, {@code maxBatch}: int32[m]); returns the predicted makespan in seconds.
     */
    public double place(MemorySegment predictedTokens, int n, MemorySegment degrees, MemorySegment maxBatch, int m) {
        if (instanceOf == null) {
            throw new IllegalStateException("bind the tables before the first placement");
        }
        Checks.inRange("n", n, 0, maxTrajectories);
        Checks.inRange("m", m, 1, maxInstances);
        CallerMemory.require("predictedTokens", predictedTokens, 8L * n);
        CallerMemory.require("degrees", degrees, 4L * m);
        CallerMemory.require("maxBatch", maxBatch, 4L * m);
        MemorySegment.copy(predictedTokens, ValueLayout.JAVA_DOUBLE, 0, predicted, 0, n);
        MemorySegment.copy(degrees, ValueLayout.JAVA_INT, 0, this.degrees, 0, m);
        MemorySegment.copy(maxBatch, ValueLayout.JAVA_INT, 0, this.maxBatch, 0, m);
        TrajectoryPlacer.Placement p = placer.place(predicted, n, this.degrees, this.maxBatch, m);
        for (int t = 0; t < n; t++) {
            instanceOf.setAtIndex(ValueLayout.JAVA_INT, t, p.instanceOf(t));
        }
        for (int j = 0; j < m; j++) {
            segments.setAtIndex(ValueLayout.JAVA_INT, 2L * j, p.segmentStart(j));
            segments.setAtIndex(ValueLayout.JAVA_INT, 2L * j + 1, p.segmentEnd(j));
            seconds.setAtIndex(ValueLayout.JAVA_DOUBLE, j, p.predictedSeconds(j));
        }
        return p.makespanSeconds();
    }
}
