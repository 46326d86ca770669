package io.keel.bench.report;

import java.util.List;
import java.util.Map;

/**
 * Writes a report tree (maps, lists, numbers, strings, booleans) as JSON. Doubles are written
 * with up to six significant decimals; non-finite doubles become null.
 */
public final class Json {
    private Json() {
    }

    /** The JSON text of {@code value}. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(256);
        write(out, value);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, String.valueOf(e.getKey()));
                    out.append(':');
                    write(out, e.getValue());
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(out, list.get(i));
                }
                out.append(']');
            }
            case int[] ints -> {
                out.append('[');
                for (int i = 0; i < ints.length; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    out.append(ints[i]);
                }
                out.append(']');
            }
            case Double d -> number(out, d);
            case Float f -> number(out, f);
            case Number n -> out.append(n.longValue());
            case Boolean b -> out.append(b);
            default -> string(out, value.toString());
        }
    }

    /** Formats a double as the reports do: at most six decimals, no trailing zeros. */
    public static String number(double d) {
        StringBuilder out = new StringBuilder();
        number(out, d);
        return out.toString();
    }

    private static void number(StringBuilder out, double d) {
        if (!Double.isFinite(d)) {
            out.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            out.append((long) d);
        } else {
            out.append(new java.math.BigDecimal(d).round(new java.math.MathContext(
                    Math.max(1, 6 + (int) Math.max(0, Math.floor(Math.log10(Math.abs(d))) + 1))))
                    .stripTrailingZeros().toPlainString());
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
