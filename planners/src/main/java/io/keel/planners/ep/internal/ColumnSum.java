package io.keel.planners.ep.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Column totals of a row-major int32 matrix, with the copy the planner keeps made in the same
 * pass. After any call {@code totals[e]} is the exact sum of column {@code e} read as unsigned, so
 * a negative value adds at least 2^31 and shows as a total over {@code Integer.MAX_VALUE}, the
 * same test as an overflow; the call returns whether every total is at most
 * {@code Integer.MAX_VALUE} (so the matrix is valid input).
 *
 * <p>This class is the scalar form, a loop C2 vectorizes from {@code int} to {@code long} lanes.
 * {@link #create} picks a package-private Panama subclass when {@code jdk.incubator.vector} is in
 * the boot layer: it sums in {@code int} lanes and falls back to this loop
 * only when a value or a partial sum has its sign bit set, so both give the same totals. Integer
 * sums are exact, so plans do not depend on which one runs.
 *
 * <p>Internal; one thread per instance; allocation only in the constructor.
 */
public class ColumnSum {
    private static final String PANAMA = "io.keel.planners.ep.internal.PanamaColumnSum";
    private static final boolean PANAMA_LOADS = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("keel.planners.scalar");
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /** Columns per row. */
    protected final int cols;

    /** The scalar form, for {@code cols} columns. */
    public ColumnSum(int cols) {
        if (cols < 1) {
            throw new IllegalArgumentException("cols must be >= 1, was " + cols);
        }
        this.cols = cols;
    }

    /**
     * The fastest form this JVM runs: Panama with {@code --add-modules jdk.incubator.vector} on a
     * CPU with {@code int} vectors of at least 128 bits (unless {@code -Dkeel.planners.scalar=true}),
     * scalar otherwise. Says which at DEBUG level ({@code System.Logger} "io.keel.planners"), and at
     * INFO when the Panama form was wanted but failed to load.
     */
    public static ColumnSum create(int cols) {
        System.Logger log = System.getLogger("io.keel.planners");
        ColumnSum chosen = null;
        if (PANAMA_LOADS) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                Class<?> c = lookup.findClass(PANAMA);
                boolean usable = (boolean) lookup.findStatic(c, "usable", MethodType.methodType(boolean.class))
                        .invoke();
                if (usable) {
                    chosen = (ColumnSum) lookup.findConstructor(c, MethodType.methodType(void.class, int.class))
                            .invoke(cols);
                }
            } catch (ReflectiveOperationException | LinkageError e) {
                log.log(System.Logger.Level.INFO, "keel column sums: scalar; the Panama form failed to load: " + e);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
        if (chosen == null) {
            chosen = new ColumnSum(cols);
        }
        log.log(System.Logger.Level.DEBUG, "keel column sums: " + chosen.description());
        return chosen;
    }

    /** Which form {@link #create} picks in this JVM, in words (e.g. "Panama 256-bit int lanes"). */
    public static String implementation() {
        return Chosen.DESCRIPTION;
    }

    /** Which form this is, in words. */
    public String description() {
        return "scalar (C2 int-to-long loop)";
    }

    /**
     * Sums the {@code rows} rows of {@code src} into {@code totals}, first copying {@code src} to
     * {@code copy} when that is not null. Returns whether every total fits an int.
     */
    public boolean sum(int[] src, int[] copy, int rows, long[] totals) {
        int[] m = src;
        if (copy != null) {
            System.arraycopy(src, 0, copy, 0, rows * cols);
            m = copy;
        }
        return exact(m, rows, totals);
    }

    /** Copies the {@code rows} rows of {@code src} (int32, native order) to {@code copy} and sums them. */
    public boolean sum(MemorySegment src, int[] copy, int rows, long[] totals) {
        MemorySegment.copy(src, INT, 0, copy, 0, rows * cols);
        return exact(copy, rows, totals);
    }

    /** The exact unsigned column sums of {@code m} (C2 vectorizes it: the arrays' types differ). */
    final boolean exact(int[] m, int rows, long[] totals) {
        final int n = cols;
        java.util.Arrays.fill(totals, 0, n, 0);
        for (int s = 0, row = 0; s < rows; s++, row += n) {
            for (int e = 0; e < n; e++) {
                totals[e] += m[row + e] & 0xFFFF_FFFFL;
            }
        }
        for (int e = 0; e < n; e++) {
            if (totals[e] > Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /** The chosen form's description, found once (holder class: no cost until asked). */
    private static final class Chosen {
        static final String DESCRIPTION = create(1).description();
    }
}
