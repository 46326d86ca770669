package io.keel.planners.ep.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama form of {@link ColumnSum}: {@code int} lanes, one row per pass over the running
 * totals. A total {@code t + x} of non-negative ints wraps only past {@code Integer.MAX_VALUE},
 * where its sign bit shows; one OR of every value and total keeps that bit, and when it is set the
 * exact scalar loop sums again (the input is then bad, and the caller wants exact totals for its
 * message). With a copy, each row is copied first and summed from the copy, still in L1.
 *
 * <p>One row per pass, not two or four: summing rows in pairs saves half the loads and stores of
 * the totals and is 10-20% faster while the matrix is in cache, but reads two streams a row apart,
 * and from memory it ran up to 2x slower (at 256 x 1,024, 46-62 against 31-37 us).
 *
 * <p>Loaded by {@link ColumnSum#create} only when {@code jdk.incubator.vector} is present.
 */
final class PanamaColumnSum extends ColumnSum {
    private static final VectorSpecies<Integer> S = IntVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final int[] running;
    private long exactPasses;

    PanamaColumnSum(int cols) {
        super(cols);
        running = new int[cols];
    }

    /** Whether this CPU has {@code int} vectors of at least 128 bits (called through the lookup). */
    static boolean usable() {
        return S.vectorBitSize() >= 128;
    }

    /** How many calls fell back to the exact scalar loop (bad input); tests read it. */
    long exactPasses() {
        return exactPasses;
    }

    @Override
    public String description() {
        return "Panama " + S.vectorBitSize() + "-bit int lanes";
    }

    @Override
    public boolean sum(int[] src, int[] copy, int rows, long[] totals) {
        return sum(src, null, copy, rows, totals);
    }

    @Override
    public boolean sum(MemorySegment src, int[] copy, int rows, long[] totals) {
        return sum(null, src, copy, rows, totals);
    }

    /** Sums from {@code array}, or from {@code segment} through {@code copy}; copies when {@code copy} is set. */
    private boolean sum(int[] array, MemorySegment segment, int[] copy, int rows, long[] totals) {
        final int n = cols;
        final int[] t = running;
        final int bound = S.loopBound(n);
        java.util.Arrays.fill(t, 0);
        final int[] m = copy != null ? copy : array;
        IntVector signs = IntVector.zero(S);
        int tailSigns = 0;
        for (int s = 0, row = 0; s < rows; s++, row += n) {
            if (segment != null) {
                MemorySegment.copy(segment, INT, (long) row * Integer.BYTES, copy, row, n);
            } else if (copy != null) {
                System.arraycopy(array, row, copy, row, n);
            }
            int e = 0;
            for (; e < bound; e += S.length()) {
                IntVector x = IntVector.fromArray(S, m, row + e);
                IntVector total = IntVector.fromArray(S, t, e).add(x);
                total.intoArray(t, e);
                signs = signs.or(x.or(total));
            }
            for (; e < n; e++) {
                int x = m[row + e];
                int total = t[e] + x;
                t[e] = total;
                tailSigns |= x | total;
            }
        }
        if ((signs.reduceLanes(VectorOperators.OR) | tailSigns) < 0) {
            exactPasses++;
            return exact(m, rows, totals);
        }
        for (int e = 0; e < n; e++) {
            totals[e] = t[e];
        }
        return true;
    }
}
