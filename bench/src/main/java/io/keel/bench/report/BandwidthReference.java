package io.keel.bench.report;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bandwidth reference of the scan benchmarks: a plain SIMD sum over the same bytes a scan
 * reads, with four accumulators, so it runs at the memory system's pace and nothing else.
 * Needs {@code --add-modules jdk.incubator.vector}.
 */
public final class BandwidthReference {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private BandwidthReference() {
    }

    /** The sum of {@code v[from, to)}. */
    public static float sum(float[] v, int from, int to) {
        int i = from;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int bound = from + ((to - from) & -(4 * L)); i < bound; i += 4 * L) {
            a0 = a0.add(FloatVector.fromArray(F, v, i));
            a1 = a1.add(FloatVector.fromArray(F, v, i + L));
            a2 = a2.add(FloatVector.fromArray(F, v, i + 2 * L));
            a3 = a3.add(FloatVector.fromArray(F, v, i + 3 * L));
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            s += v[i];
        }
        return s;
    }
}
