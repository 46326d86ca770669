package io.keel.props.ep;

import java.util.ArrayList;
import java.util.List;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.ReplicationPlan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks every invariant DESIGN.md lists for a {@link ReplicationPlan}, recomputed from scratch. */
final class PlanInvariants {
    private PlanInvariants() {
    }

    static void check(ReplicationPlan p, int[] loads, int minTokens, boolean localityAware, int[][] resident) {
        ExpertLayout l = p.layout();
        int ranks = l.ranks();
        int experts = l.experts();
        long[] initial = new long[ranks];
        long[] rankLoad = new long[ranks];
        int[] replicasOn = new int[ranks];
        long total = 0;
        long off = 0;
        int replicas = 0;
        int expectedTransfers = 0;
        for (int e = 0; e < experts; e++) {
            long expert = 0;
            for (int s = 0; s < ranks; s++) {
                expert += loads[s * experts + e];
            }
            total += expert;
            initial[l.homeRank(e)] += expert;
            assertEquals(expert, p.expertLoad(e));
            int c = p.instanceCount(e);
            assertTrue(c >= 1 && c <= p.maxInstanceCount());
            assertEquals(l.homeRank(e), p.instanceRank(e, 0), "instance 0 is the master");
            assertEquals(l.masterPhysical(e), p.instancePhysical(e, 0));
            long quotas = 0;
            for (int j = 0; j < c; j++) {
                int r = p.instanceRank(e, j);
                int q = p.instanceQuota(e, j);
                assertTrue(q >= 0);
                quotas += q;
                rankLoad[r] += q;
                assertEquals(e, p.physicalToLogical(p.instancePhysical(e, j)));
                if (j > 0) {
                    replicas++;
                    replicasOn[r]++;
                    assertTrue(q >= Math.max(1, minTokens), "replica below minTokensPerReplica: " + q);
                    assertEquals(l.domainOf(l.homeRank(e)), l.domainOf(r), "replica left its home domain");
                    assertTrue(j == 1 || p.instanceRank(e, j - 1) < r, "replicas in ascending rank order");
                    assertTrue(r != l.homeRank(e), "two instances of one expert on a rank");
                    int phys = p.instancePhysical(e, j);
                    assertTrue(phys >= l.physicalBase(r) + l.mastersOn(r) && phys < l.physicalBase(r + 1));
                    if (!isResident(resident, r, e)) {
                        expectedTransfers++;
                    }
                }
                long fromSources = 0;
                for (int s = 0; s < ranks; s++) {
                    int t = p.tokens(s, e, j);
                    assertTrue(t >= 0);
                    fromSources += t;
                    if (s != r) {
                        off += t;
                    }
                }
                assertEquals(q, fromSources, "instance quota = tokens it receives");
            }
            assertEquals(expert, quotas, "tokens conserved per expert");
            for (int s = 0; s < ranks; s++) {
                int prev = 0;
                for (int j = 0; j < c; j++) {
                    int pre = p.tokensPrefix(s, e, j);
                    assertTrue(pre >= prev);
                    assertEquals(prev + p.tokens(s, e, j), pre);
                    prev = pre;
                }
                assertEquals(loads[s * experts + e], prev, "tokens conserved per (source, expert)");
            }
            if (c > 1) {
                checkLargestRemainder(p, loads, e, localityAware);
            }
        }
        for (int s = 0; s < ranks; s++) {
            int[] table = new int[experts * p.maxInstanceCount()];
            p.writeReroutePrefix(s, table, p.maxInstanceCount());
            for (int e = 0; e < experts; e++) {
                for (int j = 0; j < p.instanceCount(e); j++) {
                    assertEquals(p.tokensPrefix(s, e, j), table[e * p.maxInstanceCount() + j]);
                }
            }
        }
        assertEquals(replicas, p.replicaCount());
        assertEquals(off, p.tokensOffSource());
        assertEquals(total, p.totalTokens());
        long max = 0;
        long initialMax = 0;
        for (int r = 0; r < ranks; r++) {
            assertTrue(replicasOn[r] <= l.slotsPerRank(), "more replicas than slots on rank " + r);
            assertEquals(rankLoad[r], p.rankLoad(r));
            assertEquals(initial[r], p.initialRankLoad(r));
            max = Math.max(max, rankLoad[r]);
            initialMax = Math.max(initialMax, initial[r]);
        }
        long lower = 0;
        for (int d = 0; d < l.domains(); d++) {
            long sum = 0;
            for (int r = d * l.domainSize(); r < (d + 1) * l.domainSize(); r++) {
                sum += initial[r];
            }
            lower = Math.max(lower, (sum + l.domainSize() - 1) / l.domainSize());
        }
        assertEquals(lower, p.lowerBound());
        assertEquals(max, p.maxRankLoad());
        assertEquals(initialMax, p.initialMaxRankLoad());
        assertTrue(max >= lower, "below the lower bound");
        assertTrue(max <= initialMax, "worse than no replication");
        assertTrue(max <= p.threshold());
        int used = 0;
        for (int i = 0; i < l.physicalSlots(); i++) {
            if (p.physicalToLogical(i) >= 0) {
                used++;
            }
        }
        assertEquals(experts + replicas, used);
        assertEquals(expectedTransfers, p.transferCount());
        for (int i = 0; i < p.transferCount(); i++) {
            int e = p.transferExpert(i);
            assertEquals(l.homeRank(e), p.transferFrom(i));
            assertEquals(l.expertStateBytes(), p.transferBytes(i));
            assertTrue(!isResident(resident, p.transferTo(i), e));
            boolean found = false;
            for (int j = 1; j < p.instanceCount(e); j++) {
                found |= p.instanceRank(e, j) == p.transferTo(i);
            }
            assertTrue(found);
        }
    }

