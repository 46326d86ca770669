package io.keel.bench.sim.ep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.keel.planners.ep.EplbRebalancer;
import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.MoveBatcher;
import io.keel.planners.ep.NodeFailureExposure;
import io.keel.planners.ep.PlacementImbalance;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.ep.RebalancePlan;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.planners.ep.SlotLayout;

/**
 * A serving replay of EPLB-style periodic rebalancing, as vLLM runs it: steps of per-layer expert
 * loads are served on the placement in effect; every {@code rebalanceEvery} steps each strategy
 * re-plans on the window of the last {@code rebalanceEvery} steps (loads summed) and moves copies.
 * The served imbalance of a step and layer is max / mean GPU load of that step's loads on the
 * placement (each expert's tokens split evenly over its copies, {@link PlacementImbalance}).
 *
 * <p>Strategies: {@code eplb} (EPLB from scratch at every rebalance; its moves are the slots whose
 * expert changed), {@code incremental-5/10/25} ({@link EplbRebalancer} from the current placement
 * with a budget of that percentage of all copies, capped by {@code maxMoves}), and {@code quota}
 * (keel's {@link QuotaPlanner} on every step's exact loads, the reference: its moves are the
 * replicas it creates each step). All start from EPLB's placement for step 0; serving is measured
 * from step 1. A variant {@code incremental-25-spread} spreads hot experts over nodes, for the
 * failure drills' with/without comparison.
 *
 * <p>Skip when balanced and chunked application: with a skip threshold, a layer whose current
 * placement serves the window at or below it (max / mean) keeps its placement at that rebalance
 * (for {@code eplb} too, until a rank fails: its from-scratch plan replaces only the other layers;
 * the incremental strategies skip a layer only when it lost no expert); the report counts
 * skipped (rebalance, layer) pairs and rebalances where every layer was skipped. With a batch size,
 * each incremental plan's moves are ordered by {@link MoveBatcher} into batches of at most that many
 * bytes and the batches are counted (EPLB's from-scratch plan is not a list of moves from the
 * current placement, so it is not batched).
 *
 * <p>Failure drills: at a drill's step the rank (or every rank of the node) fails before the step is
 * served; each EPLB-family strategy counts its experts left without a copy, re-plans at once over the
 * survivors (timed; the failed ranks stay excluded afterwards) and serves the step on the result.
 *
 * <p>Cold path: allocates freely. Deterministic but for the timings.
 */
public final class ServeReplay {
    /** A failure: a rank, or a whole node when {@code node}, fails before step {@code step} is served. */
    public record Failure(boolean node, int target, int step) {
    }

    /** One strategy's totals. */
    public record Strategy(String name, long movedCopies, long movedBytes, double meanImbalance, double p99Imbalance,
                           int rebalances, int lostExperts, Skips skips) {
    }

    /**
     * Skipping and batching of one strategy: (rebalance, layer) pairs skipped as balanced, rebalances
     * with every layer skipped, and the batches its moves took (-1 when not batched), with how many
     * of them were over the batch size (a chain that cannot be split).
     */
    public record Skips(int skippedLayers, int skippedRebalances, long batches, long oversizedBatches) {
    }

    /** Skip threshold (max / mean; below 1 never skips) and batch size in bytes (0: not batched). */
    public record Options(double skipThreshold, long batchBytes) {
        /** No skipping, no batching. */
        public static final Options NONE = new Options(0, 0);
    }

    /** One strategy's side of one drill. */
    public record Drill(String kind, int target, int step, String strategy, int lostExperts,
                        int worstNodeLossBefore, double imbalanceBefore, double imbalanceAfterReplan,
                        double replanMicros, int restoredCopies) {
    }

    /** The replay's results. */
    public record Result(List<Strategy> strategies, List<Strategy> variants, List<Drill> drills) {
    }

    private static final int[] PERCENTS = {5, 10, 25};

    private ServeReplay() {
    }

