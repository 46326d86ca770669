package io.keel.streaming;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.planners.relay.RelayPolicy;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpBalancerTest {
    /** Every file a test writes goes here; JUnit deletes it afterwards. */
    @TempDir
    java.nio.file.Path tmp;

    /** Zipf-skewed loads: source s sends tokens to expert e with weight 1 / (e + 1)^skew. */
    static int[] zipfLoads(ExpertLayout layout, double skew, int tokensPerRank, SplittableRandom rnd) {
        int r = layout.ranks();
        int e = layout.experts();
        double[] w = new double[e];
        double sum = 0;
        for (int i = 0; i < e; i++) {
            w[i] = Math.pow(i + 1, -skew) * (0.5 + rnd.nextDouble());
            sum += w[i];
        }
        int[] loads = new int[r * e];
        for (int s = 0; s < r; s++) {
            for (int i = 0; i < e; i++) {
                loads[s * e + i] = (int) Math.round(tokensPerRank * w[i] / sum * (0.8 + 0.4 * rnd.nextDouble()));
            }
        }
        return loads;
    }

    static EpBalancer.Config small(long stateBytes) {
        ExpertLayout layout = ExpertLayout.contiguous(8, 32, 2, 8, stateBytes);
        return EpBalancer.Config.defaults(layout, 4).withTiles(256, 4).withChannels(6)
                .withPlannerOptions(io.keel.planners.ep.QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(16));
    }

    @Test
    void stepDeliversEveryReplicaThroughTheTaskTable() {
        SplittableRandom rnd = new SplittableRandom(1);
        long s = 3000;
        try (EpBalancer b = new EpBalancer(small(s))) {
            ExpertLayout layout = b.config().layout();
            int replicasSeen = 0;
            for (int round = 0; round < 20; round++) {
                BalancedStep step = b.step(round % 4, zipfLoads(layout, 1.2, 4096, rnd));
                assertSame(b.lastStep(), step);
                assertEquals(round / 4, step.microbatch());
                ReplicationPlan plan = step.plan();
                assertEquals(plan.transferCount(), step.relay().transferCount());
                assertTrue(plan.imbalance() <= plan.initialImbalance());
                replicasSeen += plan.replicaCount();
                // Every rank's buffer: its physical slots in order.
                int ranks = layout.ranks();
                byte[][] buf = new byte[ranks][];
                BitSet[] landed = new BitSet[ranks];
                for (int r = 0; r < ranks; r++) {
                    int slots = layout.physicalBase(r + 1 < ranks ? r + 1 : r) - layout.physicalBase(r);
                    slots = r + 1 < ranks ? slots : layout.physicalSlots() - layout.physicalBase(r);
                    buf[r] = new byte[(int) (slots * s)];
                    int masters = layout.mastersOn(r);
                    for (int i = 0; i < masters * s; i++) {
                        buf[r][i] = (byte) rnd.nextInt(256);
                    }
                    landed[r] = new BitSet();
                    landed[r].set(0, (int) (masters * s));
                }
                TileTableReader reader = new TileTableReader(step.tiles().segment());
                reader.checkStructure();
                reader.execute(buf, landed, 4, round % 2 == 0, rnd);
                for (int e = 0; e < layout.experts(); e++) {
                    int home = layout.homeRank(e);
                    long from = (layout.masterPhysical(e) - layout.physicalBase(home)) * s;
                    for (int j = 1; j < plan.instanceCount(e); j++) {
                        int to = plan.instanceRank(e, j);
                        long at = (plan.instancePhysical(e, j) - layout.physicalBase(to)) * s;
                        TileTableReader.assertRegion(buf[home], from, buf[to], at, s, "expert " + e + " replica on " + to);
                    }
                }
            }
            assertTrue(replicasSeen > 0, "the skewed loads should need replicas");
        }
    }

    @Test
    void badLoadsLeaveTheLastStep() {
        SplittableRandom rnd = new SplittableRandom(2);
        try (EpBalancer b = new EpBalancer(small(1 << 16))) {
            ExpertLayout layout = b.config().layout();
            BalancedStep step = b.step(1, zipfLoads(layout, 1.0, 2048, rnd));
            int tiles = step.tiles().tileCount();
            double imbalance = step.plan().imbalance();
            int[] bad = zipfLoads(layout, 1.0, 2048, rnd);
            bad[5] = -1;
            assertThrows(IllegalArgumentException.class, () -> b.step(1, bad));
            assertThrows(IllegalArgumentException.class, () -> b.step(4, bad));
            assertThrows(IllegalArgumentException.class, () -> b.step(0, new int[3]));
            assertEquals(1, step.layer());
            assertEquals(0, step.microbatch());
            assertEquals(tiles, step.tiles().tileCount());
            assertEquals(imbalance, step.plan().imbalance());
            assertThrows(IllegalArgumentException.class, () -> new EpBalancer(EpBalancer.Config.defaults(
                    ExpertLayout.contiguous(8, 32, 2, 8, 0), 1)));
        }
    }

    @Test
    void aClosedBalancerRefusesStepsBeforeAnythingChanges() {
        SplittableRandom rnd = new SplittableRandom(4);
        EpBalancer b = new EpBalancer(small(1 << 16));
        ExpertLayout layout = b.config().layout();
        BalancedStep step = b.step(0, zipfLoads(layout, 1.0, 2048, rnd));
        long tokens = step.plan().totalTokens();
        b.close();
        b.close(); // idempotent
        int[] other = zipfLoads(layout, 1.2, 4096, rnd);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.step(0, other));
        assertEquals("EpBalancer is closed", e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> b.step(0, java.lang.foreign.MemorySegment.ofArray(other)));
        assertEquals(tokens, b.lastStep().plan().totalTokens(), "the plan was re-made after close");
        assertEquals(0, b.lastStep().microbatch());
    }

    @Test
    void stepAllocatesNothing() {
        SplittableRandom rnd = new SplittableRandom(3);
        ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, 8, 44L << 20);
        for (RelayPolicy policy : RelayPolicy.values()) {
            try (EpBalancer b = new EpBalancer(EpBalancer.Config.defaults(layout, 2).withRelayPolicy(policy))) {
                int[][] loads = {zipfLoads(layout, 1.0, 8192, rnd), zipfLoads(layout, 1.4, 8192, rnd)};
                int[] i = {0};
                AllocationProbe.assertZeroAllocation("EpBalancer.step " + policy, () -> {
                    b.step(i[0] & 1, loads[i[0] & 1]);
                    i[0]++;
                }, 2000);
            }
        }
    }

    @Test
    void stepEventsAreRecordedAndReadBack() throws Exception {
        SplittableRandom rnd = new SplittableRandom(4);
        Path file = tmp.resolve("keel-epstep.jfr");
        try (EpBalancer b = new EpBalancer(small(1 << 16)); Recording rec = new Recording()) {
            ExpertLayout layout = b.config().layout();
            rec.enable("keel.EpStep");
            rec.start();
            double[] after = new double[3];
            for (int i = 0; i < 3; i++) {
                after[i] = b.step(2, zipfLoads(layout, 1.3, 4096, rnd)).plan().imbalance();
            }
            rec.stop();
            rec.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("keel.EpStep")).toList();
            assertEquals(3, events.size());
            for (int i = 0; i < 3; i++) {
                RecordedEvent e = events.get(i);
                assertEquals(2, e.getInt("layer"));
                assertEquals(i, e.getLong("microbatch"));
                assertEquals(after[i], e.getDouble("imbalanceAfter"));
                assertTrue(e.getDouble("imbalanceBefore") >= e.getDouble("imbalanceAfter"));
                assertTrue(e.getLong("planNanos") > 0);
                assertEquals((long) e.getInt("replicas") * (1 << 16) >= e.getLong("bytesMoved"), true);
            }
            assertEquals("keel", events.get(0).getEventType().getCategoryNames().get(0));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aConfigWhoseStepsCouldFailAfterPlanningIsRefused() {
        // A state too large for the slot offsets, and one of more than 2^31 chunks even with no slot to fill.
        assertThrows(IllegalArgumentException.class, () -> EpBalancer.Config.defaults(
                ExpertLayout.contiguous(4, 8, 2, 2, Long.MAX_VALUE), 1).withTiles(1 << 30, 1 << 30));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EpBalancer.Config.defaults(
                ExpertLayout.contiguous(4, 8, 0, 2, 1L << 50), 1));
        assertTrue(e.getMessage().contains("chunks"), e.getMessage());
    }
}
