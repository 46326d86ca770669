package io.keel.planners.ep;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Before/after check of the quota planner: a digest of every number the plan exposes, over skewed
 * random workloads and every option, equals the digest the planner produced before its hot path
 * and its core were reworked. A change of any plan, even one token of one cell, changes it.
 */
class PlanDigestTest {
    private static final String[] SHAPES = {"64/256/2/64", "64/256/2/8", "32/128/2/32", "16/64/1/4", "4/8/2/2",
        "3/9/1/3", "128/512/2/64"};
    private static final QuotaPlanner.Options[] OPTIONS = {
        QuotaPlanner.Options.DEFAULTS,
        QuotaPlanner.Options.DEFAULTS.withEps(0.005),
        QuotaPlanner.Options.DEFAULTS.withEps(0.01),
        QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(0),
        QuotaPlanner.Options.DEFAULTS.withLocalityAware(false).withMinTokensPerReplica(64),
    };
    /** Digests recorded from the planner as it was before the rework (commit 8c7667f). */
    private static final long MATRIX = -2334126517791797351L;
    private static final long TOTALS = 9116041781810639654L;
    private static final long RESIDENT = -669289571067788364L;

    @Test
    void matrixPlansAreUnchanged() {
        assertEquals(MATRIX, digest(Mode.MATRIX), "matrix digest");
    }

    @Test
    void borrowedInputGivesTheSamePlans() {
        assertEquals(MATRIX, digest(Mode.BORROWED), "matrix digest, input borrowed");
    }

    @Test
    void totalsPlansAreUnchanged() {
        assertEquals(TOTALS, digest(Mode.TOTALS), "totals digest");
    }

    @Test
    void residentPlansAreUnchanged() {
        assertEquals(RESIDENT, digest(Mode.RESIDENT), "resident digest");
    }

    private enum Mode { MATRIX, BORROWED, TOTALS, RESIDENT }

    static long digest(Mode mode) {
        long h = 1;
        for (String shape : SHAPES) {
            String[] f = shape.split("/");
            ExpertLayout layout = ExpertLayout.contiguous(Integer.parseInt(f[0]), Integer.parseInt(f[1]),
                    Integer.parseInt(f[2]), Integer.parseInt(f[3]), 1 << 20);
            for (QuotaPlanner.Options o : OPTIONS) {
                QuotaPlanner planner = new QuotaPlanner(layout, o.withBorrowInput(mode == Mode.BORROWED));
                SplittableRandom rnd = new SplittableRandom(shape.hashCode() * 31L + seedOf(o));
                for (int call = 0; call < 12; call++) {
                    int[] loads = workload(layout, rnd, call);
                    ReplicationPlan p;
                    if (mode == Mode.TOTALS) {
                        p = planner.planTotals(totals(layout, loads));
                    } else {
                        if (mode == Mode.RESIDENT) {
                            planner.setResident(rnd.nextInt(layout.ranks()), rnd.nextInt(layout.experts()), true);
                        }
                        p = planner.plan(loads);
                    }
                    h = mix(h, p, layout);
                }
            }
        }
        return h;
    }

    /** The hash the options record had when the digests were recorded (before it gained borrowInput). */
    private static int seedOf(QuotaPlanner.Options o) {
        int h = Integer.hashCode(o.minTokensPerReplica());
        h = 31 * h + Double.hashCode(o.eps());
        return 31 * h + Boolean.hashCode(o.localityAware());
    }

    private static int[] totals(ExpertLayout layout, int[] loads) {
        int[] t = new int[layout.experts()];
        for (int i = 0; i < loads.length; i++) {
            t[i % layout.experts()] += loads[i];
        }
        return t;
    }

    /** Zipf-skewed expert popularity with a random permutation, tokens per source around 8k x top-k. */
    private static int[] workload(ExpertLayout layout, SplittableRandom rnd, int call) {
        int ranks = layout.ranks();
        int experts = layout.experts();
        double alpha = 0.2 + 0.15 * (call % 8);
        double[] w = new double[experts];
        int[] perm = new int[experts];
        for (int e = 0; e < experts; e++) {
            perm[e] = e;
        }
        for (int e = experts - 1; e > 0; e--) {
            int j = rnd.nextInt(e + 1);
            int t = perm[e];
            perm[e] = perm[j];
            perm[j] = t;
        }
        double sum = 0;
        for (int e = 0; e < experts; e++) {
            w[perm[e]] = Math.pow(e + 1, -alpha);
            sum += w[perm[e]];
        }
        int[] loads = new int[ranks * experts];
        int per = call % 5 == 4 ? 300 : 8192 * Math.min(8, experts);
        for (int s = 0; s < ranks; s++) {
            for (int e = 0; e < experts; e++) {
                double mean = per * w[e] / sum;
                loads[s * experts + e] = (int) Math.max(0, Math.round(mean * (0.5 + rnd.nextDouble())));
            }
        }
        if (call % 6 == 5) {
            java.util.Arrays.fill(loads, 0, Math.min(loads.length, experts), 0);
        }
        return loads;
    }

    private static long mix(long h, ReplicationPlan p, ExpertLayout layout) {
        int ranks = layout.ranks();
        int experts = layout.experts();
        h = step(h, p.replicaCount());
        h = step(h, p.maxInstanceCount());
        h = step(h, p.lowerBound());
        h = step(h, p.threshold());
        h = step(h, p.maxRankLoad());
        h = step(h, p.initialMaxRankLoad());
        h = step(h, p.totalTokens());
        h = step(h, p.tokensOffSource());
        h = step(h, p.probes());
        for (int r = 0; r < ranks; r++) {
            h = step(h, p.rankLoad(r));
            h = step(h, p.initialRankLoad(r));
        }
        for (int i = 0; i < layout.physicalSlots(); i++) {
            h = step(h, p.physicalToLogical(i));
        }
        for (int i = 0; i < p.transferCount(); i++) {
            h = step(h, p.transferExpert(i));
            h = step(h, p.transferFrom(i));
            h = step(h, p.transferTo(i));
        }
        for (int e = 0; e < experts; e++) {
            h = step(h, p.expertLoad(e));
            for (int j = 0; j < p.instanceCount(e); j++) {
                h = step(h, p.instanceRank(e, j));
                h = step(h, p.instanceQuota(e, j));
                h = step(h, p.instancePhysical(e, j));
                if (p.hasSourceSplit()) {
                    for (int s = 0; s < ranks; s++) {
                        h = step(h, p.tokens(s, e, j));
                    }
                }
            }
        }
        return h;
    }

    private static long step(long h, long v) {
        return (h ^ v) * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
    }
}
