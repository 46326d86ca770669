package io.keel.planners.relay;

import io.keel.core.Checks;

/**
 * The input of one {@link RelayPlanner} call, filled by the caller and reused: the transfers of
 * one layer (expert {@code e}'s state goes from its source rank to a target rank, read at a byte
 * offset in the source rank's buffer and written at a byte offset in the target's), the bytes of
 * one expert's state and the relay chunk size.
 *
 * <p>Transfers may come in any order; the planner groups them by expert. Every transfer of one
 * expert must name the same source rank and source offset, and no target twice.
 *
 * <p>Threading: one thread at a time (the one that fills it and calls the planner). Allocation:
 * the constructor allocates five arrays of {@code capacity}; nothing else allocates.
 */
public final class RelayRequest {
    /** Default relay chunk: 8 tiles of 32 KiB, as UltraEP's weight sync. */
    public static final long DEFAULT_CHUNK_BYTES = 8L * 32 * 1024;

    final int capacity;
    final int[] expert;
    final int[] from;
    final int[] to;
    final long[] sourceOffset;
    final long[] targetOffset;
    int size;
    long stateBytes = 1;
    long chunkBytes = DEFAULT_CHUNK_BYTES;

    /** A request for up to {@code capacity} transfers. */
    public RelayRequest(int capacity) {
        this.capacity = Checks.nonNegative("capacity", capacity);
        expert = new int[capacity];
        from = new int[capacity];
        to = new int[capacity];
        sourceOffset = new long[capacity];
        targetOffset = new long[capacity];
    }

    /** Removes every transfer (sizes are kept). Returns this. */
    public RelayRequest clear() {
        size = 0;
        return this;
    }

    /** Bytes of one expert's state, {@code > 0}. Returns this. */
    public RelayRequest stateBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("stateBytes must be > 0, was " + bytes);
        }
        stateBytes = bytes;
        return this;
    }

    /** Relay chunk bytes, {@code > 0}: a relay forwards a chunk once all of it has arrived. Returns this. */
    public RelayRequest chunkBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, was " + bytes);
        }
        chunkBytes = bytes;
        return this;
    }

    /** Adds a transfer with both buffer offsets 0 (for planning only). Returns this. */
    public RelayRequest add(int expert, int from, int to) {
        return add(expert, from, to, 0, 0);
    }

    /**
     * Adds a transfer of {@code expert}'s state from rank {@code from} (at {@code sourceOffset}
     * in its buffer) to rank {@code to} (at {@code targetOffset}). Ranks and experts are checked
     * by the planner against its sizes. Returns this.
     *
     * @throws IllegalArgumentException when full, or on a negative id or offset (nothing added)
     */
    public RelayRequest add(int expert, int from, int to, long sourceOffset, long targetOffset) {
        if (size == capacity) {
            throw new IllegalArgumentException("transfers must be <= capacity " + capacity + ", was " + (size + 1));
        }
        Checks.nonNegative("expert", expert);
        Checks.nonNegative("from", from);
        Checks.nonNegative("to", to);
        Checks.nonNegative("sourceOffset", sourceOffset);
        Checks.nonNegative("targetOffset", targetOffset);
        int i = size++;
        this.expert[i] = expert;
        this.from[i] = from;
        this.to[i] = to;
        this.sourceOffset[i] = sourceOffset;
        this.targetOffset[i] = targetOffset;
        return this;
    }

    /** Transfers added since the last {@link #clear()}. */
    public int size() {
        return size;
    }

    /** Largest number of transfers. */
    public int capacity() {
        return capacity;
    }

    /** Bytes of one expert's state. */
    public long stateBytes() {
        return stateBytes;
    }

    /** Relay chunk bytes. */
    public long chunkBytes() {
        return chunkBytes;
    }
}
