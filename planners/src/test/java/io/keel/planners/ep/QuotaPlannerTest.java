package io.keel.planners.ep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuotaPlannerTest {
    private static final QuotaPlanner.Options ANY = QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(0);

    @Test
    void hotExpertIsSplitDownToTheLowerBound() {
        ExpertLayout layout = ExpertLayout.contiguous(2, 4, 1, 2, 1000);
        QuotaPlanner planner = new QuotaPlanner(layout, ANY);
        ReplicationPlan p = planner.planTotals(new int[] {100, 0, 10, 10});
        assertEquals(60, p.lowerBound());
        assertEquals(60, p.maxRankLoad());
        assertEquals(1, p.replicaCount());
        assertEquals(2, p.instanceCount(0));
        assertEquals(1, p.instanceRank(0, 1));
        assertEquals(60, p.instanceQuota(0, 0));
        assertEquals(40, p.instanceQuota(0, 1));
        assertEquals(1, p.transferCount());
        assertEquals(0, p.transferExpert(0));
        assertEquals(0, p.transferFrom(0));
        assertEquals(1, p.transferTo(0));
        assertEquals(1000, p.transferBytes(0));
        assertEquals(0, p.physicalToLogical(p.instancePhysical(0, 1)));
        assertEquals(layout.redundantPhysical(1, 0), p.instancePhysical(0, 1));
        assertFalse(p.hasSourceSplit());
        assertEquals(-1, p.tokensOffSource());
    }

    @Test
    void localityFirstThenLargestRemainder() {
        ExpertLayout layout = ExpertLayout.contiguous(2, 2, 1, 2, 0);
        // Expert 0 (home rank 0): 30 tokens from rank 0, 70 from rank 1. Expert 1: 20 from rank 1.
        int[] loads = {30, 0, 70, 20};
        ReplicationPlan p = new QuotaPlanner(layout, ANY).plan(loads);
        assertEquals(60, p.maxRankLoad());
        assertEquals(60, p.instanceQuota(0, 0));
        assertEquals(40, p.instanceQuota(0, 1));
        // Locality: the master keeps rank 0's 30, the replica on rank 1 takes 40 of rank 1's 70.
        // The master's remaining need (30) is all of what is left (rank 1's other 30).
        assertEquals(40, p.tokens(1, 0, 1));
        assertEquals(0, p.tokens(0, 0, 1));
        assertEquals(30, p.tokens(0, 0, 0));
        assertEquals(30, p.tokens(1, 0, 0));
        assertEquals(30, p.tokensOffSource());
        assertEquals(30, p.tokensPrefix(1, 0, 0));
        assertEquals(70, p.tokensPrefix(1, 0, 1));
        int[] table = new int[2 * 2];
        p.writeReroutePrefix(1, table, 2);
        assertEquals(30, table[0]);
        assertEquals(70, table[1]);
        assertEquals(20, table[2]);
        // Without locality the master's 60 of 100 is 60% of each source: 18 of 30, 42 of 70.
        p = new QuotaPlanner(layout, ANY.withLocalityAware(false)).plan(loads);
        assertEquals(18, p.tokens(0, 0, 0));
        assertEquals(42, p.tokens(1, 0, 0));
        assertEquals(12, p.tokens(0, 0, 1));
        assertEquals(28, p.tokens(1, 0, 1));
        assertEquals(42 + 12, p.tokensOffSource());
    }

    /**
     * One expert, three instances of 100 tokens on ranks 0, 1, 2, four sources; every count below
     * is worked by hand from the rule in {@link ReplicationPlan#tokens}.
     */
    @Test
    void largestRemainderTableByHand() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 4, 1, 4, 0);
        // Expert 0 (home 0) has 300 tokens, expert 3 (home 3) 100 from rank 3: at the bound of
        // 100 per rank, expert 0 needs replicas on ranks 1 and 2 with 100 tokens each.
        int[] loads = matrix(new int[] {10, 100, 60, 130});
        ReplicationPlan p = new QuotaPlanner(layout, ANY.withLocalityAware(false)).plan(loads);
        assertEquals(100, p.maxRankLoad());
        assertEquals(3, p.instanceCount(0));
        for (int j = 0; j < 3; j++) {
            assertEquals(j, p.instanceRank(0, j));
            assertEquals(100, p.instanceQuota(0, j));
        }
        // Column 0: 100 of 300 = a third of {10, 100, 60, 130}: floors {3, 33, 20, 43} = 99,
        // remainders (x 300) {100, 100, 0, 100}; the one extra token goes to source 0, the lowest
        // of three tied. Column 1: 100 of the remaining 200 {6, 67, 40, 87}: floors
        // {3, 33, 20, 43} = 99, remainders {0, 100, 0, 100}; sources 1 and 3 tie, source 1 wins.
        // Column 2 takes the rest.
        assertTable(p, new int[][] {{4, 33, 20, 43}, {3, 34, 20, 43}, {3, 33, 20, 44}});
        assertEquals(300 - 4 - 34 - 20, p.tokensOffSource());

        loads = matrix(new int[] {10, 130, 50, 110});
        p = new QuotaPlanner(layout, ANY).plan(loads);
        // Locality: instances keep {10, 100, 50} of their own ranks; left {0, 30, 0, 110} for
        // needs {90, 0, 50}. Column 0: 90 of 140: 30 * 90 / 140 = 19 rem 40, 110 * 90 / 140 = 70
        // rem 100; one token short, source 3 has the larger remainder. Column 1 needs nothing;
        // column 2 takes the rest {0, 11, 0, 39} on top of its own 50.
        assertTable(p, new int[][] {{10, 19, 0, 71}, {0, 100, 0, 0}, {0, 11, 50, 39}});
        assertEquals(300 - 10 - 100 - 50, p.tokensOffSource());
        int[] table = new int[4 * p.maxInstanceCount()];
        p.writeReroutePrefix(1, table, p.maxInstanceCount());
        assertEquals(19, table[0]);
        assertEquals(119, table[1]);
        assertEquals(130, table[2]);
        assertEquals(0, table[3 * p.maxInstanceCount()]);
    }

    /** Loads for {@link #largestRemainderTableByHand}: expert 0 from {@code column}, expert 3 all from rank 3. */
    private static int[] matrix(int[] column) {
        int[] loads = new int[4 * 4];
        for (int s = 0; s < 4; s++) {
            loads[s * 4] = column[s];
        }
        loads[3 * 4 + 3] = 100;
        return loads;
    }

    private static void assertTable(ReplicationPlan p, int[][] byInstance) {
        for (int j = 0; j < byInstance.length; j++) {
            for (int s = 0; s < 4; s++) {
                assertEquals(byInstance[j][s], p.tokens(s, 0, j), "source " + s + ", instance " + j);
            }
        }
    }

    @Test
    void invariantsHoldOnRandomSkewedLoads() {
        for (int seed = 0; seed < 40; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int ranks = 8;
            int experts = 32;
            int domain = seed % 2 == 0 ? 8 : 4;
            ExpertLayout layout = ExpertLayout.contiguous(ranks, experts, 2, domain, 64);
            int[] loads = skewed(rnd, ranks, experts);
            QuotaPlanner planner = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(seed % 3 == 0 ? 0 : 256));
            ReplicationPlan p = planner.plan(loads);
            check(p, loads, planner.options().minTokensPerReplica());
        }
    }

    @Test
    void segmentAndArrayGiveTheSamePlan() {
        ExpertLayout layout = ExpertLayout.contiguous(8, 32, 2, 8, 64);
        int[] loads = skewed(new SplittableRandom(7), 8, 32);
        ReplicationPlan a = new QuotaPlanner(layout).plan(loads);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) loads.length * 4);
            MemorySegment.copy(loads, 0, seg, ValueLayout.JAVA_INT, 0, loads.length);
            ReplicationPlan b = new QuotaPlanner(layout).plan(seg);
            assertEquals(a.replicaCount(), b.replicaCount());
            for (int e = 0; e < 32; e++) {
                assertEquals(a.instanceCount(e), b.instanceCount(e));
                for (int j = 0; j < a.instanceCount(e); j++) {
                    assertEquals(a.instanceRank(e, j), b.instanceRank(e, j));
                    assertEquals(a.instanceQuota(e, j), b.instanceQuota(e, j));
                    for (int s = 0; s < 8; s++) {
                        assertEquals(a.tokens(s, e, j), b.tokens(s, e, j));
                    }
                }
            }
        }
    }

    @Test
    void residentReplicaMovesNoBytes() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 1, 4, 100);
        QuotaPlanner planner = new QuotaPlanner(layout, ANY);
        int[] totals = {400, 0, 10, 10, 10, 10, 10, 10};
        ReplicationPlan p = planner.planTotals(totals);
        int replicas = p.replicaCount();
        assertTrue(replicas > 0);
        int someRank = p.instanceRank(0, 1);
        planner.setResident(3, 0, true);
        p = planner.planTotals(totals);
        boolean onThree = false;
        for (int j = 1; j < p.instanceCount(0); j++) {
            onThree |= p.instanceRank(0, j) == 3;
        }
        assertTrue(onThree, "resident rank preferred (was " + someRank + ")");
        assertEquals(p.replicaCount() - 1, p.transferCount());
        for (int i = 0; i < p.transferCount(); i++) {
            assertTrue(p.transferTo(i) != 3);
        }
    }

    @Test
    void badInputLeavesPlannerAndPlanIntact() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 2, 4, 64);
        QuotaPlanner planner = new QuotaPlanner(layout);
        int[] loads = skewed(new SplittableRandom(3), 4, 8);
        ReplicationPlan p = planner.plan(loads);
        long max = p.maxRankLoad();
        int replicas = p.replicaCount();
        int[][] prefixes = reroutePrefixes(p);
        int[] bad = loads.clone();
        bad[5] = -1;
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> planner.plan(bad));
        assertTrue(ex.getMessage().contains("loads[5]"), ex.getMessage());
        int[] overflow = loads.clone();
        overflow[1] = Integer.MAX_VALUE;
        overflow[9] = Integer.MAX_VALUE;
        ex = assertThrows(IllegalArgumentException.class, () -> planner.plan(overflow));
        assertTrue(ex.getMessage().contains("expert 1 (column 1)") && ex.getMessage().endsWith("over an int"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> planner.plan(new int[31]));
        assertThrows(IllegalArgumentException.class, () -> planner.planTotals(new int[9]));
        assertEquals(max, planner.lastPlan().maxRankLoad());
        assertEquals(replicas, planner.lastPlan().replicaCount());
        // The rejected inputs were copied into the planner's spare buffer, not over the plan's source matrix.
        assertArrayEquals(prefixes, reroutePrefixes(planner.lastPlan()));
        ReplicationPlan again = planner.plan(loads);
        assertEquals(max, again.maxRankLoad());
        assertEquals(replicas, again.replicaCount());
    }

    @Test
    void badInputOnTheBorrowedAndSegmentPathsLeavesThePlanIntact() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 2, 4, 64);
        int[] loads = skewed(new SplittableRandom(5), 4, 8);
        int[] negative = loads.clone();
        negative[5] = -1;
        int[] overflow = loads.clone();
        overflow[1] = Integer.MAX_VALUE;
        overflow[9] = Integer.MAX_VALUE;
        // Borrowed: the plan keeps reading the good array; the rejected arrays are only read.
        QuotaPlanner borrowing = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withBorrowInput(true));
        int[][] prefixes = reroutePrefixes(borrowing.plan(loads));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> borrowing.plan(negative));
        assertTrue(ex.getMessage().contains("loads[5]"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> borrowing.plan(overflow));
        assertTrue(ex.getMessage().contains("expert 1 (column 1)"), ex.getMessage());
        assertArrayEquals(prefixes, reroutePrefixes(borrowing.lastPlan()));
        // Segment: copied into the spare buffer, so the plan's matrix is untouched.
        QuotaPlanner planner = new QuotaPlanner(layout);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4L * loads.length, 4);
            MemorySegment.copy(loads, 0, seg, ValueLayout.JAVA_INT, 0, loads.length);
            prefixes = reroutePrefixes(planner.plan(seg));
            MemorySegment.copy(negative, 0, seg, ValueLayout.JAVA_INT, 0, loads.length);
            ex = assertThrows(IllegalArgumentException.class, () -> planner.plan(seg));
            assertTrue(ex.getMessage().contains("loads[5]"), ex.getMessage());
            MemorySegment.copy(overflow, 0, seg, ValueLayout.JAVA_INT, 0, loads.length);
            ex = assertThrows(IllegalArgumentException.class, () -> planner.plan(seg));
            assertTrue(ex.getMessage().contains("expert 1 (column 1)"), ex.getMessage());
            assertArrayEquals(prefixes, reroutePrefixes(planner.lastPlan()));
        }
    }

    private static int[][] reroutePrefixes(ReplicationPlan p) {
        int[][] out = new int[p.layout().ranks()][p.layout().experts() * p.maxInstanceCount()];
        for (int s = 0; s < out.length; s++) {
            p.writeReroutePrefix(s, out[s], p.maxInstanceCount());
        }
        return out;
    }

    @Test
    void aBorrowedArrayIsReadInPlaceAndASegmentIsStillCopied() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 2, 4, 64);
        QuotaPlanner copying = new QuotaPlanner(layout);
        QuotaPlanner borrowing = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withBorrowInput(true));
        int[] loads = skewed(new SplittableRandom(3), 4, 8);
        int[] original = loads.clone();
        ReplicationPlan copied = copying.plan(loads);
        ReplicationPlan borrowed = borrowing.plan(loads);
        assertArrayEquals(reroutePrefixes(copied), reroutePrefixes(borrowed));
        int e = 0;
        while (borrowed.instanceCount(e) > 1) {
            e++;
        }
        // The documented cost of borrowing: the plan reads the caller's array for an expert with one instance.
        loads[2 * 8 + e] += 5;
        assertEquals(original[2 * 8 + e] + 5, borrowed.tokens(2, e, 0));
        assertEquals(original[2 * 8 + e], copied.tokens(2, e, 0));
        loads[2 * 8 + e] -= 5;
        // A segment is copied into the planner's own buffer, never into the array the last plan borrowed.
        try (Arena arena = Arena.ofConfined()) {
            int[] other = skewed(new SplittableRandom(4), 4, 8);
            MemorySegment seg = arena.allocate((long) other.length * 4);
            MemorySegment.copy(other, 0, seg, ValueLayout.JAVA_INT, 0, other.length);
            ReplicationPlan fromSegment = borrowing.plan(seg);
            assertArrayEquals(original, loads);
            assertArrayEquals(reroutePrefixes(new QuotaPlanner(layout).plan(other)), reroutePrefixes(fromSegment));
            seg.fill((byte) 0);
            assertArrayEquals(reroutePrefixes(new QuotaPlanner(layout).plan(other)), reroutePrefixes(fromSegment));
            // And the next borrowed call reads the array again.
            assertArrayEquals(reroutePrefixes(copied), reroutePrefixes(borrowing.plan(loads)));
        }
    }

    @Test
    void layoutValidation() {
        assertThrows(IllegalArgumentException.class, () -> ExpertLayout.contiguous(3, 8, 2, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> ExpertLayout.contiguous(4, 8, 2, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> ExpertLayout.contiguous(4, 8, -1, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> ExpertLayout.withHomes(2, new int[] {0, 2}, 1, 2, 0));
        ExpertLayout l = ExpertLayout.withHomes(2, new int[] {1, 1, 0}, 1, 1, 8);
        assertEquals(2, l.mastersOn(1));
        assertEquals(2, l.domains());
        assertEquals(5, l.physicalSlots());
    }

    @Test
    void planAllocatesNothing() {
        ExpertLayout layout = ExpertLayout.contiguous(64, 256, 2, 64, 1 << 20);
        QuotaPlanner planner = new QuotaPlanner(layout);
        int[][] inputs = new int[4][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = skewed(new SplittableRandom(i), 64, 256);
        }
        int[] next = {0};
        AllocationProbe.assertZeroAllocation("QuotaPlanner.plan", () -> planner.plan(inputs[next[0]++ & 3]), 2000);
        QuotaPlanner borrowing = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withBorrowInput(true));
        AllocationProbe.assertZeroAllocation("QuotaPlanner.plan, input borrowed",
                () -> borrowing.plan(inputs[next[0]++ & 3]), 2000);
    }

    static int[] skewed(SplittableRandom rnd, int ranks, int experts) {
        int[] loads = new int[ranks * experts];
        for (int s = 0; s < ranks; s++) {
            for (int e = 0; e < experts; e++) {
                double w = 1.0 / Math.pow(e + 1, 0.8);
                loads[s * experts + e] = (int) (rnd.nextInt(200) + 4000 * w * rnd.nextDouble());
            }
        }
        return loads;
    }

    static void check(ReplicationPlan p, int[] loads, int minTokens) {
        ExpertLayout l = p.layout();
        int ranks = l.ranks();
        int experts = l.experts();
        int[] replicasOn = new int[ranks];
        long[] rankLoad = new long[ranks];
        for (int e = 0; e < experts; e++) {
            long quota = 0;
            int c = p.instanceCount(e);
            assertEquals(l.homeRank(e), p.instanceRank(e, 0));
            for (int j = 0; j < c; j++) {
                int r = p.instanceRank(e, j);
                quota += p.instanceQuota(e, j);
                rankLoad[r] += p.instanceQuota(e, j);
                if (j > 0) {
                    replicasOn[r]++;
                    assertTrue(p.instanceQuota(e, j) >= Math.max(1, minTokens));
                    assertEquals(l.domainOf(l.homeRank(e)), l.domainOf(r));
                    assertEquals(e, p.physicalToLogical(p.instancePhysical(e, j)));
                    for (int i = 0; i < j; i++) {
                        assertTrue(p.instanceRank(e, i) != r);
                    }
                }
                long fromSources = 0;
                for (int s = 0; s < ranks; s++) {
                    fromSources += p.tokens(s, e, j);
                }
                assertEquals(p.instanceQuota(e, j), fromSources);
            }
            long total = 0;
            for (int s = 0; s < ranks; s++) {
                total += loads[s * experts + e];
                assertEquals(loads[s * experts + e], p.tokensPrefix(s, e, c - 1));
            }
            assertEquals(total, quota);
        }
        long max = 0;
        for (int r = 0; r < ranks; r++) {
            assertTrue(replicasOn[r] <= l.slotsPerRank());
            assertEquals(rankLoad[r], p.rankLoad(r));
            max = Math.max(max, rankLoad[r]);
        }
        assertEquals(max, p.maxRankLoad());
        assertTrue(max >= p.lowerBound());
        assertTrue(max <= p.initialMaxRankLoad());
    }

    @Test
    void aClosedOrForeignSegmentAndAnOverflowingStrideAreRefusedByName() throws Exception {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 2, 2, 100);
        QuotaPlanner q = new QuotaPlanner(layout);
        int[] loads = new int[32];
        loads[0] = 5000;
        loads[1] = 3000;
        ReplicationPlan p = q.plan(loads);
        long tokens = p.totalTokens();
        MemorySegment closed;
        try (Arena a = Arena.ofConfined()) {
            closed = a.allocate(32 * 4);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.plan(closed));
        assertTrue(e.getMessage().startsWith("loads"), e.getMessage());
        MemorySegment[] foreign = new MemorySegment[1];
        Thread t = new Thread(() -> foreign[0] = Arena.ofConfined().allocate(32 * 4));
        t.start();
        t.join();
        e = assertThrows(IllegalArgumentException.class, () -> q.plan(foreign[0]));
        assertTrue(e.getMessage().startsWith("loads"), e.getMessage());
        assertEquals(tokens, q.lastPlan().totalTokens(), "the last plan stands");
        e = assertThrows(IllegalArgumentException.class, () -> p.writeReroutePrefix(0, new int[0], 1 << 29));
        assertTrue(e.getMessage().startsWith("out length"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.rankLoad(4));
        assertThrows(IllegalArgumentException.class, () -> p.initialRankLoad(-1));
        assertThrows(IllegalArgumentException.class, () -> p.expertLoad(8));
        assertThrows(IllegalArgumentException.class, () -> new MoveBatcher(Integer.MAX_VALUE, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new MoveBatcher(1, Integer.MAX_VALUE, Integer.MAX_VALUE));
        // Messages that say what is wrong: a fresh planner has no plan; an overflowing column names its expert.
        QuotaPlanner fresh = new QuotaPlanner(layout);
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> fresh.lastPlan().writeReroutePrefix(0, new int[64], 2));
        assertTrue(none.getMessage().startsWith("no plan yet"), none.getMessage());
        int[] wide = new int[32];
        wide[5] = Integer.MAX_VALUE;
        wide[8 + 5] = 1;
        e = assertThrows(IllegalArgumentException.class, () -> fresh.plan(wide));
        assertEquals("loads: the tokens routed to expert 5 (column 5) total 2147483648, over an int", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new EplbRebalancer(2, 8, 1, SlotLayout.uniform(4, 3, 2), Long.MAX_VALUE / 8, false));
    }
}
