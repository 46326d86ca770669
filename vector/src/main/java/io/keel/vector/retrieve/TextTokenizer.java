package io.keel.vector.retrieve;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Splits text into terms the way Agent KB's TF-IDF retriever expects: lower-case (code point by
 * code point with {@link Character#toLowerCase(int)}, the same in every locale; no Unicode
 * normalisation, so a decomposed accent splits a word),
 * split on every character that is neither a letter nor a digit, and drop a small English stop
 * list ({@link #isStopWord}). "Re-run the failing CI job" gives {@code re, run, failing, ci, job}.
 *
 * <p>Stateless and thread-safe. Allocation: one String per term (the vocabulary's hash map is
 * keyed by String); tokenising is outside the search path, which takes the term ids.
 */
public final class TextTokenizer {
    private static final java.util.Set<String> STOP = java.util.Set.of(
            "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "into",
            "is", "it", "its", "of", "on", "or", "so", "that", "the", "their", "then", "there", "these",
            "this", "to", "was", "were", "when", "which", "while", "with", "i", "my", "we", "our", "you",
            "your", "how", "do", "does", "can");

    private TextTokenizer() {
    }

    /** Whether {@code term} (lower case) is on the stop list. */
    public static boolean isStopWord(String term) {
        return STOP.contains(term);
    }

    /** Calls {@code sink} with each term of {@code text}, in order, repeats included. */
    public static void forEachTerm(CharSequence text, Consumer<String> sink) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(sink, "sink");
        StringBuilder term = new StringBuilder();
        for (int i = 0, n = text.length(); i <= n; ) {
            int cp = i < n ? Character.codePointAt(text, i) : ' ';
            if (Character.isLetterOrDigit(cp)) {
                term.appendCodePoint(Character.toLowerCase(cp));
            } else if (term.length() > 0) {
                String t = term.toString();
                if (!STOP.contains(t)) {
                    sink.accept(t);
                }
                term.setLength(0);
            }
            i += i < n ? Character.charCount(cp) : 1;
        }
    }
}
