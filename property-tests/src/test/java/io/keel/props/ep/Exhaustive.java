package io.keel.props.ep;

import io.keel.planners.ep.ExpertLayout;

/**
 * The best achievable max rank load of a tiny layout, by trying every replica placement (each
 * rank picks at most {@code slots} experts of its domain that it is not home to). For a
 * placement, tokens split freely over an expert's holders, so by Hall's theorem the best max load
 * is the max over rank sets Q of ceil(load of the experts held only inside Q / |Q|).
 */
final class Exhaustive {
    private Exhaustive() {
    }

    static long bestMaxLoad(ExpertLayout layout, int[] totals) {
        int ranks = layout.ranks();
        if (ranks > 8) {
            throw new IllegalArgumentException("exhaustive search is for tiny layouts");
        }
        int[] mask = new int[totals.length];
        for (int e = 0; e < totals.length; e++) {
            mask[e] = 1 << layout.homeRank(e);
        }
        long[] best = {Long.MAX_VALUE};
        place(layout, totals, mask, 0, 0, 0, best);
        return best[0];
    }

    /** Rank {@code r} chooses its replicas among experts {@code >= from}, {@code used} so far. */
    private static void place(ExpertLayout layout, int[] totals, int[] mask, int r, int from, int used, long[] best) {
        int ranks = layout.ranks();
        if (r == ranks) {
            best[0] = Math.min(best[0], evaluate(ranks, totals, mask));
            return;
        }
        // Either rank r takes no more replicas...
        place(layout, totals, mask, r + 1, 0, 0, best);
        if (used == layout.slotsPerRank()) {
            return;
        }
        // ...or it takes expert e (experts in increasing order, so each set is tried once).
        for (int e = from; e < totals.length; e++) {
            int h = layout.homeRank(e);
            if (h == r || totals[e] == 0 || layout.domainOf(h) != layout.domainOf(r)) {
                continue;
            }
            mask[e] |= 1 << r;
            place(layout, totals, mask, r, e + 1, used + 1, best);
            mask[e] &= ~(1 << r);
        }
    }

    private static long evaluate(int ranks, int[] totals, int[] mask) {
        long worst = 0;
        for (int q = 1; q < 1 << ranks; q++) {
            long load = 0;
            for (int e = 0; e < totals.length; e++) {
                if ((mask[e] & ~q) == 0) {
                    load += totals[e];
                }
            }
            int size = Integer.bitCount(q);
            worst = Math.max(worst, (load + size - 1) / size);
        }
        return worst;
    }
}
