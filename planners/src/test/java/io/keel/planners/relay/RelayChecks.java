package io.keel.planners.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.planners.testing.RelayTuples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Invariants every relay plan keeps, and a random layer generator. */
final class RelayChecks {
    private RelayChecks() {
    }

    /** The request's transfers as {@link RelayTuples}, sorted. */
    static List<List<Long>> requested(RelayRequest q) {
        List<List<Long>> out = new ArrayList<>();
        for (int i = 0; i < q.size(); i++) {
            out.add(RelayTuples.transfer(q.expert[i], q.from[i], q.sourceOffset[i], q.to[i], q.targetOffset[i],
                    q.stateBytes()));
        }
        out.sort(RelayTuples.ORDER);
        return out;
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
            long s = q.stateBytes();
            for (int i = 0; i < domain && added < k; i++) {
                int to = base + (first + i) % domain;
                if (to != home) {
                    // Offsets from the ids (no draws): every expert its own source slot and its own
                    // target slot (the same on each target rank), so a plan that mixed experts up
                    // would deliver elsewhere.
                    q.add(e, home, to, (long) e * s, (long) (experts + e) * s);
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


    /**
     * The plan's invariants, and that it delivers exactly what {@code request} asked for: the
     * multiset of (expert, source, source offset, target, target offset, bytes) over its targets
     * equals the request's, with the request's state and chunk sizes.
     */
    static void check(RelayPlan plan, RelayRequest request) {
        assertEquals(request.stateBytes(), plan.stateBytes(), "state bytes");
        assertEquals(request.chunkBytes(), plan.chunkBytes(), "chunk bytes");
        sameTransfers(requested(request), RelayTuples.delivered(plan));
        check(plan);
    }

    /** Fails naming a few of the tuples only one side has (multisets: sorted lists compared). */
    static void sameTransfers(List<List<Long>> wanted, List<List<Long>> got) {
        if (wanted.equals(got)) {
            return;
        }
        List<List<Long>> missing = new ArrayList<>(wanted);
        List<List<Long>> extra = new ArrayList<>();
        for (List<Long> g : got) {
            if (!missing.remove(g)) {
                extra.add(g);
            }
        }
        fail("delivered (expert, source, sourceOffset, target, targetOffset, bytes) differ from the request: "
                + wanted.size() + " requested, " + got.size() + " delivered; not delivered "
                + missing.subList(0, Math.min(5, missing.size())) + (missing.size() > 5 ? "..." : "")
                + "; delivered but not requested " + extra.subList(0, Math.min(5, extra.size()))
                + (extra.size() > 5 ? "..." : ""));
    }

    private static void check(RelayPlan plan) {
        int ranks = plan.ranks();
        long s = plan.stateBytes();
        long[] out = new long[ranks];
        long[] in = new long[ranks];
        int transfers = 0;
        int lastExpert = -1;
        int deepest = 0;
        for (int t = 0; t < plan.treeCount(); t++) {
            assertTrue(plan.expert(t) > lastExpert, "trees in expert order");
            lastExpert = plan.expert(t);
            int k = plan.targetCount(t);
            int one = plan.stageOneCount(t);
            boolean[] seen = new boolean[ranks];
            // Breadth first: the source's block is 0 .. one - 1, then every forwarder's block in order.
            int nextBlock = one;
            int forwarders = 0;
            int depth = 0;
            int[] fed = new int[k];
            for (int j = 0; j < k; j++) {
                int to = plan.target(t, j);
                assertTrue(to != plan.source(t), "no target is its own source");
                assertTrue(!seen[to], "each target once");
                seen[to] = true;
                in[to] += s;
                int parent = plan.parent(t, j);
                assertEquals(j < one ? -1 : parent, parent, "the source feeds exactly the first block");
                if (parent < 0) {
                    assertTrue(j < one);
                    assertEquals(1, plan.hops(t, j));
                    out[plan.source(t)] += s;
                } else {
                    // A target forwards only what it received: its parent comes earlier (no cycles).
                    assertTrue(parent < j, "parent before child");
                    assertTrue(plan.childCount(t, parent) > 0);
                    assertTrue(j >= plan.childStart(t, parent) && j < plan.childStart(t, parent) + plan.childCount(t, parent),
                            "child inside its parent's block");
                    assertEquals(plan.hops(t, parent) + 1, plan.hops(t, j));
                    out[plan.target(t, parent)] += s;
                    fed[parent]++;
                }
                depth = Math.max(depth, plan.hops(t, j));
                if (plan.childCount(t, j) > 0) {
                    forwarders++;
                    assertEquals(nextBlock, plan.childStart(t, j), "blocks follow their parents' order");
                    nextBlock += plan.childCount(t, j);
                }
            }
            assertEquals(k, nextBlock);
            for (int j = 0; j < k; j++) {
                assertEquals(plan.childCount(t, j), fed[j]);
            }
            assertEquals(forwarders, plan.relayCount(t));
            assertEquals(depth, plan.depth(t));
            deepest = Math.max(deepest, depth);
            if (depth <= 2) {
                for (int j = 0; j < plan.relayCount(t); j++) {
                    assertTrue(plan.childCount(t, j) > 0, "depth 2: relays come first");
                }
            }
            transfers += k;
        }
        assertEquals(deepest, plan.depth());
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
        if (plan.depth() <= 2) {
            assertTrue(plan.makespanSeconds() >= plan.depthTwoBoundSeconds() * (1 - 1e-12),
                    plan.makespanSeconds() + " < depth-2 bound " + plan.depthTwoBoundSeconds());
        }
        if (plan.policy() != RelayPolicy.BALANCED_TREES) {
            assertTrue(plan.depth() <= 2, plan.policy() + " builds depth-2 trees");
        }
    }
}