    /**
     * Replays {@code steps} ({@code loads[layer * experts + e]} each) on {@code layout} with
     * {@code groups} EPLB groups, expert copies of {@code copyBytes}.
     */
    public static Result run(List<int[]> steps, int experts, int layers, int groups, SlotLayout layout, long copyBytes,
                             int rebalanceEvery, int maxMoves, List<Failure> failures) {
        return run(steps, experts, layers, groups, layout, copyBytes, rebalanceEvery, maxMoves, failures, Options.NONE);
    }

    /** As {@link #run(List, int, int, int, SlotLayout, long, int, int, List)}, skipping and batching per {@code options}. */
    public static Result run(List<int[]> steps, int experts, int layers, int groups, SlotLayout layout, long copyBytes,
                             int rebalanceEvery, int maxMoves, List<Failure> failures, Options options) {
        if (steps.size() < 2 || rebalanceEvery < 1 || maxMoves < 0) {
            throw new IllegalArgumentException("need >= 2 steps, rebalanceEvery >= 1 and maxMoves >= 0");
        }
        if (Double.isNaN(options.skipThreshold()) || options.batchBytes() < 0
                || (options.batchBytes() > 0 && options.batchBytes() < copyBytes)) {
            throw new IllegalArgumentException("skip threshold must not be NaN and batch bytes must be 0 or >= a copy's "
                    + copyBytes + ", was " + options.batchBytes());
        }
        for (Failure f : failures) {
            int limit = f.node() ? layout.nodes() : layout.ranks();
            if (f.target() < 0 || f.target() >= limit || f.step() < 1 || f.step() >= steps.size()) {
                throw new IllegalArgumentException((f.node() ? "node " : "rank ") + f.target() + "@" + f.step()
                        + ": target must be in [0, " + limit + ") and step in [1, " + steps.size() + ")");
            }
        }
        requireSurvivor(layout, failures);
        List<Strategy> strategies = new ArrayList<>();
        List<Strategy> variants = new ArrayList<>();
        List<Drill> drills = new ArrayList<>();
        strategies.add(new Run("eplb", -1, false, steps, experts, layers, groups, layout, copyBytes, rebalanceEvery,
                failures, drills, options).replay());
        for (int pct : PERCENTS) {
            int budget = (int) Math.min(maxMoves, Math.ceil(pct / 100.0 * layers * layout.slots()));
            strategies.add(new Run("incremental-" + pct, budget, false, steps, experts, layers, groups, layout, copyBytes,
                    rebalanceEvery, failures, drills, options).replay());
        }
        strategies.add(quota(steps, experts, layers, layout, copyBytes));
        int budget25 = (int) Math.min(maxMoves, Math.ceil(0.25 * layers * layout.slots()));
        variants.add(new Run("incremental-25-spread", budget25, true, steps, experts, layers, groups, layout, copyBytes,
                rebalanceEvery, failures, drills, options).replay());
        return new Result(strategies, variants, drills);
    }

    /** Failed ranks stay out, so the failures must leave a rank to serve on. @throws IllegalArgumentException otherwise */
    private static void requireSurvivor(SlotLayout layout, List<Failure> failures) {
        boolean[] down = new boolean[layout.ranks()];
        for (Failure f : failures) {
            int first = f.node() ? f.target() * layout.ranksPerNode() : f.target();
            int count = f.node() ? layout.ranksPerNode() : 1;
            Arrays.fill(down, first, first + count, true);
        }
        for (boolean d : down) {
            if (!d) {
                return;
            }
        }
        throw new IllegalArgumentException("the failures leave none of the " + layout.ranks()
                + " ranks to serve on (failed ranks stay out for the rest of the replay)");
    }

    /** One EPLB-family strategy over the replay. */
    private static final class Run {
        private final String name;
        private final int budget;
        private final List<int[]> steps;
        private final int experts;
        private final int layers;
        private final SlotLayout layout;
        private final long copyBytes;
        private final int every;
        private final List<Failure> failures;
        private final List<Drill> drills;
        private final Options options;
        private final MoveBatcher batcher;
        private final EplbRebalancer rebalancer;
        private final PlacementImbalance imbalance;
        private final NodeFailureExposure exposure;
        private final int[] placement;
        private final boolean[] eplbSkips;
        private final List<Double> served = new ArrayList<>();
        private int[] excluded = new int[0];
        private long moved;
        private int rebalances;
        private int lost;
        private int skippedLayers;
        private int skippedRebalances;
        private long batches;
        private long oversized;

