package io.keel.bench.sim.ep;

import io.keel.planners.relay.RelayPlan;

/**
 * A chunk-level discrete-event simulation of a {@link RelayPlan}'s trees on the links, written
 * independently of the planner's makespan model so that it can check it.
 *
 * <p>Every tree edge (parent to target) moves the state chunk by chunk; an edge out of a relay
 * may send chunk {@code i} only once the relay holds all of it. Each rank has one egress and one
 * ingress link of the same bandwidth. At every moment the edges that can send share the links
 * max-min fairly (progressive filling: the most contended link fixes the rate of its edges,
 * then the next); the simulation advances to the next moment an edge finishes a chunk. The
 * makespan is the time the last chunk arrives.
 *
 * <p>Cost: O(edges x chunks) events, each O(edges x bottleneck links). A cold-path harness:
 * allocates its arrays per call. Threading: any thread, no shared state.
 */
public final class ChunkLinkSimulator {
    private ChunkLinkSimulator() {
    }

    /** The simulated makespan of {@code plan}, in seconds, with every link at {@code bytesPerSecond}. */
    public static double makespanSeconds(RelayPlan plan, double bytesPerSecond) {
        Edges g = Edges.of(plan);
        return new Run(g, plan.ranks(), plan.chunksPerState(), plan.stateBytes(), plan.chunkBytes(),
                bytesPerSecond).finish();
    }

    /** The tree edges of a plan: sender, receiver, and the edge that feeds the sender (-1: the source). */
    private record Edges(int[] from, int[] to, int[] feed, int count) {
        static Edges of(RelayPlan plan) {
            int n = plan.transferCount();
            int[] from = new int[n];
            int[] to = new int[n];
            int[] feed = new int[n];
            int at = 0;
            for (int t = 0; t < plan.treeCount(); t++) {
                int base = at;
                for (int j = 0; j < plan.targetCount(t); j++) {
                    int p = plan.parent(t, j);
                    from[at] = p < 0 ? plan.source(t) : plan.target(t, p);
                    to[at] = plan.target(t, j);
                    feed[at] = p < 0 ? -1 : base + p;
                    at++;
                }
            }
            return new Edges(from, to, feed, at);
        }
    }

    /** One simulation. */
    private static final class Run {
        private final Edges g;
        private final int ranks;
        private final int chunks;
        private final long state;
        private final long chunk;
        private final double bw;
        private final int[] done;
        private final double[] progress;
        private final double[] rate;
        private final boolean[] frozen;
        private final double[] capacity;
        private final int[] users;

        Run(Edges g, int ranks, int chunks, long state, long chunk, double bw) {
            this.g = g;
            this.ranks = ranks;
            this.chunks = chunks;
            this.state = state;
            this.chunk = chunk;
            this.bw = bw;
            done = new int[g.count()];
            progress = new double[g.count()];
            rate = new double[g.count()];
            frozen = new boolean[g.count()];
            capacity = new double[2 * ranks];
            users = new int[2 * ranks];
        }

        private double chunkBytes(int i) {
            return Math.min(chunk, state - (long) i * chunk);
        }

        private boolean canSend(int e) {
            int f = g.feed()[e];
            return done[e] < chunks && (f < 0 || done[f] > done[e]);
        }

        double finish() {
            double time = 0;
            while (true) {
                int active = shareLinks();
                if (active == 0) {
                    return time;
                }
                double dt = Double.MAX_VALUE;
                for (int e = 0; e < g.count(); e++) {
                    if (rate[e] > 0) {
                        dt = Math.min(dt, (chunkBytes(done[e]) - progress[e]) / rate[e]);
                    }
                }
                time += dt;
                for (int e = 0; e < g.count(); e++) {
                    if (rate[e] > 0) {
                        progress[e] += rate[e] * dt;
                        if (chunkBytes(done[e]) - progress[e] <= 1e-9 * chunk) {
                            done[e]++;
                            progress[e] = 0;
                        }
                    }
                }
            }
        }

        /** Max-min fair rates of the edges that can send; returns how many can. */
        private int shareLinks() {
            java.util.Arrays.fill(capacity, bw);
            java.util.Arrays.fill(users, 0);
            int active = 0;
            for (int e = 0; e < g.count(); e++) {
                rate[e] = 0;
                frozen[e] = !canSend(e);
                if (!frozen[e]) {
                    users[g.from()[e]]++;
                    users[ranks + g.to()[e]]++;
                    active++;
                }
            }
            for (int left = active; left > 0; ) {
                int link = -1;
                for (int l = 0; l < 2 * ranks; l++) {
                    if (users[l] > 0 && (link < 0 || capacity[l] / users[l] < capacity[link] / users[link])) {
                        link = l;
                    }
                }
                double share = capacity[link] / users[link];
                for (int e = 0; e < g.count(); e++) {
                    if (!frozen[e] && (g.from()[e] == link || ranks + g.to()[e] == link)) {
                        rate[e] = share;
                        frozen[e] = true;
                        left--;
                        capacity[g.from()[e]] -= share;
                        capacity[ranks + g.to()[e]] -= share;
                        users[g.from()[e]]--;
                        users[ranks + g.to()[e]]--;
                    }
                }
            }
            return active;
        }
    }
}
