package io.keel.planners.rollout;

import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulingTest {
    @Test
    void longestPredictedFirstAndUpdatesReorder() {
        ProgressiveScheduler s = new ProgressiveScheduler(8, 0);
        s.enqueue(0, 100, 0);
        s.enqueue(1, 500, 0);
        s.enqueue(2, 300, 0);
        s.update(0, 900);
        assertEquals(0, s.pollNext());
        assertEquals(1, s.pollNext());
        assertEquals(2, s.pollNext());
        assertEquals(-1, s.pollNext());
        assertEquals(3, s.runningCount());
        assertTrue(s.remove(1));
        assertFalse(s.remove(1));
    }

    @Test
    void agingLetsOldShortOnesThrough() {
        ProgressiveScheduler s = new ProgressiveScheduler(4, 10.0);
        s.enqueue(0, 100, 0);
        s.enqueue(1, 500, 100); // enqueued 100 s later: 100 + 10 * 100 = 1100 > 500 at any common time
        assertEquals(0, s.pollNext());
    }

    @Test
    void preemptionTestUsesMargin() {
        ProgressiveScheduler s = new ProgressiveScheduler(4, 0);
        s.enqueue(0, 100, 0);
        s.pollNext();
        s.enqueue(1, 150, 1);
        assertEquals(-1, s.preemptionVictim(0.6));
        assertEquals(0, s.preemptionVictim(0.4));
        s.preempt(0, 2);
        assertTrue(s.isWaiting(0));
        assertEquals(1, s.pollNext());
    }

    @Test
    void badInputLeavesStateIntact() {
        ProgressiveScheduler s = new ProgressiveScheduler(4, 0);
        s.enqueue(0, 10, 0);
        assertThrows(IllegalArgumentException.class, () -> s.enqueue(0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> s.enqueue(4, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> s.enqueue(1, Double.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> s.enqueue(1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> s.update(2, 5));
        assertThrows(IllegalArgumentException.class, () -> s.preempt(0, 1));
        assertEquals(1, s.waitingCount());
        assertEquals(0, s.pollNext());
    }

    @Test
    void schedulerAllocatesNothing() {
        ProgressiveScheduler s = new ProgressiveScheduler(1024, 1.0);
        SplittableRandom rnd = new SplittableRandom(1);
        double[] now = {0};
        AllocationProbe.assertZeroAllocation("scheduler ops", () -> {
            now[0] += 0.001;
            int id = rnd.nextInt(1024);
            if (s.isWaiting(id)) {
                s.update(id, rnd.nextDouble(1e5));
            } else if (s.isRunning(id)) {
                s.remove(id);
            } else {
                s.enqueue(id, rnd.nextDouble(1e5), now[0]);
            }
            if (s.waitingCount() > 600) {
                s.pollNext();
            }
            s.preemptionVictim(0.2);
        });
    }

    @Test
    void migrationMovesToolCallersWhenTransferFits() {
        MigrationPlanner mp = new MigrationPlanner(3, 10, 8);
        double[] load = {100, 10, 40};
        double[] spt = {0.05, 0.05, 0.05};
        int[] traj = {0, 1, 2, 3};
        int[] inst = {0, 0, 0, 2};
        double[] tokens = {800, 1200, 400, 100};
        double[] kv = {1e9, 1e9, 1e10, 1e9};
        double[] tool = {5, 5, 5, 5};
        MigrationPlanner.Moves m = mp.plan(load, spt, 3, traj, inst, tokens, kv, tool, 4, 1e9, 10);
        assertTrue(m.count() >= 1);
        assertEquals(0, m.trajectory(0)); // 40 s of work: 100 -> max(60, 50) = 60, the best gain
        assertEquals(0, m.from(0));
        assertEquals(1, m.to(0));
        for (int k = 0; k < m.count(); k++) {
            assertTrue(m.trajectory(k) != 2, "transfer of 10 s does not fit a 5 s tool call");
        }
        assertTrue(m.maxLoadAfter() < 100);
        mp.beginInterval();
        MigrationPlanner.Moves again = mp.plan(load, spt, 3, traj, inst, tokens, kv, tool, 4, 1e9, 10);
        assertTrue(again.count() >= 1);
        int[] moved = new int[again.count()];
        for (int q = 0; q < moved.length; q++) {
            moved[q] = again.trajectory(q);
        }
        // Same interval: nothing may move twice (the result is a view, so copy first).
        MigrationPlanner.Moves twice = mp.plan(load, spt, 3, traj, inst, tokens, kv, tool, 4, 1e9, 10);
        for (int k = 0; k < twice.count(); k++) {
            for (int t : moved) {
                assertTrue(twice.trajectory(k) != t);
            }
        }
    }

    @Test
    void aTrajectoryNamedTwiceAmongTheCandidatesIsRefused() {
        MigrationPlanner mp = new MigrationPlanner(2, 4, 4);
        MigrationPlanner.Moves before = mp.plan(new double[] {100, 0}, new double[] {.01, .01}, 2, new int[] {1},
                new int[] {0}, new double[] {3000}, new double[1], new double[] {1}, 1, 1e9, 4);
        assertEquals(1, before.count());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mp.plan(
                new double[] {100, 0}, new double[] {.01, .01}, 2, new int[] {0, 0}, new int[] {0, 0},
                new double[] {3000, 3000}, new double[2], new double[] {1, 1}, 2, 1e9, 4));
        assertTrue(e.getMessage().contains("trajectory[1] is a candidate twice"), e.getMessage());
        assertEquals(1, before.count(), "the last plan stands");
        assertEquals(1, before.trajectory(0));
    }

    @Test
    void migrationBadInputAndAllocation() {
        MigrationPlanner mp = new MigrationPlanner(64, 1024, 256);
        double[] load = new double[64];
        double[] spt = new double[64];
        int[] traj = new int[256];
        int[] inst = new int[256];
        double[] tokens = new double[256];
        double[] kv = new double[256];
        double[] tool = new double[256];
        SplittableRandom rnd = new SplittableRandom(2);
        for (int j = 0; j < 64; j++) {
            load[j] = rnd.nextDouble(1000);
            spt[j] = 0.05;
        }
        for (int i = 0; i < 256; i++) {
            traj[i] = i;
            inst[i] = rnd.nextInt(64);
            tokens[i] = rnd.nextDouble(5000);
            kv[i] = 1e9;
            tool[i] = 10;
        }
        assertThrows(IllegalArgumentException.class, () -> mp.plan(load, spt, 64, traj, inst, tokens, kv, tool, 256, 0, 8));
        inst[3] = 64;
        assertThrows(IllegalArgumentException.class, () -> mp.plan(load, spt, 64, traj, inst, tokens, kv, tool, 256, 1e9, 8));
        inst[3] = 1;
        tokens[4] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> mp.plan(load, spt, 64, traj, inst, tokens, kv, tool, 256, 1e9, 8));
        tokens[4] = 1;
        AllocationProbe.assertZeroAllocation("migration plan", () -> {
            mp.beginInterval();
            mp.plan(load, spt, 64, traj, inst, tokens, kv, tool, 256, 1e9, 16);
        });
    }
}
