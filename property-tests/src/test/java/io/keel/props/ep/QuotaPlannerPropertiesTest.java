package io.keel.props.ep;

import java.util.SplittableRandom;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.ReplicationPlan;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

/** Every invariant of the quota planner, on random layouts and loads. */
class QuotaPlannerPropertiesTest {
    /** A random case: layout, options and an R x E load matrix, all from one seed. */
    record Case(ExpertLayout layout, QuotaPlanner.Options options, int[] loads, int[][] resident) {
        static Case of(long seed, int maxRanks, int maxMastersPerRank, int maxSlots) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] rankChoices = {1, 2, 3, 4, 6, 8, 12, 16};
            int ranks;
            do {
                ranks = rankChoices[rnd.nextInt(rankChoices.length)];
            } while (ranks > maxRanks);
            int domain;
            do {
                domain = 1 + rnd.nextInt(ranks);
            } while (ranks % domain != 0);
            int slots = rnd.nextInt(maxSlots + 1);
            ExpertLayout layout;
            int experts;
            if (rnd.nextBoolean()) {
                experts = ranks * (1 + rnd.nextInt(maxMastersPerRank));
                layout = ExpertLayout.contiguous(ranks, experts, slots, domain, rnd.nextInt(1 << 20));
            } else {
                experts = 1 + rnd.nextInt(ranks * maxMastersPerRank);
                int[] home = new int[experts];
                for (int e = 0; e < experts; e++) {
                    home[e] = rnd.nextInt(ranks);
                }
                layout = ExpertLayout.withHomes(ranks, home, slots, domain, rnd.nextInt(1 << 20));
            }
            int[] mins = {0, 1, 7, 64, 1024};
            QuotaPlanner.Options options = new QuotaPlanner.Options(mins[rnd.nextInt(mins.length)],
                    rnd.nextInt(4) == 0 ? rnd.nextDouble() * 0.05 : 0.0, rnd.nextBoolean(), rnd.nextBoolean());
            int[] loads = new int[ranks * experts];
            int scale = 1 << rnd.nextInt(14);
            double skew = rnd.nextDouble() * 3;
            for (int s = 0; s < ranks; s++) {
                for (int e = 0; e < experts; e++) {
                    int zero = rnd.nextInt(5);
                    loads[s * experts + e] = zero == 0 ? 0
                            : (int) (scale * rnd.nextDouble() * Math.pow(1.0 / (1 + layout.homeRank(e)), skew));
                }
            }
            int residents = rnd.nextInt(3) == 0 ? rnd.nextInt(4) : 0;
            int[][] resident = new int[residents][];
            for (int i = 0; i < residents; i++) {
                resident[i] = new int[] {rnd.nextInt(ranks), rnd.nextInt(experts)};
            }
            return new Case(layout, options, loads, resident);
        }

        QuotaPlanner planner() {
            QuotaPlanner p = new QuotaPlanner(layout, options);
            for (int[] r : resident) {
                p.setResident(r[0], r[1], true);
            }
            return p;
        }
    }

    @Test
    void invariantsHold() {
        qt().withExamples(3000).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed, 16, 4, 3);
            QuotaPlanner planner = c.planner();
            ReplicationPlan p = planner.plan(c.loads());
            PlanInvariants.check(p, c.loads(), c.options().minTokensPerReplica(), c.options().localityAware(),
                    c.resident());
        });
    }

    /**
     * The split at its extremes: expert totals near {@code Integer.MAX_VALUE} (products near 2^62,
     * every radix digit of the remainders in play), or every source of an expert sending the same
     * count (remainders tie across all sources).
     */
    @Test
    void invariantsHoldOnHugeAndTiedLoads() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed, 16, 4, 3);
            int ranks = c.layout().ranks();
            int experts = c.layout().experts();
            int[] loads = c.loads().clone();
            SplittableRandom rnd = new SplittableRandom(~seed);
            boolean tied = rnd.nextBoolean();
            for (int e = 0; e < experts; e++) {
                long max = 0;
                for (int s = 0; s < ranks; s++) {
                    max = Math.max(max, loads[s * experts + e]);
                }
                int same = 1 + rnd.nextInt(Integer.MAX_VALUE / ranks);
                for (int s = 0; s < ranks; s++) {
                    int i = s * experts + e;
                    loads[i] = tied ? same : (int) (loads[i] * ((Integer.MAX_VALUE / ranks) / Math.max(1.0, max)));
                }
            }
            ReplicationPlan p = c.planner().plan(loads);
            PlanInvariants.check(p, loads, c.options().minTokensPerReplica(), c.options().localityAware(), c.resident());
        });
    }

    @Test
    void totalsInputGivesTheSamePlacementAsTheMatrix() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed, 8, 4, 2);
            ReplicationPlan a = c.planner().plan(c.loads());
            int[] totals = new int[c.layout().experts()];
            for (int i = 0; i < c.loads().length; i++) {
                totals[i % totals.length] += c.loads()[i];
            }
            ReplicationPlan b = c.planner().planTotals(totals);
            assertArrayEquals(PlanInvariants.placement(a), PlanInvariants.placement(b));
        });
    }

    @Test
    void deterministicAcrossCallsAndFreshPlanners() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed, 16, 4, 3);
            QuotaPlanner one = c.planner();
            long[] first = PlanInvariants.fingerprint(one.plan(c.loads()), c.loads());
            // Another input in between must not leak into the next plan: a different matrix of the
            // same layout, planned (and checked) on the same planner.
            int[] other = otherLoads(c.layout(), seed ^ 0x5DEECE66DL);
            ReplicationPlan between = one.plan(other);
            PlanInvariants.check(between, other, c.options().minTokensPerReplica(), c.options().localityAware(), c.resident());
            assertArrayEquals(first, PlanInvariants.fingerprint(one.plan(c.loads()), c.loads()));
            assertArrayEquals(first, PlanInvariants.fingerprint(c.planner().plan(c.loads()), c.loads()));
        });
    }

    /** A load matrix for {@code layout} unrelated to a case's own: hot experts, zeros and sparse rows. */
    private static int[] otherLoads(ExpertLayout layout, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int ranks = layout.ranks();
        int experts = layout.experts();
        int[] loads = new int[ranks * experts];
        int hot = rnd.nextInt(experts);
        int scale = 1 << rnd.nextInt(16);
        for (int s = 0; s < ranks; s++) {
            for (int e = 0; e < experts; e++) {
                int x = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(scale + 1);
                loads[s * experts + e] = e == hot ? x + scale * 4 : x;
            }
        }
        return loads;
    }

    @Test
    void badInputThrowsAndLeavesThePlanIntact() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed, 8, 4, 2);
            QuotaPlanner planner = c.planner();
            ReplicationPlan p = planner.plan(c.loads());
            long[] before = PlanInvariants.fingerprint(p, c.loads());
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] bad = c.loads().clone();
            int kind = rnd.nextInt(4);
            switch (kind) {
                case 0 -> bad[rnd.nextInt(bad.length)] = -1 - rnd.nextInt(1000);
                case 1 -> {
                    int e = rnd.nextInt(c.layout().experts());
                    if (c.layout().ranks() == 1) {
                        bad[e] = -5;
                    } else {
                        bad[e] = Integer.MAX_VALUE;
                        bad[c.layout().experts() + e] = Integer.MAX_VALUE;
                    }
                }
                case 2 -> bad = java.util.Arrays.copyOf(bad, bad.length + 1 + rnd.nextInt(3));
                default -> bad = java.util.Arrays.copyOf(bad, bad.length - 1);
            }
            int[] input = bad;
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> planner.plan(input));
            assertTrue(ex.getMessage().contains("loads"), ex.getMessage());
            assertArrayEquals(before, PlanInvariants.fingerprint(planner.lastPlan(), c.loads()));
            assertArrayEquals(before, PlanInvariants.fingerprint(planner.plan(c.loads()), c.loads()));
        });
    }

    @Test
    void reachesTheExhaustiveOptimumOnSmallCases() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int ranks = 1 + rnd.nextInt(4);
            int domain = ranks % 2 == 0 && rnd.nextBoolean() ? ranks / 2 : ranks;
            int experts = 1 + rnd.nextInt(8);
            int slots = rnd.nextInt(3);
            int[] home = new int[experts];
            for (int e = 0; e < experts; e++) {
                home[e] = rnd.nextInt(ranks);
            }
            ExpertLayout layout = ExpertLayout.withHomes(ranks, home, slots, domain, 1);
            int[] totals = new int[experts];
            for (int e = 0; e < experts; e++) {
                totals[e] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1 + (1 << rnd.nextInt(12)));
            }
            QuotaPlanner planner = new QuotaPlanner(layout, QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(0));
            ReplicationPlan p = planner.planTotals(totals);
            long best = Exhaustive.bestMaxLoad(layout, totals);
            assertEquals(best, p.maxRankLoad(), () -> "layout " + layout + " totals " + java.util.Arrays.toString(totals));
        });
    }
}
