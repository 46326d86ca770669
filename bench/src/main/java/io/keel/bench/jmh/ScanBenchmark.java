package io.keel.bench.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.keel.bench.report.BandwidthReference;
import io.keel.core.TopK;
import io.keel.vector.RowScanner;
import io.keel.vector.Similarity;
import io.keel.vector.VectorMath;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One query against n rows, top 10 by dot product: keel's fused scan over flat row-major
 * storage, the same loop over Lucene's {@code VectorUtil.dotProduct} (one array per row, as its
 * API takes) and over JVector's offset dot on the flat array, the bandwidth reference (plain
 * SIMD sums over the same bytes in three shapes; the fastest is the reference), and keel's int8
 * scan with float rescoring of 40 candidates.
 * n = 2,000 stays in cache; n = 200,000 streams from DRAM. Ops/s; vectors/s = ops * n.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
// The inherited fork settings, with a bigger heap.
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms3g", "-Xmx3g",
        "-XX:+AlwaysPreTouch"})
public class ScanBenchmark extends KeelBenchmark {
    static final int K = 10;
    static final int CANDIDATES = 40;

    @Param({"384", "768", "1024"})
    int dim;

    @Param({"2000", "200000"})
    int n;

    float[] flat;
    float[][] rows;
    byte[] codes;
    float[] scales;
    float[] query;
    VectorFloat<?> jflat;
    VectorFloat<?> jquery;
    RowScanner scanner;
    TopK top;
    int[] ids;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(7);
        flat = new float[n * dim];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (float) r.nextGaussian();
        }
        codes = new byte[n * dim];
        scales = new float[n];
        rows = new float[n][];
        for (int row = 0; row < n; row++) {
            VectorMath.normalize(flat, row * dim, dim);
            scales[row] = VectorMath.quantize(flat, row * dim, codes, row * dim, dim);
            rows[row] = java.util.Arrays.copyOfRange(flat, row * dim, (row + 1) * dim);
        }
        query = java.util.Arrays.copyOfRange(flat, 17 * dim, 18 * dim);
        var types = VectorizationProvider.getInstance().getVectorTypeSupport();
        jflat = types.createFloatVector(flat);
        jquery = types.createFloatVector(query);
        scanner = new RowScanner(dim, K, CANDIDATES);
        top = TopK.largest(K);
        ids = new int[K];
    }

    @Benchmark
    public int keelScanTop10() {
        return scanner.scan(Similarity.DOT_PRODUCT, query, 0, flat, 0, n, dim, K).id(0);
    }

    @Benchmark
    public int luceneScanTop10() {
        top.reset(K);
        for (int row = 0; row < n; row++) {
            top.offer(row, org.apache.lucene.util.VectorUtil.dotProduct(query, rows[row]));
        }
        top.drain(ids, null);
        return ids[0];
    }

    @Benchmark
    public int jvectorScanTop10() {
        top.reset(K);
        for (int row = 0; row < n; row++) {
            top.offer(row, io.github.jbellis.jvector.vector.VectorUtil.dotProduct(jquery, 0, jflat, row * dim, dim));
        }
        top.drain(ids, null);
        return ids[0];
    }

    /** The bandwidth reference, one pass with four chains; with the next two, the fastest is the reference. */
    @Benchmark
    public float bandwidthReference() {
        return BandwidthReference.sum(flat, 0, n * dim);
    }

    /** The bandwidth reference, one pass with eight chains. */
    @Benchmark
    public float bandwidthReferenceEight() {
        return BandwidthReference.sumEight(flat, 0, n * dim);
    }

    /** The bandwidth reference, row by row as a scan reads. */
    @Benchmark
    public float bandwidthReferenceRows() {
        return BandwidthReference.sumRows(flat, n, dim);
    }

    @Benchmark
    public int keelInt8ScanTop10() {
        return scanner.scanInt8(query, 0, codes, scales, flat, n, dim, K, CANDIDATES).id(0);
    }
}
