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
            assertTrue(b.cause() instanceof IllegalArgumentException);
            assertResultAccessorsThrow(b);
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

    @Test
    void closeCancelsQueuedRequestsOfANeverStartedPipeline() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        BalancerPipeline pipe = new BalancerPipeline(config, 4);
        assertEquals(0, pipe.submit(0, loads[0]));
        assertEquals(1, pipe.submit(1, loads[1]));
        pipe.close();
        assertEquals(2, pipe.inFlight(), "cancelled requests hold their slots until released");
        for (int i = 0; i < 2; i++) {
            PipelineSlot s = pipe.poll();
            assertNotNull(s, "request " + i + " reported after close");
            assertEquals(i, s.sequence());
            assertEquals(i, s.layer());
            assertEquals(PipelineSlot.CANCELLED, s.status());
            assertNotNull(s.failure());
            assertNull(s.cause());
            assertResultAccessorsThrow(s);
            pipe.release(s);
        }
        assertNull(pipe.poll());
        assertEquals(0, pipe.inFlight());
    }

    @Test
    void closeOfARunningPipelineReportsEveryRequestOnce() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        for (int run = 0; run < 20; run++) {
            BalancerPipeline pipe = new BalancerPipeline(config, 8, new BusySpinIdleStrategy());
            pipe.start();
            for (int i = 0; i < 8; i++) {
                assertEquals(i, pipe.submit(0, loads[i]));
            }
            pipe.close();
            boolean cancelling = false;
            for (int i = 0; i < 8; i++) {
                PipelineSlot s = pipe.poll();
                assertNotNull(s, "run " + run + ": request " + i + " reported after close");
                assertEquals(i, s.sequence());
                if (s.status() == PipelineSlot.CANCELLED) {
                    cancelling = true;
                } else {
                    assertFalse(cancelling, "cancelled requests come after every planned one");
                    assertEquals(PipelineSlot.OK, s.status());
                    assertTrue(s.imbalance() >= 1);
                    assertThrows(IllegalStateException.class, s::tiles, "task tables are freed by close");
                }
                pipe.release(s);
            }
            assertNull(pipe.poll());
            assertEquals(0, pipe.inFlight());
        }
    }

    @Test
    void staleHandlesAreRejected() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        try (BalancerPipeline pipe = new BalancerPipeline(config, 2)) {
            pipe.start();
            assertEquals(0, pipe.submit(0, loads[0]));
            PipelineSlot old = awaitResult(pipe);
            pipe.release(old);
            assertThrows(IllegalStateException.class, old::imbalance, "a released slot is not readable");
            assertEquals(1, pipe.submit(0, loads[1]));
            assertEquals(2, pipe.submit(0, loads[2]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pipe.release(old));
            assertTrue(e.getMessage().startsWith("slot"), e.getMessage());
            assertEquals(2, pipe.inFlight());
            PipelineSlot a = awaitResult(pipe);
            assertEquals(1, a.sequence());
            pipe.release(a);
            PipelineSlot b = awaitResult(pipe);
            assertEquals(2, b.sequence());
            pipe.release(b);
            assertNull(pipe.poll());
            assertEquals(0, pipe.inFlight());
        }
    }

    @Test
    void releasingAnotherPipelinesSlotIsRejected() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        try (BalancerPipeline small = new BalancerPipeline(config, 1);
             BalancerPipeline big = new BalancerPipeline(config, 4)) {
            big.start();
            for (int i = 0; i < 4; i++) {
                big.submit(0, loads[i]);
            }
            PipelineSlot s = null;
            for (int i = 0; i < 4; i++) {
                s = awaitResult(big);
            }
            PipelineSlot last = s;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small.release(last));
            assertTrue(e.getMessage().startsWith("slot"), e.getMessage());
            assertEquals(0, small.inFlight());
            assertEquals(4, big.inFlight());
        }
    }

    @Test
    void anyThrowableOnThePlanningThreadFailsTheStepWithItsCause() {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        Throwable[] faults = {new IllegalStateException("packer closed"), new AssertionError("boom"),
            new java.io.IOException("checked"), new StackOverflowError(), null};
        BalancerPipeline.StepHook hook = (seq, layer) -> {
            Throwable t = faults[(int) seq % faults.length];
            if (t != null) {
                throw t;
            }
        };
        try (BalancerPipeline pipe = new BalancerPipeline(config, 4, new BusySpinIdleStrategy(), hook)) {
            pipe.start();
            for (int i = 0; i < 10; i++) {
                assertEquals(i, pipe.submit(0, loads[i]));
                PipelineSlot s = awaitResult(pipe);
                assertEquals(i, s.sequence());
                Throwable t = faults[i % faults.length];
                if (t == null) {
                    assertEquals(PipelineSlot.OK, s.status());
                } else {
                    assertEquals(PipelineSlot.FAILED, s.status());
                    assertEquals(t, s.cause());
                    assertNotNull(s.failure());
                    assertResultAccessorsThrow(s);
                }
                pipe.release(s);
                assertEquals(0, pipe.inFlight());
            }
            assertNull(pipe.lastError());
        }
    }

    @Test
    void stopEndsAfterTheCurrentStep() throws Exception {
        EpBalancer.Config config = config();
        int[][] loads = patterns(config.layout());
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        BalancerPipeline.StepHook hook = (seq, layer) -> {
            if (seq == 0) {
                entered.countDown();
                go.await();
            }
        };
        try (BalancerPipeline pipe = new BalancerPipeline(config, 8, new BusySpinIdleStrategy(), hook)) {
            for (int i = 0; i < 8; i++) {
                pipe.submit(0, loads[i]);
            }
            pipe.start();
            entered.await();
            Thread stopper = new Thread(pipe::stop);
            stopper.start();
            while (!pipe.stopRequested()) {
                Thread.onSpinWait();
            }
            go.countDown();
            stopper.join();
            assertFalse(pipe.isRunning());
            PipelineSlot first = pipe.poll();
            assertNotNull(first, "the current step finishes");
            assertEquals(0, first.sequence());
            assertNull(pipe.poll(), "no step after the current one");
            pipe.release(first);
            assertEquals(7, pipe.inFlight());
            pipe.start();
            for (int i = 1; i < 8; i++) {
                PipelineSlot s = awaitResult(pipe);
                assertEquals(i, s.sequence());
                pipe.release(s);
            }
        }
    }

    private static void assertResultAccessorsThrow(PipelineSlot s) {
        assertThrows(IllegalStateException.class, s::imbalance);
        assertThrows(IllegalStateException.class, s::initialImbalance);
        assertThrows(IllegalStateException.class, s::lowerBoundImbalance);
        assertThrows(IllegalStateException.class, s::microbatch);
        assertThrows(IllegalStateException.class, s::replicas);
        assertThrows(IllegalStateException.class, s::transfers);
        assertThrows(IllegalStateException.class, s::bytesMoved);
        assertThrows(IllegalStateException.class, s::makespanUnits);
        assertThrows(IllegalStateException.class, s::lowerBoundUnits);
        assertThrows(IllegalStateException.class, s::stepNanos);
        assertThrows(IllegalStateException.class, s::tiles);
        assertThrows(IllegalStateException.class, () -> s.physicalToLogical(0));
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
