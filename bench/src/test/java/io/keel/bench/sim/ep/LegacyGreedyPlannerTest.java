package io.keel.bench.sim.ep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keel.planners.ep.ExpertLayout;
import org.junit.jupiter.api.Test;

/** Small plans worked out by hand from the rules in the class javadoc. */
class LegacyGreedyPlannerTest {
    /** Plans {@code totals} and checks the rank loads and the replica count. */
    private static void check(LegacyGreedyPlanner p, int[] totals, long[] loads, int replicas) {
        long max = p.plan(totals);
        long[] got = new long[loads.length];
        for (int r = 0; r < loads.length; r++) {
            got[r] = p.rankLoad(r);
        }
        assertArrayEquals(loads, got);
        assertEquals(replicas, p.replicaCount());
        assertEquals(java.util.Arrays.stream(loads).max().orElseThrow(), max);
        assertEquals(max, p.maxRankLoad());
    }

    @Test
    void eachExpertCopiedToTheOtherRank() {
        // Two slots: 10 and 2 each split in two (5 + 5, 1 + 1); the 5 goes to rank 1, the 1 to rank 0.
        check(new LegacyGreedyPlanner(ExpertLayout.contiguous(2, 2, 1, 2, 0)), new int[] {10, 2}, new long[] {6, 6}, 2);
    }

    @Test
    void largestLoadPerCopyFirstAndTheRemainderStaysWithTheMaster() {
        // Slots to 10, 9, 10/2, 9/2: three copies of 10 (4 + 3 + 3) and of 9 (3 + 3 + 3). Replicas of
        // 3, in slot order: expert 0 to rank 3 (load 0), expert 1 to rank 2 (1), expert 0 to rank 1
        // (3), expert 1 to rank 0 (4).
        check(new LegacyGreedyPlanner(ExpertLayout.contiguous(4, 4, 1, 4, 0)), new int[] {10, 9, 1, 0},
                new long[] {7, 6, 4, 3}, 4);
    }

    @Test
    void equalLoadsPerCopyGoToTheLowerExpert() {
        // Slots to 9 and 9/2, then experts 1 and 2 tie at 3: expert 1 gets the last slot (2 + 1).
        // Replicas 3, 3 of expert 0 go to ranks 1 (2) and 2 (3); the 1 of expert 1 to rank 0.
        check(new LegacyGreedyPlanner(ExpertLayout.contiguous(3, 3, 1, 3, 0)), new int[] {9, 3, 3},
                new long[] {4, 5, 6}, 3);
    }

    @Test
    void largestReplicaFirstEqualRanksToTheLowerAndUnplacedSharesStayHome() {
        // Three experts on rank 0. Slots to 8, 6, 8/2: replicas 2 (expert 0), 3 (expert 1), 2 (expert 0);
        // masters 4 + 3 + 0. The 3 goes first, to rank 1 of the tied empty ranks 1 and 2; a 2 to rank
        // 2; the last 2 finds no free rank without expert 0 and stays on rank 0.
        ExpertLayout layout = ExpertLayout.withHomes(3, new int[] {0, 0, 0}, 1, 3, 0);
        check(new LegacyGreedyPlanner(layout), new int[] {8, 6, 0}, new long[] {9, 3, 2}, 2);
    }

    @Test
    void replicasStayInTheirDomain() {
        // One-rank domains: no rank can take a copy, so every share stays home.
        check(new LegacyGreedyPlanner(ExpertLayout.contiguous(2, 2, 1, 1, 0)), new int[] {7, 5}, new long[] {7, 5}, 0);
        // Two-rank domains: 1 = 1 + 0 and 0 in the first, 10 = 5 + 5 and 0 in the second.
        check(new LegacyGreedyPlanner(ExpertLayout.contiguous(4, 4, 1, 2, 0)), new int[] {1, 0, 10, 0},
                new long[] {1, 0, 5, 5}, 4);
    }

    @Test
    void eachDomainPlacesItsOwnReplicasLargestFirst() {
        // Second domain: slots to 10, 9, 10/2; shares 3 (expert 4), 4 (expert 5), 3 (expert 4) in
        // slot order, masters 4 and 5. The 4 goes first, to rank 3; a 3 to rank 5; the last 3 finds
        // no rank and stays on rank 4 (in slot order: 3, 8, 8). The first domain's shares, all 0, are
        // in slot order already, so only sorting the second domain's own shares gives this.
        check(new LegacyGreedyPlanner(ExpertLayout.contiguous(6, 6, 1, 3, 0)), new int[] {0, 0, 0, 0, 10, 9},
                new long[] {0, 0, 0, 4, 7, 8}, 5);
    }

    @Test
    void aReusedPlannerForgetsTheLastPlan() {
        LegacyGreedyPlanner p = new LegacyGreedyPlanner(ExpertLayout.contiguous(4, 4, 1, 4, 0));
        check(p, new int[] {10, 9, 1, 0}, new long[] {7, 6, 4, 3}, 4);
        check(p, new int[] {0, 0, 0, 40}, new long[] {10, 10, 10, 10}, 4);
        check(p, new int[] {10, 9, 1, 0}, new long[] {7, 6, 4, 3}, 4);
    }
}
