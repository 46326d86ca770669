package io.keel.props.streaming;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.streaming.BalancedStep;
import io.keel.streaming.BalancerPipeline;
import io.keel.streaming.EpBalancer;
import io.keel.streaming.PipelineFaults;
import io.keel.streaming.PipelineSlot;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import static io.keel.props.Props.qt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The pipeline's lifecycle under chaos: random sequences of submit (good, bad and faulted
 * requests), poll, release (current, stale and foreign handles), stop, start and close, with
 * faults thrown on the planning thread. Every accepted request is reported exactly once, in
 * order, with the right status; {@code inFlight()} is exact after every operation.
 */
class PipelineChaosPropertiesTest {
    private static final int LAYERS = 3;
    private static final int PATTERNS = 8;
    private static final int MAX_OPS = 60;
    private static final EpBalancer.Config CONFIG = config();
    private static final int[][] LOADS = patterns();
    private static final int[] BAD = badLoads();
    private static final double[] IMBALANCE = referenceImbalances();

    private static EpBalancer.Config config() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 1, 4, 512);
        return EpBalancer.Config.defaults(layout, LAYERS).withTiles(256, 2).withChannels(2)
                .withPlannerOptions(QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(4));
    }

    private static int[][] patterns() {
        SplittableRandom rnd = new SplittableRandom(17);
        int n = CONFIG.layout().ranks() * CONFIG.layout().experts();
        int[][] p = new int[PATTERNS][n];
        for (int i = 0; i < PATTERNS; i++) {
            for (int j = 0; j < n; j++) {
                p[i][j] = rnd.nextInt(1 + 40 * (j % CONFIG.layout().experts() + i));
            }
        }
        return p;
    }

    private static int[] badLoads() {
        int[] b = LOADS[0].clone();
        b[5] = -1;
        return b;
    }

    private static double[] referenceImbalances() {
        double[] r = new double[PATTERNS];
        try (EpBalancer b = new EpBalancer(CONFIG)) {
            for (int i = 0; i < PATTERNS; i++) {
                BalancedStep s = b.step(0, LOADS[i]);
                r[i] = s.plan().imbalance();
            }
        }
        return r;
    }

    /** A slot of another pipeline, held by the caller. */
    private static PipelineSlot foreignSlot() {
        BalancerPipeline other = new BalancerPipeline(CONFIG, 1);
        other.submit(0, LOADS[0]);
        other.close();
        return other.poll();
    }

    private static final PipelineSlot FOREIGN = foreignSlot();

    /** One op per int: {@code g % 12} the operation (close is rarer than the others), {@code g / 12} its argument. */
    private static Gen<List<Integer>> ops() {
        return lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, MAX_OPS);
    }

    @Test
    void everyRequestEndsExactlyOnceInOrder() {
        qt().withExamples(Math.max(100, io.keel.props.Props.EXAMPLES / 2))
                .forAll(ops(), longs().all(), integers().between(1, 4))
                .checkAssert((ops, seed, slots) -> new Run(seed, slots).run(ops));
    }

    /** One example: the pipeline, the faults it will throw and the model of what must happen. */
    private static final class Run {
        final Throwable[] faults = new Throwable[MAX_OPS];
        final boolean[] bad = new boolean[MAX_OPS];
        final int[] pattern = new int[MAX_OPS];
        final int[] layer = new int[MAX_OPS];
        final long[] okPerLayer = new long[LAYERS];
        final ArrayDeque<PipelineSlot> held = new ArrayDeque<>();
        final List<PipelineSlot> released = new ArrayList<>();
        final BalancerPipeline pipe;
        long submitted;
        long reported;
        long releasedCount;
        long firstCancelled = -1;
        boolean running;
        boolean closed;

        Run(long seed, int slots) {
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < MAX_OPS; i++) {
                switch (rnd.nextInt(8)) {
                    case 0 -> faults[i] = new IllegalStateException("injected " + i);
                    case 1 -> faults[i] = new AssertionError("injected " + i);
                    case 2 -> faults[i] = new java.io.IOException("injected " + i);
                    default -> { }
                }
            }
            pipe = PipelineFaults.pipeline(CONFIG, slots, new YieldingIdleStrategy(), faults);
        }

        void run(List<Integer> ops) {
            try {
                for (int g : ops) {
                    step(g % 12, g / 12);
                    assertEquals(submitted - releasedCount, pipe.inFlight(), "inFlight after op " + g % 12);
                    assertEquals(running, pipe.isRunning());
                }
                pipe.close();
                closed = true;
                running = false;
                PipelineSlot s;
                while ((s = pipe.poll()) != null) {
                    check(s);
                    release();
                    assertEquals(submitted - releasedCount, pipe.inFlight());
                }
                while (!held.isEmpty()) {
                    release();
                }
                assertEquals(submitted, reported, "every accepted request reported");
                assertEquals(0, pipe.inFlight());
            } finally {
                pipe.close();
            }
        }

        void step(int op, int arg) {
            switch (op) {
                case 0, 1, 2 -> submit(arg);
                case 3 -> poll(false);
                case 4, 5 -> poll(true);
                case 6, 7 -> release();
                case 8 -> releaseStale(arg);
                case 9 -> stop();
                case 10 -> start();
                default -> {
                    if (arg % 4 == 0) {
                        close();
                    } else {
                        start();
                    }
                }
            }
        }

        void submit(int arg) {
            int p = arg % PATTERNS;
            boolean isBad = arg / PATTERNS % 5 == 0;
            int l = arg / 64 % LAYERS;
            long seq = pipe.submit(l, isBad ? BAD : LOADS[p]);
            if (closed) {
                assertEquals(BalancerPipeline.CLOSED, seq);
            } else if (submitted - releasedCount == pipe.capacity()) {
                assertEquals(BalancerPipeline.BACK_PRESSURED, seq);
            } else {
                assertEquals(submitted, seq);
                pattern[(int) seq] = p;
                bad[(int) seq] = isBad;
                layer[(int) seq] = l;
                submitted++;
            }
        }

        void poll(boolean await) {
            PipelineSlot s = pipe.poll();
            if (s == null && await && running && reported < submitted) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while ((s = pipe.poll()) == null && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertNotNull(s, "a running pipeline delivers");
            }
            if (s != null) {
                check(s);
            }
        }

        void check(PipelineSlot s) {
            long seq = s.sequence();
            assertEquals(reported, seq, "in order, each once");
            int i = (int) seq;
            assertEquals(layer[i], s.layer());
            if (s.status() == PipelineSlot.CANCELLED) {
                assertTrue(closed, "cancelled only by close");
                firstCancelled = firstCancelled < 0 ? seq : firstCancelled;
                assertNull(s.cause());
                assertThrows(IllegalStateException.class, s::imbalance);
            } else {
                assertTrue(firstCancelled < 0, "cancelled requests come last");
                checkRan(s, i);
            }
            held.addLast(s);
            reported++;
        }

        void checkRan(PipelineSlot s, int i) {
            if (faults[i] != null) {
                assertEquals(PipelineSlot.FAILED, s.status());
                assertSame(faults[i], s.cause());
                assertThrows(IllegalStateException.class, s::tiles);
            } else if (bad[i]) {
                assertEquals(PipelineSlot.FAILED, s.status());
                assertTrue(s.cause() instanceof IllegalArgumentException, String.valueOf(s.cause()));
                assertThrows(IllegalStateException.class, () -> s.physicalToLogical(0));
            } else {
                assertEquals(PipelineSlot.OK, s.status(), s.failure());
                assertEquals(IMBALANCE[pattern[i]], s.imbalance());
                assertEquals(okPerLayer[layer[i]]++, s.microbatch());
            }
        }

        void release() {
            PipelineSlot s = held.pollFirst();
            if (s != null) {
                pipe.release(s);
                releasedCount++;
                released.add(s);
            }
        }

        void releaseStale(int arg) {
            if (arg % 3 == 0) {
                assertThrows(IllegalArgumentException.class, () -> pipe.release(FOREIGN));
                return;
            }
            if (released.isEmpty()) {
                return;
            }
            PipelineSlot stale = released.get(arg % released.size());
            for (PipelineSlot h : held) {
                if (h == stale) {
                    return;
                }
            }
            assertThrows(IllegalArgumentException.class, () -> pipe.release(stale));
            assertThrows(IllegalStateException.class, stale::status);
        }

        void stop() {
            pipe.stop();
            running = false;
        }

        void start() {
            if (closed) {
                assertThrows(IllegalStateException.class, pipe::start);
            } else {
                pipe.start();
                running = true;
            }
        }

        void close() {
            pipe.close();
            closed = true;
            running = false;
            assertFalse(pipe.isRunning());
        }
    }
}
