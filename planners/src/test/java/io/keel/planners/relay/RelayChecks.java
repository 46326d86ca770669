package io.keel.planners.relay;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invariants every relay plan keeps, and a random layer generator. */
final class RelayChecks {
    private RelayChecks() {
    }

    /**
     * Fills {@code q} with a random layer: experts with Zipf-ish target counts, homes spread over
     * ranks, targets in the home's domain of {@code domain} ranks.
     */
    static void randomLayer(SplittableRandom rnd, RelayRequest q, int ranks, int experts, int domain) {
        q.clear().stateBytes(1L << (20 + rnd.nextInt(8)));
        int budget = q.capacity();
        for (int e = 0; e < experts && budget > 0; e++) {
            if (rnd.nextInt(3) != 0) {
                continue;
            }
            int home = rnd.nextInt(ranks);
            int base = home / domain * domain;
            int k = Math.min(budget, 1 + (int) (domain * Math.pow(rnd.nextDouble(), 2)));
            k = Math.min(k, domain - 1);
            int first = rnd.nextInt(domain);
            int added = 0;
            for (int i = 0; i < domain && added < k; i++) {
                int to = base + (first + i) % domain;
                if (to != home) {
                    q.add(e, home, to);
                    added++;
                }
            }
            budget -= added;
        }
    }

    /**
     * Fills {@code q} like a replication plan: each rank has {@code slots} redundant slots,
     * experts live in contiguous blocks, hot experts (a few, with many replicas) and warm ones
     * take the free slots of their home domain of {@code domain} ranks.
     */
    static void slottedLayer(SplittableRandom rnd, RelayRequest q, int ranks, int experts, int domain, int slots) {
        q.clear().stateBytes(1L << (20 + rnd.nextInt(8)));
        int[] free = new int[ranks];
        java.util.Arrays.fill(free, slots);
        int per = experts / ranks;
        for (int tries = 0; tries < experts; tries++) {
            int e = rnd.nextInt(experts);
            int home = e / per;
            int base = home / domain * domain;
            int k = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(domain - 1) : 1 + rnd.nextInt(2);
            int first = rnd.nextInt(domain);
            boolean already = false;
            for (int i = 0; i < q.size(); i++) {
                already |= q.expert[i] == e;
            }
            if (already) {
                continue;
            }
            for (int i = 0; i < domain && k > 0 && q.size() < q.capacity(); i++) {
                int to = base + (first + i) % domain;
                if (to != home && free[to] > 0) {
                    free[to]--;
                    q.add(e, home, to);
                    k--;
                }
            }
        }
    }

    static void check(RelayPlan plan) {
        int ranks = plan.ranks();
        long s = plan.stateBytes();
        long[] out = new long[ranks];
        long[] in = new long[ranks];
        int transfers = 0;
        int lastExpert = -1;
        for (int t = 0; t < plan.treeCount(); t++) {
            assertTrue(plan.expert(t) > lastExpert, "trees in expert order");
            lastExpert = plan.expert(t);
            int k = plan.targetCount(t);
            int one = plan.stageOneCount(t);
            boolean[] seen = new boolean[ranks];
            int leaves = 0;
            for (int j = 0; j < k; j++) {
                int to = plan.target(t, j);
                assertTrue(to != plan.source(t), "no target is its own source");
                assertTrue(!seen[to], "each target once");
                seen[to] = true;
                in[to] += s;
                int parent = plan.parent(t, j);
                if (j < one) {
                    assertEquals(-1, parent, "stage 1 comes from the source");
                    out[plan.source(t)] += s;
                    if (j < plan.relayCount(t)) {
                        assertTrue(plan.childCount(t, j) > 0);
                        for (int c = 0; c < plan.childCount(t, j); c++) {
                            assertEquals(j, plan.parent(t, plan.childStart(t, j) + c), "relay blocks");
                        }
                        leaves += plan.childCount(t, j);
                    } else {
                        assertEquals(0, plan.childCount(t, j));
                    }
                } else {
                    // Relays forward only what they received: a leaf's parent is a stage-1 relay.
                    assertTrue(parent >= 0 && parent < plan.relayCount(t), "leaf under a relay");
                    assertEquals(0, plan.childCount(t, j), "depth 2");
                    out[plan.target(t, parent)] += s;
                }
            }
            assertEquals(k - one, leaves);
            transfers += k;
        }
        assertEquals(transfers, plan.transferCount());
        long sumOut = 0;
        for (int r = 0; r < ranks; r++) {
            assertEquals(out[r], plan.egressBytes(r), "egress of rank " + r);
            assertEquals(in[r], plan.ingressBytes(r), "ingress of rank " + r);
            sumOut += out[r];
        }
        assertEquals(plan.totalBytes(), sumOut);
        assertTrue(plan.makespanSeconds() >= plan.lowerBoundSeconds() * (1 - 1e-12),
                plan.makespanSeconds() + " < " + plan.lowerBoundSeconds());
        assertTrue(plan.makespanSeconds() >= plan.depthTwoBoundSeconds() * (1 - 1e-12),
                plan.makespanSeconds() + " < depth-2 bound " + plan.depthTwoBoundSeconds());
    }
}
