package io.keel.bench.sim.ep;

import java.util.SplittableRandom;

import io.keel.planners.ep.ExpertLayout;

/**
 * UltraEP's synthetic router workload, re-derived: rank {@code r} gets weight {@code 1/(r+1)^alpha},
 * its {@code m} master experts split it as {@code 1/(i+1)^4} (when {@code m > 1}), and each token
 * draws {@code topk} distinct experts by weight (successive sampling). {@code alpha} is found by
 * bisection so that the rank-level max/mean of the experts' top-k inclusion probabilities equals
 * the target imbalance. Inclusion probabilities of successive sampling use Rosen's approximation
 * {@code pi_e = 1 - exp(-p_e t)} with {@code t} such that they sum to {@code topk} (drawing k
 * distinct experts by weight is the order sampling with exponential keys that it describes).
 *
 * <p>Top-k over a quarter of the experts draws each token's experts at once by exponential keys
 * (the same distribution; redrawing duplicates would cost O(E k) a token there).
 *
 * <p>Seedable and deterministic: source rank {@code s} of microbatch {@code b} draws from its own
 * {@code SplittableRandom(seed)} stream. Allocates its weight tables at construction; {@link
 * #fill} writes into a caller-provided matrix.
 */
public final class UltraEpWorkload {
    private final int ranks;
    private final int experts;
    private final int topk;
    private final int tokensPerRank;
    private final long seed;
    private final double alpha;
    private final double expectedImbalance;
    private final double[] cumulative;
    /** Each expert's weight (they sum to 1). */
    private final double[] weight;

    /**
     * A workload for {@code layout} (its ranks and master placement) with {@code topk} experts
     * per token, {@code tokensPerRank} tokens per source rank and a target rank-level imbalance
     * (>= 1).
     */
    public UltraEpWorkload(ExpertLayout layout, int topk, int tokensPerRank, double targetImbalance, long seed) {
        this.ranks = layout.ranks();
        this.experts = layout.experts();
        if (topk < 1 || topk > experts) {
            throw new IllegalArgumentException("topk must be in [1, " + experts + "], was " + topk);
        }
        if (tokensPerRank < 0) {
            throw new IllegalArgumentException("tokensPerRank must be >= 0, was " + tokensPerRank);
        }
        if (!(targetImbalance >= 1.0) || targetImbalance > ranks) {
            throw new IllegalArgumentException("imbalance must be in [1, " + ranks + "], was " + targetImbalance);
        }
        this.topk = topk;
        this.tokensPerRank = tokensPerRank;
        this.seed = seed;
        double[] p = new double[experts];
        double lo = 0;
        double hi = 64;
        if (imbalance(layout, hi, p) < targetImbalance) {
            throw new IllegalArgumentException("imbalance " + targetImbalance + " is out of reach for this layout and topk");
        }
        for (int it = 0; it < 200 && hi - lo > 1e-12; it++) {
            double mid = 0.5 * (lo + hi);
            if (imbalance(layout, mid, p) < targetImbalance) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        alpha = hi;
        expectedImbalance = imbalance(layout, alpha, p);
        cumulative = new double[experts];
        weight = p.clone();
        double acc = 0;
        for (int e = 0; e < experts; e++) {
            acc += p[e];
            cumulative[e] = acc;
        }
        for (int e = 0; e < experts; e++) {
            cumulative[e] /= acc;
        }
    }

    /** Expert {@code e}'s weight (the weights sum to 1). */
    double weight(int e) {
        return weight[e];
    }

    /** The alpha the bisection found. */
    public double alpha() {
        return alpha;
    }

    /** Rank-level max/mean of the inclusion probabilities at {@link #alpha()}. */
    public double expectedImbalance() {
        return expectedImbalance;
    }

    /**
     * Writes microbatch {@code batch}'s loads {@code out[s * E + e]} (tokens of source s routed to e).
     * Each pick draws by weight and redraws a duplicate; after {@link #REDRAWS} duplicates in a row
     * (a few experts hold nearly all the weight, as near the largest reachable imbalance, where a
     * redraw could take forever: experts below a double's resolution of the cumulative weights are
     * never drawn) it draws once over the experts not yet chosen. Both give the same distribution.
     */
    public void fill(int batch, int[] out) {
        if (out.length != ranks * experts) {
            throw new IllegalArgumentException("out length must be " + ranks * experts + ", was " + out.length);
        }
        java.util.Arrays.fill(out, 0);
        int[] chosen = new int[topk];
        SplittableRandom base = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + batch);
        if (4 * topk > experts) {
            fillByKeys(base, out);
            return;
        }
        for (int s = 0; s < ranks; s++) {
            SplittableRandom rnd = base.split();
            int row = s * experts;
            for (int t = 0; t < tokensPerRank; t++) {
                for (int n = 0; n < topk; n++) {
                    int e = -1;
                    for (int tries = 0; tries < REDRAWS && e < 0; tries++) {
                        e = draw(rnd.nextDouble());
                        if (contains(chosen, n, e)) {
                            e = -1;
                        }
                    }
                    if (e < 0) {
                        e = drawExcluding(rnd.nextDouble(), chosen, n);
                    }
                    chosen[n] = e;
                    out[row + e]++;
                }
            }
        }
    }

