package io.keel.streaming;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BalancerPipelineTest {
    private static final int LAYERS = 3;
    private static final int PATTERNS = 16;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A small layout so a million steps take seconds. */
    private static EpBalancer.Config config() {
        ExpertLayout layout = ExpertLayout.contiguous(8, 16, 1, 8, 1024);
        return EpBalancer.Config.defaults(layout, LAYERS).withTiles(256, 4).withChannels(4)
                .withPlannerOptions(QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(8));
    }

    private static int[][] patterns(ExpertLayout layout) {
        SplittableRandom rnd = new SplittableRandom(9);
        int[][] p = new int[PATTERNS][];
        for (int i = 0; i < PATTERNS; i++) {
            p[i] = EpBalancerTest.zipfLoads(layout, 0.5 + i * 0.1, 512, rnd);
        }
        return p;
    }

    @Test
    void millionStepsInOrderNothingLostNoAllocation() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        int[] replicas = new int[PATTERNS];
        double[] imbalance = new double[PATTERNS];
        try (EpBalancer reference = new EpBalancer(config)) {
            for (int i = 0; i < PATTERNS; i++) {
                BalancedStep s = reference.step(0, loads[i]);
                replicas[i] = s.plan().replicaCount();
                imbalance[i] = s.plan().imbalance();
            }
        }
        final int steps = 1_000_000;
        final int batch = 100_000;
        THREADS.setThreadAllocatedMemoryEnabled(true);
        try (BalancerPipeline pipe = new BalancerPipeline(config, 64, new YieldingIdleStrategy())) {
            pipe.start();
            Thread planner = pipe.planningThread();
            long submitted = 0;
            long received = 0;
            long backPressured = 0;
            long minCaller = Long.MAX_VALUE;
            long minPlanner = Long.MAX_VALUE;
            long caller0 = 0;
            long planner0 = 0;
            long nextMark = 2L * batch;
            while (received < steps) {
                if (received >= nextMark) {
                    // Steady state after two batches: one window per 100k steps received (never a
                    // near-empty window), and the lowest window of each thread counts.
                    nextMark += batch;
                    long c = THREADS.getCurrentThreadAllocatedBytes();
                    long p = THREADS.getThreadAllocatedBytes(planner.threadId());
                    if (caller0 != 0) {
                        minCaller = Math.min(minCaller, c - caller0);
                        minPlanner = Math.min(minPlanner, p - planner0);
                    }
                    caller0 = c;
                    planner0 = p;
                }
                while (submitted < steps) {
                    long seq = pipe.submit((int) (submitted % LAYERS), loads[(int) (submitted % PATTERNS)]);
                    if (seq == BalancerPipeline.BACK_PRESSURED) {
                        backPressured++;
                        break;
                    }
                    if (seq != submitted) {
                        throw new AssertionError("sequence " + seq + ", expected " + submitted);
                    }
                    submitted++;
                }
                PipelineSlot s;
                while ((s = pipe.poll()) != null) {
                    long seq = s.sequence();
                    int pattern = (int) (seq % PATTERNS);
                    if (seq != received || s.status() != PipelineSlot.OK || s.layer() != seq % LAYERS
                            || s.microbatch() != seq / LAYERS || s.replicas() != replicas[pattern]
                            || s.imbalance() != imbalance[pattern]) {
                        throw new AssertionError("step " + received + " came back as seq " + seq + " layer " + s.layer()
                                + " microbatch " + s.microbatch() + " replicas " + s.replicas() + " status " + s.status());
                    }
                    received++;
                    pipe.release(s);
                }
            }
            assertEquals(steps, received);
            assertEquals(0, pipe.inFlight());
            assertNull(pipe.poll());
            assertTrue(backPressured > 0, "the caller outran the planner at least once");
            assertEquals(0, minCaller, "caller thread bytes per 100k steps in steady state");
            assertEquals(0, minPlanner, "planning thread bytes per 100k steps in steady state");
            assertNull(pipe.lastError());
        }
    }

    @Test
    void fullPipelineBackPressuresAndClosedRefuses() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        BalancerPipeline pipe = new BalancerPipeline(config, 4, new BusySpinIdleStrategy());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, pipe.submit(0, loads[i]));
        }
        assertEquals(BalancerPipeline.BACK_PRESSURED, pipe.submit(0, loads[4]));
        assertNull(pipe.poll(), "not started: nothing planned");
        pipe.start();
        for (int i = 0; i < 4; i++) {
            PipelineSlot s = awaitResult(pipe);
            assertEquals(i, s.sequence());
            // Unreleased results still hold their slot.
            assertEquals(BalancerPipeline.BACK_PRESSURED, pipe.submit(0, loads[4]));
            pipe.release(s);
            assertThrows(IllegalArgumentException.class, () -> pipe.release(s), "double release");
            assertEquals(4 + i, pipe.submit(1, loads[4]));
            assertEquals(BalancerPipeline.BACK_PRESSURED, pipe.submit(1, loads[4]));
        }
        assertThrows(IllegalArgumentException.class, () -> pipe.submit(0, new int[3]));
        pipe.close();
        assertFalse(pipe.isRunning());
        assertEquals(BalancerPipeline.CLOSED, pipe.submit(0, loads[0]));
        assertThrows(IllegalStateException.class, pipe::start);
        pipe.close();
    }

    @Test
    void stopAndRestartLoseNothing() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        try (BalancerPipeline pipe = new BalancerPipeline(config, 32)) {
            pipe.start();
            long next = 0;
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 10; i++) {
                    assertTrue(pipe.submit(round % LAYERS, loads[i]) >= 0);
                }
                Thread t = pipe.planningThread();
                pipe.stop();
                assertFalse(t.isAlive(), "stop waits for the planning thread");
                assertFalse(pipe.isRunning());
                for (int i = 0; i < 5; i++) {
                    assertTrue(pipe.submit(round % LAYERS, loads[i]) >= 0, "queued while stopped");
                }
                pipe.start();
                for (int i = 0; i < 15; i++) {
                    PipelineSlot s = awaitResult(pipe);
                    assertEquals(next++, s.sequence());
                    assertEquals(PipelineSlot.OK, s.status());
                    pipe.release(s);
                }
            }
            assertEquals(0, pipe.inFlight());
        }
    }

    @Test
    void badLoadsComeBackAsFailedSteps() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        int[] bad = loads[0].clone();
        bad[3] = -7;
        try (BalancerPipeline pipe = new BalancerPipeline(config, 8)) {
            pipe.start();
            pipe.submit(0, loads[0]);
            pipe.submit(0, bad);
            pipe.submit(LAYERS, loads[1]);
            pipe.submit(0, loads[1]);
            PipelineSlot a = awaitResult(pipe);
            assertEquals(PipelineSlot.OK, a.status());
            assertEquals(0, a.microbatch());
            assertNotNull(a.tiles());
            pipe.release(a);
            PipelineSlot b = awaitResult(pipe);
            assertEquals(PipelineSlot.FAILED, b.status());
            assertTrue(b.failure().startsWith("loads[3]"), b.failure());
            pipe.release(b);
            PipelineSlot c = awaitResult(pipe);
            assertEquals(PipelineSlot.FAILED, c.status());
            assertTrue(c.failure().startsWith("layer"), c.failure());
            pipe.release(c);
            PipelineSlot d = awaitResult(pipe);
            assertEquals(PipelineSlot.OK, d.status());
            assertEquals(1, d.microbatch());
            pipe.release(d);
        }
    }

    private static PipelineSlot awaitResult(BalancerPipeline pipe) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        PipelineSlot s;
        while ((s = pipe.poll()) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no result within 30 s");
            }
            Thread.onSpinWait();
        }
        return s;
    }
}
