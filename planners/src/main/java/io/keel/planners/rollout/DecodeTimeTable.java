package io.keel.planners.rollout;

import java.util.Arrays;

import io.keel.core.Checks;

/**
 * Per-token decode time of one inference instance as a function of batch size and parallel
 * degree: the seconds one decode iteration takes when {@code batch} sequences each produce one
 * token on an instance of {@code degree} GPUs. Rows are batch sizes, columns degrees; between
 * two rows the time is interpolated linearly, outside them it is held at the nearest row.
 *
 * <p>The table is data, not code: build one with {@link #builder()}, parse one from CSV with
 * {@link #parseCsv(CharSequence)} (header {@code batch,1,2,4,8}, times in milliseconds), or
 * use the defaults derived from public H100 operator profiles ({@link #llama2_70bH100()},
 * {@link #llama2_7bH100()}). Times must be positive and non-decreasing in batch size (a
 * bigger batch never decodes a token faster), which the planners' exact searches rely on.
 *
 * <p>Immutable and thread-safe; lookups allocate nothing.
 */
public final class DecodeTimeTable {
    /**
     * Llama-2-70B on H100 (vidur operator profiles, linear layers and all-reduce only), in
     * milliseconds per token.
     */
    public static final String LLAMA2_70B_H100_CSV = """
            batch,1,2,4,8
            1,50.0,27.3,20.4,13.0
            32,50.4,33.4,22.4,14.2
            256,61.1,39.5,26.7,19.7
            """;
    /** Llama-2-7B on H100 at batch 32 (same source), in milliseconds per token. */
    public static final String LLAMA2_7B_H100_CSV = """
            batch,1,2,4,8
            32,5.8,5.9,4.9,4.0
            """;

    private final int[] batches;
    private final int[] degrees;
    /** seconds[d * rows + r]: degree column d, batch row r. */
    private final double[] seconds;

    private DecodeTimeTable(int[] batches, int[] degrees, double[] seconds) {
        this.batches = batches;
        this.degrees = degrees;
        this.seconds = seconds;
    }

    /** The Llama-2-70B H100 default (see {@link #LLAMA2_70B_H100_CSV}). */
    public static DecodeTimeTable llama2_70bH100() {
        return parseCsv(LLAMA2_70B_H100_CSV);
    }

    /** The Llama-2-7B H100 default, flat in batch size (one measured row). */
    public static DecodeTimeTable llama2_7bH100() {
        return parseCsv(LLAMA2_7B_H100_CSV);
    }

