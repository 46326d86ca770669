package io.keel.bench.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.keel.vector.VectorMath;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pairwise float32 dot and cosine: keel against Lucene's and JVector's {@code VectorUtil} on the
 * same two vectors (paired methods that differ only in what they call), in the style of
 * Lucene's {@code VectorUtilBenchmark}. Ops/us.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PairwiseBenchmark extends KeelBenchmark {
    @Param({"384", "768", "1024"})
    int dim;

    float[] a;
    float[] b;
    VectorFloat<?> ja;
    VectorFloat<?> jb;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(42);
        a = new float[dim];
        b = new float[dim];
        for (int i = 0; i < dim; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
            b[i] = (float) (r.nextDouble() * 2 - 1);
        }
        var types = VectorizationProvider.getInstance().getVectorTypeSupport();
        ja = types.createFloatVector(a);
        jb = types.createFloatVector(b);
    }

    @Benchmark
    public float keelDot() {
        return VectorMath.dot(a, b);
    }

    @Benchmark
    public float luceneDot() {
        return org.apache.lucene.util.VectorUtil.dotProduct(a, b);
    }

    @Benchmark
    public float jvectorDot() {
        return io.github.jbellis.jvector.vector.VectorUtil.dotProduct(ja, jb);
    }

    @Benchmark
    public float keelCosine() {
        return VectorMath.cosine(a, b);
    }

    @Benchmark
    public float luceneCosine() {
        return org.apache.lucene.util.VectorUtil.cosine(a, b);
    }

    @Benchmark
    public float jvectorCosine() {
        return io.github.jbellis.jvector.vector.VectorUtil.cosine(ja, jb);
    }
}
