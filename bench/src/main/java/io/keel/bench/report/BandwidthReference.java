package io.keel.bench.report;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bandwidth reference of the scan benchmarks: plain SIMD sums over the same bytes a scan
 * reads, so they run at the memory system's pace and do nothing else. A reference is a lower
 * bound on time only at its best shape, so there are three, and the benchmarks report the
 * fastest: one pass with four or eight accumulator chains, and row by row (four chains per row,
 * the access pattern of a scan that scores one row at a time). Needs
 * {@code --add-modules jdk.incubator.vector}.
 */
public final class BandwidthReference {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** The shapes, in the order the benchmarks report them. */
    public enum Shape {
        /** One pass, four accumulator chains. */
        FOUR_CHAINS,
        /** One pass, eight accumulator chains. */
        EIGHT_CHAINS,
        /** Row by row, four chains per row. */
        ROWS;

        /** The sum of the first {@code rows * dim} floats of {@code v} in this shape. */
        public float sum(float[] v, int rows, int dim) {
            return switch (this) {
                case FOUR_CHAINS -> BandwidthReference.sum(v, 0, rows * dim);
                case EIGHT_CHAINS -> sumEight(v, 0, rows * dim);
                case ROWS -> sumRows(v, rows, dim);
            };
        }
    }

    private BandwidthReference() {
    }

    /** The sum of {@code v[from, to)}, four chains. */
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

    /** The sum of {@code v[from, to)}, eight chains. */
    public static float sumEight(float[] v, int from, int to) {
        int i = from;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F);
        FloatVector a5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F);
        FloatVector a7 = FloatVector.zero(F);
        for (int bound = from + ((to - from) & -(8 * L)); i < bound; i += 8 * L) {
            a0 = a0.add(FloatVector.fromArray(F, v, i));
            a1 = a1.add(FloatVector.fromArray(F, v, i + L));
            a2 = a2.add(FloatVector.fromArray(F, v, i + 2 * L));
            a3 = a3.add(FloatVector.fromArray(F, v, i + 3 * L));
            a4 = a4.add(FloatVector.fromArray(F, v, i + 4 * L));
            a5 = a5.add(FloatVector.fromArray(F, v, i + 5 * L));
            a6 = a6.add(FloatVector.fromArray(F, v, i + 6 * L));
            a7 = a7.add(FloatVector.fromArray(F, v, i + 7 * L));
        }
        float s = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            s += v[i];
        }
        return s;
    }

    /** The sum of {@code rows} rows of {@code dim} floats from the start of {@code v}, row by row. */
    public static float sumRows(float[] v, int rows, int dim) {
        float s = 0;
        for (int r = 0, o = 0; r < rows; r++, o += dim) {
            s += sum(v, o, o + dim);
        }
        return s;
    }
}