    /** A builder: set the degrees, then add rows. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses a table: a header {@code batch,<degree>,<degree>...} and one row per batch size
     * with milliseconds per token; blank lines and lines starting with {@code #} are skipped.
     *
     * @throws IllegalArgumentException naming the line on malformed input
     */
    public static DecodeTimeTable parseCsv(CharSequence csv) {
        Checks.notNull("csv", csv);
        Builder b = null;
        int lineNo = 0;
        for (String raw : csv.toString().split("\\R")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split(",");
            try {
                if (b == null) {
                    if (!cells[0].strip().equalsIgnoreCase("batch")) {
                        throw new IllegalArgumentException("header must start with 'batch'");
                    }
                    int[] deg = new int[cells.length - 1];
                    for (int i = 1; i < cells.length; i++) {
                        deg[i - 1] = Integer.parseInt(cells[i].strip().replaceFirst("(?i)^tp", ""));
                    }
                    b = builder().degrees(deg);
                } else {
                    double[] ms = new double[cells.length - 1];
                    for (int i = 1; i < cells.length; i++) {
                        ms[i - 1] = Double.parseDouble(cells[i].strip());
                    }
                    b.rowMillis(Integer.parseInt(cells[0].strip()), ms);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("csv line " + lineNo + " '" + line + "': " + e.getMessage(), e);
            }
        }
        if (b == null) {
            throw new IllegalArgumentException("csv has no header");
        }
        return b.build();
    }

    /** The parallel degrees, ascending. */
    public int degreeCount() {
        return degrees.length;
    }

    /** The {@code i}-th degree, ascending. */
    public int degree(int i) {
        return degrees[Checks.index("i", i, degrees.length)];
    }

    /** The column of {@code degree}, or -1 when the table has no such degree. */
    public int degreeIndex(int degree) {
        for (int i = 0; i < degrees.length; i++) {
            if (degrees[i] == degree) {
                return i;
            }
        }
        return -1;
    }

    /** The largest batch row (times are held flat beyond it). */
    public int maxTabulatedBatch() {
        return batches[batches.length - 1];
    }

    /**
     * Seconds per decode iteration for {@code batch >= 1} sequences on an instance of {@code
     * degree} GPUs.
     *
     * @throws IllegalArgumentException if the degree is not in the table or batch is {@code < 1}
     */
    public double secondsPerToken(int batch, int degree) {
        Checks.positive("batch", batch);
        int d = degreeIndex(degree);
        if (d < 0) {
            throw new IllegalArgumentException("degree " + degree + " is not in the table " + Arrays.toString(degrees));
        }
        return lookup(d, batch);
    }

    /**
     * Fills {@code out[b]} for {@code b} in {@code [0, maxBatch]} with the seconds per token of
     * degree column {@code degreeIndex} ({@code out[0] = out[1]}), made non-decreasing against
     * interpolation rounding.
     */
    public void fill(int degreeIndex, double[] out, int maxBatch) {
        Checks.index("degreeIndex", degreeIndex, degrees.length);
        Checks.inRange("maxBatch", maxBatch, 1, Integer.MAX_VALUE - 1);
        Checks.length("out", Checks.notNull("out", out).length, maxBatch + 1);
        double prev = 0;
        for (int b = 1; b <= maxBatch; b++) {
            prev = Math.max(prev, lookup(degreeIndex, b));
            out[b] = prev;
        }
        out[0] = out[1];
    }

    private double lookup(int d, int batch) {
        final int rows = batches.length;
        final int base = d * rows;
        if (batch <= batches[0]) {
            return seconds[base];
        }
        for (int r = 1; r < rows; r++) {
            if (batch <= batches[r]) {
                double f = (double) (batch - batches[r - 1]) / (batches[r] - batches[r - 1]);
                return seconds[base + r - 1] + f * (seconds[base + r] - seconds[base + r - 1]);
            }
        }
        return seconds[base + rows - 1];
    }

    /** CSV form (milliseconds), parseable by {@link #parseCsv(CharSequence)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("batch");
        for (int d : degrees) {
            sb.append(',').append(d);
        }
        sb.append('\n');
        for (int r = 0; r < batches.length; r++) {
            sb.append(batches[r]);
            for (int d = 0; d < degrees.length; d++) {
                sb.append(',').append(seconds[d * batches.length + r] * 1e3);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Builds a {@link DecodeTimeTable}; not thread-safe. */
    public static final class Builder {
        private int[] degrees;
        private final java.util.TreeMap<Integer, double[]> rows = new java.util.TreeMap<>();

        private Builder() {
        }

        /** The parallel degrees of the columns: positive, distinct, ascending. */
        public Builder degrees(int... degrees) {
            Checks.notNull("degrees", degrees);
            if (degrees.length == 0) {
                throw new IllegalArgumentException("degrees must not be empty");
            }
            for (int i = 0; i < degrees.length; i++) {
                if (degrees[i] <= 0 || (i > 0 && degrees[i] <= degrees[i - 1])) {
                    throw Checks.element("degrees", i, "must be positive and strictly ascending", degrees[i]);
                }
            }
            this.degrees = degrees.clone();
            return this;
        }

        /** One batch row in milliseconds per token, one value per degree. */
        public Builder rowMillis(int batch, double... millis) {
            Checks.positive("batch", batch);
            if (degrees == null) {
                throw new IllegalArgumentException("set degrees before rows");
            }
            Checks.sameLength("millis", Checks.notNull("millis", millis).length, degrees.length);
            for (int i = 0; i < millis.length; i++) {
                Checks.positiveFinite("millis", i, millis[i]);
            }
            if (rows.containsKey(batch)) {
                throw new IllegalArgumentException("batch " + batch + " appears twice");
            }
            rows.put(batch, millis.clone());
            return this;
        }

        /** The table. @throws IllegalArgumentException if empty or decreasing in batch size */
        public DecodeTimeTable build() {
            if (degrees == null || rows.isEmpty()) {
                throw new IllegalArgumentException("a table needs degrees and at least one row");
            }
            int n = rows.size();
            int[] batches = new int[n];
            double[] s = new double[degrees.length * n];
            int r = 0;
            for (var e : rows.entrySet()) {
                batches[r] = e.getKey();
                for (int d = 0; d < degrees.length; d++) {
                    s[d * n + r] = e.getValue()[d] / 1e3;
                    if (r > 0 && s[d * n + r] < s[d * n + r - 1]) {
                        throw new IllegalArgumentException("time for degree " + degrees[d] + " decreases from batch "
                                + batches[r - 1] + " to batch " + batches[r] + ": tables must be non-decreasing in batch");
                    }
                }
                r++;
            }
            return new DecodeTimeTable(batches, degrees.clone(), s);
        }
    }
}
