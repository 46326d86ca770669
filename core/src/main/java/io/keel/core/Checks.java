package io.keel.core;

import java.util.Objects;

/**
 * Argument checks for kernel entry points. Each check returns its value on success and builds
 * its message only on failure, so the success path allocates nothing.
 *
 * <p>Every failure is an {@link IllegalArgumentException} whose message names the argument and
 * the offending value, except a null: {@link #notNull} (and the array checks given a null array)
 * throw {@link NullPointerException} whose message is the argument's name. Stateless and
 * thread-safe.
 */
public final class Checks {
    private Checks() {
    }

    /** Requires {@code value >= 0}. */
    public static int nonNegative(String name, int value) {
        if (value < 0) {
            throw fail(name, "must be >= 0", value);
        }
        return value;
    }

    /** Requires {@code value >= 0}. */
    public static long nonNegative(String name, long value) {
        if (value < 0) {
            throw fail(name, "must be >= 0", value);
        }
        return value;
    }

    /** Requires {@code value > 0}. */
    public static int positive(String name, int value) {
        if (value <= 0) {
            throw fail(name, "must be > 0", value);
        }
        return value;
    }

    /** Requires {@code min <= value <= max}. */
    public static int inRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw failRange(name, value, min, max);
        }
        return value;
    }

    /** Requires {@code min <= value <= max}. */
    public static double inRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw failRange(name, value, min, max);
        }
        return value;
    }

    /** Requires {@code 0 <= value < size}: an index into something of {@code size} elements. */
    public static int index(String name, int value, int size) {
        if (value < 0 || value >= size) {
            throw failIndex(name, value, size);
        }
        return value;
    }

    /** Requires {@code actual >= required}: an array or segment long enough for the call. */
    public static int length(String name, int actual, int required) {
        if (actual < required) {
            throw failLength(name, actual, required);
        }
        return actual;
    }

    /**
     * As {@link #length(String, int, int)} for a required length computed in {@code long} (a product
     * of sizes that may pass {@code Integer.MAX_VALUE}, which no array reaches).
     */
    public static int length(String name, int actual, long required) {
        if (actual < required) {
            throw failLength(name, actual, required);
        }
        return actual;
    }

    /** Requires {@code actual == expected}: two inputs that must agree in size. */
    public static int sameLength(String name, int actual, int expected) {
        if (actual != expected) {
            throw failSame(name, actual, expected);
        }
        return actual;
    }

    /** Requires a finite value (no NaN, no infinity). */
    public static double finite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw fail(name, "must be finite", value);
        }
        return value;
    }

    /** Requires {@code 0 < value < infinity} (no NaN). */
    public static double positiveFinite(String name, double value) {
        if (!(value > 0) || value == Double.POSITIVE_INFINITY) {
            throw fail(name, "must be finite and > 0", value);
        }
        return value;
    }

    /** Requires {@code 0 <= value < infinity} (no NaN). */
    public static double nonNegativeFinite(String name, double value) {
        if (!(value >= 0) || value == Double.POSITIVE_INFINITY) {
            throw fail(name, "must be finite and >= 0", value);
        }
        return value;
    }

    /** Requires {@code name[index]}, given as {@code value}, to be finite and {@code > 0}. */
    public static double positiveFinite(String name, int index, double value) {
        if (!(value > 0) || value == Double.POSITIVE_INFINITY) {
            throw element(name, index, "must be finite and > 0", value);
        }
        return value;
    }

    /** Requires {@code name[index]}, given as {@code value}, to be finite and {@code >= 0}. */
    public static double nonNegativeFinite(String name, int index, double value) {
        if (!(value >= 0) || value == Double.POSITIVE_INFINITY) {
            throw element(name, index, "must be finite and >= 0", value);
        }
        return value;
    }

    /** Requires every value of {@code values[from, from + n)} to be finite. */
    public static void finite(String name, float[] values, int from, int n) {
        notNull(name, values);
        for (int i = from, end = from + n; i < end; i++) {
            if (!Float.isFinite(values[i])) {
                throw failElement(name, i, values[i]);
            }
        }
    }

    /** Requires every value of {@code values[from, from + n)} to be finite. */
    public static void finite(String name, double[] values, int from, int n) {
        notNull(name, values);
        for (int i = from, end = from + n; i < end; i++) {
            if (!Double.isFinite(values[i])) {
                throw failElement(name, i, values[i]);
            }
        }
    }

    /**
     * Requires a non-null reference: keel's null rule is a {@link NullPointerException} whose
     * message is the argument's name (the one exception to this class's IAE rule).
     */
    public static <T> T notNull(String name, T value) {
        return Objects.requireNonNull(value, name);
    }

    /** Fails on {@code name[index]} with the given complaint; for checks specific to a kernel. */
    public static IllegalArgumentException element(String name, int index, String complaint, double value) {
        return new IllegalArgumentException(name + "[" + index + "] " + complaint + ", was " + format(value));
    }

    private static IllegalArgumentException fail(String name, String rule, double value) {
        return new IllegalArgumentException(name + " " + rule + ", was " + format(value));
    }

    private static IllegalArgumentException failRange(String name, double value, double min, double max) {
        return new IllegalArgumentException(
                name + " must be in [" + format(min) + ", " + format(max) + "], was " + format(value));
    }

    private static IllegalArgumentException failIndex(String name, int value, int size) {
        return new IllegalArgumentException(name + " must be in [0, " + size + "), was " + value);
    }

    private static IllegalArgumentException failLength(String name, int actual, long required) {
        return new IllegalArgumentException(name + " length must be >= " + required + ", was " + actual);
    }

    private static IllegalArgumentException failSame(String name, int actual, int expected) {
        return new IllegalArgumentException(name + " length must be " + expected + ", was " + actual);
    }

    private static IllegalArgumentException failElement(String name, int index, double value) {
        return element(name, index, "must be finite", value);
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
