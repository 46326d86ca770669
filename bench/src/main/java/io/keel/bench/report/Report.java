package io.keel.bench.report;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's result as an ordered tree, printed as JSON ({@code --json}) or as indented
 * human-readable tables: nested objects become indented sections, lists of objects become
 * tables with one column per key.
 */
public final class Report {
    private Report() {
    }

    /** A new ordered object node. */
    public static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    /** Prints {@code tree} to {@code out} as JSON or as text. */
    public static void print(PrintStream out, Map<String, Object> tree, boolean json) {
        if (json) {
            out.println(Json.write(tree));
        } else {
            text(out, tree, "");
        }
        out.flush();
    }

    private static void text(PrintStream out, Map<?, ?> map, String indent) {
        int width = 0;
        for (Object k : map.keySet()) {
            width = Math.max(width, String.valueOf(k).length());
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            String key = String.valueOf(e.getKey());
            if (v instanceof Map<?, ?> m) {
                out.println(indent + key + ":");
                text(out, m, indent + "  ");
            } else if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?>) {
                out.println(indent + key + ":");
                table(out, list, indent + "  ");
            } else {
                out.println(indent + pad(key, width) + "  " + cell(v));
            }
        }
    }

    private static void table(PrintStream out, List<?> rows, String indent) {
        Map<String, Integer> widths = new LinkedHashMap<>();
        for (Object row : rows) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) row).entrySet()) {
                String k = String.valueOf(e.getKey());
                widths.merge(k, Math.max(k.length(), cell(e.getValue()).length()), Math::max);
            }
        }
        StringBuilder head = new StringBuilder(indent);
        widths.forEach((k, w) -> head.append(pad(k, w)).append("  "));
        out.println(head.toString().stripTrailing());
        for (Object row : rows) {
            StringBuilder line = new StringBuilder(indent);
            Map<?, ?> m = (Map<?, ?>) row;
            widths.forEach((k, w) -> line.append(pad(cell(m.get(k)), w)).append("  "));
            out.println(line.toString().stripTrailing());
        }
    }

    private static String cell(Object v) {
        if (v instanceof Double || v instanceof Float) {
            return Json.number(((Number) v).doubleValue());
        }
        if (v instanceof Map<?, ?> || v instanceof List<?> || v instanceof int[]) {
            return Json.write(v);
        }
        return String.valueOf(v);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