    /**
     * Recomputes expert {@code e}'s split from its loads and instances: each instance first takes
     * its own rank's tokens (up to its quota) when locality-aware; then each instance but the last,
     * in order, gets floor or floor + 1 of its proportional share of what is left, the + 1s going to
     * the largest remainders, ties to the lower source rank; the last takes the rest.
     */
    private static void checkLargestRemainder(ReplicationPlan p, int[] loads, int e, boolean localityAware) {
        int ranks = p.layout().ranks();
        int experts = p.layout().experts();
        int c = p.instanceCount(e);
        long[] left = new long[ranks];
        for (int s = 0; s < ranks; s++) {
            left[s] = loads[s * experts + e];
        }
        long[] local = new long[c];
        long remaining = 0;
        for (int j = 0; j < c; j++) {
            int r = p.instanceRank(e, j);
            local[j] = localityAware ? Math.min(left[r], p.instanceQuota(e, j)) : 0;
            left[r] -= local[j];
        }
        for (int j = 0; j < c; j++) {
            remaining += p.instanceQuota(e, j) - local[j];
        }
        for (int j = 0; j < c; j++) {
            int r = p.instanceRank(e, j);
            long need = p.instanceQuota(e, j) - local[j];
            long[] x = new long[ranks];
            for (int s = 0; s < ranks; s++) {
                x[s] = p.tokens(s, e, j) - (s == r ? local[j] : 0);
                assertTrue(x[s] >= 0, "instance " + j + " of expert " + e + " lost its local tokens");
            }
            if (j == c - 1) {
                assertArrayEquals(left, x, "the last instance of expert " + e + " takes the rest");
                break;
            }
            long[] rem = new long[ranks];
            boolean[] up = new boolean[ranks];
            long extra = need;
            for (int s = 0; s < ranks; s++) {
                long floor = remaining == 0 ? 0 : left[s] * need / remaining;
                rem[s] = remaining == 0 ? 0 : left[s] * need % remaining;
                up[s] = x[s] == floor + 1;
                assertTrue(x[s] == floor || up[s], "expert " + e + " instance " + j + " source " + s + ": "
                        + x[s] + " is not floor or floor + 1 of " + left[s] + " * " + need + " / " + remaining);
                extra -= floor;
            }
            for (int s = 0; s < ranks; s++) {
                if (up[s]) {
                    extra--;
                    for (int t = 0; t < ranks; t++) {
                        assertTrue(up[t] || rem[s] > rem[t] || (rem[s] == rem[t] && s < t), "expert " + e
                                + " instance " + j + ": source " + s + " (remainder " + rem[s] + ") rounded up before source "
                                + t + " (remainder " + rem[t] + ")");
                    }
                }
                left[s] -= x[s];
            }
            assertEquals(0, extra, "expert " + e + " instance " + j + ": rounded up as many as the deficit");
            remaining -= need;
        }
    }

    private static boolean isResident(int[][] resident, int r, int e) {
        for (int[] x : resident) {
            if (x[0] == r && x[1] == e) {
                return true;
            }
        }
        return false;
    }

    /** Instances (rank, quota) per expert, flattened. */
    static long[] placement(ReplicationPlan p) {
        List<Long> v = new ArrayList<>();
        for (int e = 0; e < p.layout().experts(); e++) {
            v.add((long) p.instanceCount(e));
            for (int j = 0; j < p.instanceCount(e); j++) {
                v.add((long) p.instanceRank(e, j));
                v.add((long) p.instanceQuota(e, j));
                v.add((long) p.instancePhysical(e, j));
            }
        }
        return v.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Everything observable in a plan made from the matrix {@code loads}; fails unless the plan
     * is one of {@code loads} (its per-expert and total tokens are the matrix's), so a fingerprint
     * never describes a stale or foreign plan.
     */
    static long[] fingerprint(ReplicationPlan p, int[] loads) {
        ExpertLayout l = p.layout();
        int ranks = l.ranks();
        int experts = l.experts();
        assertEquals(ranks * experts, loads.length, "loads is not a matrix of the plan's layout");
        long total = 0;
        for (int e = 0; e < experts; e++) {
            long expert = 0;
            for (int s = 0; s < ranks; s++) {
                expert += loads[s * experts + e];
            }
            total += expert;
            assertEquals(expert, p.expertLoad(e), "the plan is not of these loads: expert " + e);
        }
        assertEquals(total, p.totalTokens(), "the plan is not of these loads");
        List<Long> v = new ArrayList<>();
        for (long x : placement(p)) {
            v.add(x);
        }
        for (int e = 0; e < experts; e++) {
            v.add((long) p.expertLoad(e));
            for (int j = 0; j < p.instanceCount(e); j++) {
                for (int s = 0; s < ranks; s++) {
                    v.add((long) p.tokens(s, e, j));
                }
            }
        }
        for (int i = 0; i < l.physicalSlots(); i++) {
            v.add((long) p.physicalToLogical(i));
        }
        for (int i = 0; i < p.transferCount(); i++) {
            v.add((long) p.transferExpert(i));
            v.add((long) p.transferFrom(i));
            v.add((long) p.transferTo(i));
            v.add(p.transferBytes(i));
        }
        for (int r = 0; r < ranks; r++) {
            v.add(p.initialRankLoad(r));
            v.add(p.rankLoad(r));
        }
        v.add(p.lowerBound());
        v.add(p.threshold());
        v.add((long) p.replicaCount());
        v.add(p.tokensOffSource());
        v.add(p.totalTokens());
        return v.stream().mapToLong(Long::longValue).toArray();
    }
}
