package io.keel.bench.python;

import java.lang.foreign.MemorySegment;

import io.keel.core.Checks;

/**
 * Segments over memory that the caller owns: a NumPy array's buffer, a pinned host buffer, a CPU
 * tensor's storage. The caller keeps the memory alive while a segment over it is in use; the
 * Python package does so by holding the array.
 *
 * <p>{@link MemorySegment#reinterpret(long)} is a restricted method: the JVM needs
 * {@code --enable-native-access=ALL-UNNAMED} ({@code keel.start()} passes it), or it prints a
 * warning on first use. Threading: any. Allocation: one segment object per call.
 */
public final class CallerMemory {
    private CallerMemory() {
    }

    /** The {@code bytes} bytes at {@code address}, readable and writable. */
    @SuppressWarnings("restricted")
    public static MemorySegment wrap(long address, long bytes) {
        if (address == 0) {
            throw new IllegalArgumentException("address must not be 0 (NULL)");
        }
        Checks.nonNegative("bytes", bytes);
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    /** {@code s}, checked to hold at least {@code bytes} bytes (a table argument named {@code name}). */
    static MemorySegment require(String name, MemorySegment s, long bytes) {
        Checks.notNull(name, s);
        if (s.byteSize() < bytes) {
            throw new IllegalArgumentException(name + " must hold at least " + bytes + " bytes, was " + s.byteSize());
        }
        return s;
    }
}