    /**
     * {@link #fill} when top-k is over a quarter of the experts, where redrawing duplicates (and
     * drawing over the unchosen, O(E) a pick) would take O(E k) a token: each token gives every
     * expert an exponential key {@code -ln(u) / weight} and takes the k smallest, which is the same
     * successive sampling by weight (order sampling with exponential keys) at O(E log E) a token.
     */
    private void fillByKeys(SplittableRandom base, int[] out) {
        double[] keys = new double[experts];
        int[] order = new int[experts];
        io.keel.core.ArgSort sort = new io.keel.core.ArgSort(experts);
        for (int s = 0; s < ranks; s++) {
            SplittableRandom rnd = base.split();
            int row = s * experts;
            for (int t = 0; t < tokensPerRank; t++) {
                for (int e = 0; e < experts; e++) {
                    keys[e] = -Math.log(1.0 - rnd.nextDouble()) / weight[e];
                }
                sort.sort(keys, experts, order, false);
                for (int k = 0; k < topk; k++) {
                    out[row + order[k]]++;
                }
            }
        }
    }

    /** Duplicates in a row after which a pick draws over the unchosen experts instead. */
    static final int REDRAWS = 64;

    private static boolean contains(int[] chosen, int n, int e) {
        for (int i = 0; i < n; i++) {
            if (chosen[i] == e) {
                return true;
            }
        }
        return false;
    }

    /** One draw by weight over the experts not among {@code chosen[0..n)}, summing the weights exactly (O(E)). */
    private int drawExcluding(double u, int[] chosen, int n) {
        double total = 0;
        for (int e = 0; e < experts; e++) {
            total += contains(chosen, n, e) ? 0 : weight[e];
        }
        double target = u * total;
        int last = -1;
        double acc = 0;
        for (int e = 0; e < experts; e++) {
            if (!contains(chosen, n, e)) {
                last = e;
                acc += weight[e];
                if (acc > target) {
                    return e;
                }
            }
        }
        return last;
    }

    private int draw(double u) {
        int lo = 0;
        int hi = experts - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Expert weights for {@code alpha} into {@code p}; returns the rank-level inclusion max/mean. */
    private double imbalance(ExpertLayout layout, double a, double[] p) {
        int[] ordinal = new int[ranks];
        int maxMasters = layout.maxMastersPerRank();
        double[] z = new double[ranks];
        for (int e = 0; e < experts; e++) {
            int r = layout.homeRank(e);
            z[r] += layout.mastersOn(r) > 1 ? 1.0 / Math.pow(ordinal[r]++ + 1, 4) : 1.0;
        }
        java.util.Arrays.fill(ordinal, 0);
        double sum = 0;
        for (int e = 0; e < experts; e++) {
            int r = layout.homeRank(e);
            double within = layout.mastersOn(r) > 1 ? 1.0 / Math.pow(ordinal[r]++ + 1, 4) : 1.0;
            p[e] = Math.pow(r + 1, -a) * within / z[r];
            sum += p[e];
        }
        for (int e = 0; e < experts; e++) {
            p[e] /= sum;
        }
        assert maxMasters >= 1;
        // Rosen: raise t until sum (1 - exp(-p t)) = topk.
        double clo = 0;
        double chi = topk;
        while (inclusionSum(p, chi) < topk) {
            chi *= 2;
        }
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (clo + chi);
            if (inclusionSum(p, mid) < topk) {
                clo = mid;
            } else {
                chi = mid;
            }
        }
        double[] rank = new double[ranks];
        for (int e = 0; e < experts; e++) {
            rank[layout.homeRank(e)] += -Math.expm1(-chi * p[e]);
        }
        double max = 0;
        double total = 0;
        for (double v : rank) {
            max = Math.max(max, v);
            total += v;
        }
        return max / (total / ranks);
    }

    private static double inclusionSum(double[] p, double c) {
        double s = 0;
        for (double v : p) {
            s += -Math.expm1(-c * v);
        }
        return s;
    }
}
