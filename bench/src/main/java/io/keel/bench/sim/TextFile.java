package io.keel.bench.sim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a data file the user named (a trace, a candidate-score CSV, an experience file) as UTF-8
 * text, so that a file that cannot be read or is not UTF-8 is reported like any other malformed
 * input: an {@link IllegalArgumentException} naming the file, and for a byte that is not UTF-8
 * its line ({@code PATH:LINE: not UTF-8 text}), which {@code keel} reports as a bad argument
 * (exit code 2). Stateless; cold path: reads the whole file into memory.
 */
public final class TextFile {
    private TextFile() {
    }

    /** The lines of {@code file}, split as {@link Files#readAllLines(Path)} splits them. */
    public static List<String> lines(Path file) {
        return text(file).lines().toList();
    }

    /** The text of {@code file}, decoded as UTF-8 (malformed bytes are an error, not replaced). */
    public static String text(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + reason(e), e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(in).toString();
        } catch (CharacterCodingException e) {
            // The decoder stops with the buffer's position at the first byte it could not decode.
            int bad = in.position();
            throw new IllegalArgumentException(file + ":" + line(bytes, bad) + ": not UTF-8 text (byte 0x"
                    + String.format("%02x", bytes[Math.min(bad, bytes.length - 1)] & 0xff) + ")", e);
        }
    }

    /** The 1-based line of byte {@code at}: one plus the line breaks (LF, CR, CR LF) before it. */
    private static int line(byte[] bytes, int at) {
        int line = 1;
        for (int i = 0; i < at; i++) {
            if (bytes[i] == '\n' || bytes[i] == '\r' && (i + 1 >= at || bytes[i + 1] != '\n')) {
                line++;
            }
        }
        return line;
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException f) {
            // NoSuchFileException and AccessDeniedException carry only the path; their type is the reason.
            return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        }
        return String.valueOf(e.getMessage());
    }
}
