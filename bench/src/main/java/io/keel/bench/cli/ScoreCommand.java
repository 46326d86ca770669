package io.keel.bench.cli;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import io.keel.bench.report.BandwidthReference;
import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.core.TopK;
import io.keel.vector.RowScanner;
import io.keel.vector.Similarity;
import io.keel.vector.VectorMath;
import org.apache.lucene.util.VectorUtil;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keel score}: one-vs-many top-10 dot-product scan throughput, in one process, alternating
 * keel's fused scan over flat row-major storage, the same top-10 loop over Lucene's
 * {@code VectorUtil.dotProduct} on the same rows held one array per row (as its API takes them),
 * that loop with keel's dot over the same per-row arrays, and plain SIMD sums over the flat
 * bytes in each {@link BandwidthReference.Shape} (the bandwidth reference is the fastest of
 * them); each contender is a method of its own. Medians over rounds. {@code luceneRatio} is
 * keel's scan over Lucene's loop, layout included: rows held as separate arrays stream several
 * times slower than one flat array, whichever kernel reads them; {@code luceneSameLayoutRatio}
 * is keel's loop over Lucene's on the same per-row arrays. Then the pairwise kernels at
 * {@code --dim}: keel's and Lucene's dot, cosine and squared L2 on the same 64 in-cache vector
 * pairs, alternated round by round; each {@code pairwise*Ratio} is keel's ops/s over Lucene's,
 * the ratio of the median round times.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Measure the one-vs-many similarity scan (GB/s) against Lucene and a bandwidth reference.")
public final class ScoreCommand implements Runnable {
    @Mixin
    JsonOption output;

    @Option(names = "--dim", defaultValue = "768", description = "Vector dimension (default 768).")
    int dim;

    @Option(names = "--rows", defaultValue = "200000", description = "Rows scanned per query (default 200000).")
    int rows;

    @Option(names = "--rounds", defaultValue = "15", description = "Measured rounds (default 15).")
    int rounds;

    @Spec
    CommandSpec spec;

    /** Every result summed, so no contender's work can be dropped as unused. */
    private float sink;

    @Override
    public void run() {
        checkSizes();
        SplittableRandom r = new SplittableRandom(42);
        float[] flat = new float[rows * dim];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (float) (r.nextDouble() * 2 - 1);
        }
        float[][] perRow = new float[rows][];
        for (int i = 0; i < rows; i++) {
            perRow[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
        }
        BandwidthReference.Shape[] shapes = BandwidthReference.Shape.values();
        long[][] times = timeRounds(flat, perRow, Arrays.copyOfRange(flat, 0, dim), shapes);
        double bytes = 4.0 * rows * dim;
        int best = 0;
        for (int s = 1; s < shapes.length; s++) {
            if (median(times[3 + s]) < median(times[3 + best])) {
                best = s;
            }
        }
        Map<String, Object> m = Report.object();
        m.put("dim", dim);
        m.put("rows", rows);
        m.put("gbPerSec", round2(bytes / median(times[0])));
        m.put("bandwidthRefGbPerSec", round2(bytes / median(times[3 + best])));
        m.put("bandwidthRefShape", shapes[best].name().toLowerCase(java.util.Locale.ROOT));
        m.put("luceneRatio", round2((double) median(times[1]) / median(times[0])));
        m.put("luceneSameLayoutRatio", round2((double) median(times[1]) / median(times[2])));
        double[] pairwise = PairwiseRatios.measure(dim, rounds);
        m.put("pairwiseDotRatio", round2(pairwise[0]));
        m.put("pairwiseCosineRatio", round2(pairwise[1]));
        m.put("pairwiseL2Ratio", round2(pairwise[2]));
        if (sink == 42.4242f) {
            m.put("sink", sink);
        }
        Report.print(System.out, m, output.json());
    }

    /** Refuses sizes that overflow an index or would not fit the heap twice over, with exit code 2. */
    private void checkSizes() {
        if (dim <= 0 || rows <= 0 || rounds <= 0 || (long) dim * rows > Integer.MAX_VALUE - 16) {
            throw Arguments.bad(spec, "--dim, --rows and --rounds must be > 0 and dim * rows < 2^31, were "
                    + dim + ", " + rows + ", " + rounds);
        }
        // Two copies of the rows (keel's flat array, Lucene's per-row arrays), with a margin for the rest, and
        // one time per contender and round.
        double need = 2.0 * 4 * rows * dim + 32.0 * rows + 8.0 * (3 + BandwidthReference.Shape.values().length) * rounds;
        HeapCheck.require(spec, need, "--dim " + dim + " x --rows " + rows + " (the rows twice: keel's flat array and "
                + "Lucene's per-row arrays) with --rounds " + rounds);
    }

    /**
     * Times every contender once per round, rotating which goes first so none always runs on a
     * cache warmed by another: keel's scan, Lucene's loop, keel's dot in that loop, then each
     * reference shape. Returns {@code times[contender][round]} in ns, warm-up rounds dropped.
     */
    private long[][] timeRounds(float[] flat, float[][] perRow, float[] query, BandwidthReference.Shape[] shapes) {
        RowScanner scanner = new RowScanner(dim, 10, 0);
        TopK top = TopK.largest(10);
        int[] ids = new int[10];
        int contenders = 3 + shapes.length;
        long[][] times = new long[contenders][rounds];
        int warmup = Math.max(3, (int) Math.min(50, 2_000_000_000L / ((long) rows * dim * 4)));
        for (int round = -warmup; round < rounds; round++) {
            for (int j = 0; j < contenders; j++) {
                int which = Math.floorMod(round + j, contenders);
                long t0 = System.nanoTime();
                if (which == 0) {
                    sink += keelScan(scanner, query, flat, rows, dim);
                } else if (which == 1) {
                    sink += luceneScan(top, ids, query, perRow);
                } else if (which == 2) {
                    sink += keelPerRowScan(top, ids, query, perRow);
                } else {
                    sink += shapes[which - 3].sum(flat, rows, dim);
                }
                long t = System.nanoTime() - t0;
                if (round >= 0) {
                    times[which][round] = t;
                }
            }
        }
        return times;
    }

    /** keel's fused top-10 scan over the flat rows (its own method, so each contender is compiled alone). */
    private static float keelScan(RowScanner scanner, float[] query, float[] flat, int rows, int dim) {
        return scanner.scan(Similarity.DOT_PRODUCT, query, 0, flat, 0, rows, dim, 10).score(0);
    }

    /** The same top-10 loop over Lucene's {@code VectorUtil.dotProduct}, one array per row as its API takes. */
    private static float luceneScan(TopK top, int[] ids, float[] query, float[][] perRow) {
        top.reset(10);
        for (int i = 0; i < perRow.length; i++) {
            top.offer(i, VectorUtil.dotProduct(query, perRow[i]));
        }
        top.drain(ids, null);
        return ids[0];
    }

    /** keel's dot in the same loop over the same per-row arrays as {@link #luceneScan}: the kernels alone differ. */
    private static float keelPerRowScan(TopK top, int[] ids, float[] query, float[][] perRow) {
        top.reset(10);
        for (int i = 0; i < perRow.length; i++) {
            top.offer(i, VectorMath.dot(query, perRow[i]));
        }
        top.drain(ids, null);
        return ids[0];
    }

    static long median(long[] t) {
        long[] c = t.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
