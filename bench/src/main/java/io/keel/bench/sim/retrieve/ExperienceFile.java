package io.keel.bench.sim.retrieve;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.keel.bench.sim.TextFile;

/**
 * Reads an experience file for {@code keel kb}: JSON Lines, one workflow per line,
 *
 * <pre>{"id":"flaky-test","task":"Stabilise a flaky integration test","steps":["Re-run it 20 times","..."]}</pre>
 *
 * with {@code task} (a non-blank string) and {@code steps} (an array of non-blank strings, possibly
 * empty) required and {@code id} (a string) optional; blank lines are skipped; any other key, type
 * or syntax is an error {@code PATH:LINE:COLUMN: what was expected}, a file that cannot be read or
 * is not UTF-8 one naming the file (see {@link TextFile}). Strings take JSON's escapes.
 * Threading: each read uses its own parser. Allocation: the records it returns (a command-line tool).
 */
public final class ExperienceFile {
    /** One workflow: its id (the line number when absent), task text, steps, and source line. */
    public record Workflow(String id, String task, List<String> steps, int line) {
    }

    private final String source;
    private String text;
    private int line;
    private int at;

    private ExperienceFile(String source) {
        this.source = source;
    }

    /** The workflows of the file at {@code path}; an {@link IllegalArgumentException} names the line. */
    public static List<Workflow> read(Path path) {
        return parse(path.toString(), TextFile.text(path));
    }

    /**
     * Whether {@code text} is blank to the embedding model too: only white space ({@link String#isBlank})
     * or only characters up to U+0020, control characters included (LangChain4j's {@code trim()} test).
     */
    public static boolean blank(String text) {
        return text.isBlank() || text.trim().isEmpty();
    }

    /** As {@link #read(Path)}, from text already in memory; {@code source} names it in errors. */
    public static List<Workflow> parse(String source, String content) {
        try (BufferedReader in = new BufferedReader(new java.io.StringReader(content))) {
            return new ExperienceFile(source).parse(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<Workflow> parse(BufferedReader in) throws IOException {
        List<Workflow> out = new ArrayList<>();
        for (String l; (l = in.readLine()) != null; ) {
            line++;
            if (!l.isBlank()) {
                text = l;
                at = 0;
                out.add(workflow());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(source + ": no workflows (expected one JSON object per line)");
        }
        return out;
    }

    private Workflow workflow() {
        String id = null;
        String task = null;
        List<String> steps = null;
        expect('{');
        if (!peek('}')) {
            do {
                String key = string();
                expect(':');
                switch (key) {
                    case "id" -> id = string();
                    case "task" -> task = string();
                    case "steps" -> steps = steps();
                    default -> throw error("unknown key \"" + key + "\" (expected id, task, steps)");
                }
            } while (accept(','));
        }
        expect('}', "',' or ");
        skipSpace();
        if (at < text.length()) {
            throw error("unexpected text after the object");
        }
        if (task == null || blank(task)) {
            throw error("missing \"task\" (a non-blank string)");
        }
        if (steps == null) {
            throw error("missing \"steps\" (an array of strings)");
        }
        return new Workflow(id == null ? "line-" + line : id, task, List.copyOf(steps), line);
    }

    /** An array of non-blank strings; a blank one is an error at its opening quote. */
    private List<String> steps() {
        List<String> out = new ArrayList<>();
        expect('[');
        if (!peek(']')) {
            do {
                skipSpace();
                int from = at;
                String step = string();
                if (blank(step)) {
                    at = from;
                    throw error("blank step (each step must be a non-blank string)");
                }
                out.add(step);
            } while (accept(','));
        }
        expect(']', "',' or ");
        return out;
    }

    private String string() {
        expect('"');
        StringBuilder s = new StringBuilder();
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '"') {
                return s.toString();
            }
            if (c != '\\') {
                s.append(c);
                continue;
            }
            if (at >= text.length()) {
                break;
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> s.append(e);
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'u' -> s.append(unicode());
                default -> throw error("bad escape \\" + e);
            }
        }
        throw error("unterminated string");
    }

    private char unicode() {
        if (at + 4 > text.length()) {
            throw error("bad \\u escape");
        }
        try {
            char c = (char) Integer.parseInt(text.substring(at, at + 4), 16);
            at += 4;
            return c;
        } catch (NumberFormatException e) {
            throw error("bad \\u escape");
        }
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private boolean peek(char c) {
        skipSpace();
        return at < text.length() && text.charAt(at) == c;
    }

    private boolean accept(char c) {
        if (peek(c)) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        expect(c, "");
    }

    private void expect(char c, String or) {
        if (!accept(c)) {
            throw error("expected " + or + "'" + c + "', found "
                    + (at < text.length() ? "'" + text.charAt(at) + "'" : "the end of the line"));
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(source + ":" + line + ":" + (at + 1) + ": " + what);
    }
}