        Run(String name, int budget, boolean spread, List<int[]> steps, int experts, int layers, int groups,
            SlotLayout layout, long copyBytes, int every, List<Failure> failures, List<Drill> drills, Options options) {
            this.name = name;
            this.budget = budget;
            this.steps = steps;
            this.experts = experts;
            this.layers = layers;
            this.layout = layout;
            this.copyBytes = copyBytes;
            this.every = every;
            this.failures = failures;
            this.drills = drills;
            this.options = options;
            batcher = new MoveBatcher(layers, experts, layout.slots());
            rebalancer = new EplbRebalancer(layers, experts, groups, layout, copyBytes, spread);
            imbalance = new PlacementImbalance(experts, layout.slotsPerRank());
            exposure = new NodeFailureExposure(experts, layout);
            placement = new int[layers * layout.slots()];
            eplbSkips = new boolean[layers];
        }

        Strategy replay() {
            rebalancer.rebalance(steps.get(0), layers).copyPhy2log(placement);
            int[] window = new int[layers * experts];
            for (int t = 1; t < steps.size(); t++) {
                if (t % every == 0 && t >= every) {
                    window(t, window);
                    RebalancePlan p = replan(window, options.skipThreshold());
                    rebalances++;
                    int skipped = 0;
                    for (int l = 0; l < layers; l++) {
                        skipped += skippedLayer(p, l) ? 1 : 0;
                    }
                    skippedLayers += skipped;
                    skippedRebalances += skipped == layers ? 1 : 0;
                    if (budget >= 0 && options.batchBytes() > 0) {
                        batcher.batch(p, options.batchBytes());
                        batches += batcher.batchCount();
                        oversized += batcher.oversizedBatches();
                    }
                }
                for (Failure f : failures) {
                    if (f.step() == t) {
                        window(t, window);
                        drill(f, t, window);
                    }
                }
                for (int l = 0; l < layers; l++) {
                    served.add(imbalance.imbalance(placement, steps.get(t), l));
                }
            }
            double[] v = served.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double mean = Arrays.stream(v).average().orElse(Double.NaN);
            double p99 = v[Math.max(0, (int) Math.ceil(0.99 * v.length) - 1)];
            return new Strategy(name, moved, moved * copyBytes, mean, p99, rebalances, lost,
                    new Skips(skippedLayers, skippedRebalances, budget < 0 || options.batchBytes() == 0 ? -1 : batches,
                            budget < 0 || options.batchBytes() == 0 ? -1 : oversized));
        }

        /**
         * The last {@code every} steps before {@code t} (fewer at the start), summed.
         *
         * @throws IllegalArgumentException when a sum exceeds an int (the planners' load type)
         */
        private void window(int t, int[] window) {
            Arrays.fill(window, 0);
            for (int s = Math.max(0, t - every); s < t; s++) {
                int[] loads = steps.get(s);
                for (int i = 0; i < window.length; i++) {
                    long sum = (long) window[i] + loads[i];
                    if (sum > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("expert " + i % experts + " of layer " + i / experts
                                + " receives over 2^31 - 1 tokens in a " + every + "-step rebalance window: use fewer "
                                + "tokens per step or a shorter --rebalance-every");
                    }
                    window[i] = (int) sum;
                }
            }
        }

        /** Whether layer {@code l} was skipped as balanced at the last rebalance. */
        private boolean skippedLayer(RebalancePlan p, int l) {
            return budget < 0 ? eplbSkips[l] : p.skipped(l);
        }

