package io.keel.bench.python;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import io.keel.core.testing.AllocationProbe;
import io.keel.planners.ep.ReplicationPlan;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpStepTablesTest {
    private static final int R = 8;
    private static final int E = 32;
    private static final int D = 8;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final Arena arena = Arena.ofAuto();
    private final EpStepTables tables = new EpStepTables(R, E, 2, D, 1 << 20, 1, 16, 0.0);
    private final MemorySegment counts = arena.allocate(4L * E);
    private final MemorySegment rank = arena.allocate(4L * E * D);
    private final MemorySegment quota = arena.allocate(4L * E * D);
    private final MemorySegment physical = arena.allocate(4L * E * D);
    private final MemorySegment prefix = arena.allocate(4L * E * D);
    private final MemorySegment transfers = arena.allocate(12L * tables.maxTransfers());
    private final MemorySegment rankLoads = arena.allocate(16L * R);
    private final MemorySegment longs = arena.allocate(8L * EpTablesDescriptor.LONGS);
    private final MemorySegment doubles = arena.allocate(8L * EpTablesDescriptor.DOUBLES);

    EpStepTablesTest() {
        tables.bind(counts, rank, quota, physical, prefix, transfers, rankLoads, longs, doubles);
    }

    private static MemorySegment skewed(Arena arena, long seed) {
        Random rnd = new Random(seed);
        MemorySegment loads = arena.allocate(4L * R * E);
        int hot = rnd.nextInt(E);
        for (int i = 0; i < R * E; i++) {
            loads.setAtIndex(INT, i, rnd.nextInt(200) + (i % E == hot ? 2000 + rnd.nextInt(2000) : 0));
        }
        return loads;
    }

    @Test
    void tablesHoldThePlanAndMinusOneBeyondEachExpertsInstances() {
        for (int step = 0; step < 20; step++) {
            tables.step(0, skewed(arena, step), 3);
            ReplicationPlan plan = tables.balancer().lastStep().plan();
            int[] pre = new int[E * D];
            plan.writeReroutePrefix(3, pre, D);
            for (int e = 0; e < E; e++) {
                int n = plan.instanceCount(e);
                assertEquals(n, counts.getAtIndex(INT, e));
                for (int j = 0; j < D; j++) {
                    int at = e * D + j;
                    assertEquals(j < n ? plan.instanceRank(e, j) : -1, rank.getAtIndex(INT, at));
                    assertEquals(j < n ? plan.instanceQuota(e, j) : -1, quota.getAtIndex(INT, at));
                    assertEquals(j < n ? plan.instancePhysical(e, j) : -1, physical.getAtIndex(INT, at));
                    assertEquals(j < n ? pre[at] : -1, prefix.getAtIndex(INT, at));
                }
            }
            int t = plan.transferCount();
            assertEquals(t, longs.getAtIndex(ValueLayout.JAVA_LONG, EpTablesDescriptor.TRANSFERS));
            for (int i = 0; i < t; i++) {
                assertEquals(plan.transferExpert(i), transfers.getAtIndex(INT, 3L * i));
                assertEquals(plan.transferFrom(i), transfers.getAtIndex(INT, 3L * i + 1));
                assertEquals(plan.transferTo(i), transfers.getAtIndex(INT, 3L * i + 2));
            }
            for (int r = 0; r < R; r++) {
                assertEquals(plan.rankLoad(r), rankLoads.getAtIndex(ValueLayout.JAVA_LONG, R + r));
            }
            assertEquals(plan.imbalance(), doubles.getAtIndex(ValueLayout.JAVA_DOUBLE, EpTablesDescriptor.IMBALANCE));
        }
    }

    @Test
    void aFailedStepLeavesTheTablesAsTheyWere() {
        MemorySegment good = skewed(arena, 1);
        tables.step(0, good, 0);
        byte[] before = rank.toArray(ValueLayout.JAVA_BYTE);
        MemorySegment bad = skewed(arena, 2);
        bad.setAtIndex(INT, 5, -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tables.step(0, bad, 0));
        assertTrue(e.getMessage().contains("loads[5] must be >= 0, was -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tables.step(0, good, R));
        assertThrows(IllegalArgumentException.class, () -> tables.step(1, good, 0));
        assertTrue(java.util.Arrays.equals(before, rank.toArray(ValueLayout.JAVA_BYTE)));
    }

    @Test
    void stepsAllocateNothing() {
        MemorySegment[] pool = new MemorySegment[8];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = skewed(arena, 100 + i);
        }
        int[] i = {0};
        AllocationProbe.assertZeroAllocation("EpStepTables.step", () -> tables.step(0, pool[i[0]++ & 7], 2));
    }
}