        private RebalancePlan replan(int[] window, double skipThreshold) {
            RebalancePlan p;
            final int slots = layout.slots();
            if (budget < 0) {
                for (int l = 0; l < layers; l++) {
                    eplbSkips[l] = skipThreshold >= 1 && excluded.length == 0
                            && imbalance.imbalance(placement, window, l) <= skipThreshold;
                }
                p = rebalancer.rebalance(null, window, layers, Integer.MAX_VALUE, Long.MAX_VALUE, 0, excluded);
                for (int l = 0; l < layers; l++) {
                    if (eplbSkips[l]) {
                        continue;
                    }
                    for (int q = 0; q < slots; q++) {
                        int e = p.phy2log(l, q);
                        moved += e >= 0 && e != placement[l * slots + q] ? 1 : 0;
                        placement[l * slots + q] = e;
                    }
                }
                return p;
            }
            p = rebalancer.rebalance(placement, window, layers, budget, Long.MAX_VALUE, skipThreshold, excluded);
            moved += p.movedCopies();
            p.copyPhy2log(placement);
            return p;
        }

        private void drill(Failure f, int t, int[] window) {
            int worst = 0;
            for (int l = 0; l < layers; l++) {
                worst = Math.max(worst, exposure.worstNodeLoss(placement, l));
            }
            int first = f.node() ? f.target() * layout.ranksPerNode() : f.target();
            int count = f.node() ? layout.ranksPerNode() : 1;
            int[] more = Arrays.copyOf(excluded, excluded.length + count);
            for (int i = 0; i < count; i++) {
                more[excluded.length + i] = first + i;
            }
            excluded = more;
            int lostHere = 0;
            double before = 0;
            for (int l = 0; l < layers; l++) {
                int[] copies = new int[experts];
                for (int q = 0; q < layout.slots(); q++) {
                    int at = l * layout.slots() + q;
                    int r = layout.rankOf(q);
                    if (r >= first && r < first + count) {
                        placement[at] = -1;
                    }
                    if (placement[at] >= 0) {
                        copies[placement[at]]++;
                    }
                }
                for (int e = 0; e < experts; e++) {
                    lostHere += copies[e] == 0 ? 1 : 0;
                }
                before += imbalance.imbalance(placement, steps.get(t), l);
            }
            lost += lostHere;
            int[] start = placement.clone();
            long best = Long.MAX_VALUE;
            RebalancePlan p = null;
            for (int rep = 0; rep < 5; rep++) {
                System.arraycopy(start, 0, placement, 0, start.length);
                long movedBefore = moved;
                long t0 = System.nanoTime();
                p = replan(window, 0);
                best = Math.min(best, System.nanoTime() - t0);
                if (rep < 4) {
                    moved = movedBefore;
                }
            }
            double after = 0;
            for (int l = 0; l < layers; l++) {
                after += imbalance.imbalance(placement, steps.get(t), l);
            }
            drills.add(new Drill(f.node() ? "node" : "rank", f.target(), t, name, lostHere, worst, before / layers,
                    after / layers, best / 1e3, p.restoredCopies()));
        }
    }

    /** The quota planner on every step's exact per-layer totals. */
    private static Strategy quota(List<int[]> steps, int experts, int layers, SlotLayout layout, long copyBytes) {
        int ranks = layout.ranks();
        int redundant = layout.slotsOf(0) - experts / ranks;
        if (!layout.uniform() || experts % ranks != 0 || redundant < 0) {
            throw new IllegalArgumentException("the quota reference needs a uniform layout with experts a multiple of ranks");
        }
        ExpertLayout el = ExpertLayout.contiguous(ranks, experts, redundant, ranks, copyBytes);
        QuotaPlanner planner = new QuotaPlanner(el, QuotaPlanner.Options.DEFAULTS.withMinTokensPerReplica(1));
        int[] totals = new int[experts];
        List<Double> served = new ArrayList<>();
        long moved = 0;
        for (int t = 1; t < steps.size(); t++) {
            for (int l = 0; l < layers; l++) {
                System.arraycopy(steps.get(t), l * experts, totals, 0, experts);
                ReplicationPlan p = planner.planTotals(totals);
                served.add(p.totalTokens() == 0 ? 1.0 : p.imbalance());
                moved += p.replicaCount();
            }
        }
        double[] v = served.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Strategy("quota", moved, moved * copyBytes, Arrays.stream(v).average().orElse(Double.NaN),
                v[Math.max(0, (int) Math.ceil(0.99 * v.length) - 1)], steps.size() - 1, 0, new Skips(0, 0, -1, -1));
    }
}
