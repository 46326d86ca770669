package io.keel.core.testing;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Measures heap bytes allocated by the current thread around repeated calls, with
 * {@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}. Shipped in keel-core's
 * test-jar so every module asserts zero allocation the same way.
 *
 * <p>A call is warmed up (so the JIT has compiled it) and then measured over a batch; the
 * measurement is repeated (up to ten batches, stopping at the first that allocates nothing) and the lowest batch counts, which keeps a one-off
 * allocation by the JIT or a deoptimisation from failing a kernel that allocates nothing in
 * steady state. A kernel that allocates on every call fails every batch.
 */
public final class AllocationProbe {
    /** Calls per warm-up and per measured batch. */
    public static final int DEFAULT_CALLS = 10_000;
    private static final int BATCHES = 10;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllocationProbe() {
    }

    /** Bytes the current thread allocated over {@code calls} runs of {@code call}: lowest of a few batches. */
    public static long bytesAllocated(Runnable call, int calls) {
        if (!THREADS.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM cannot measure thread allocation");
        }
        THREADS.setThreadAllocatedMemoryEnabled(true);
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        long best = Long.MAX_VALUE;
        for (int b = 0; b < BATCHES && best > 0; b++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                call.run();
            }
            long after = THREADS.getCurrentThreadAllocatedBytes();
            best = Math.min(best, after - before);
        }
        return best;
    }

    /** Fails unless {@link #DEFAULT_CALLS} warmed-up calls of {@code call} allocate 0 bytes. */
    public static void assertZeroAllocation(String what, Runnable call) {
        assertZeroAllocation(what, call, DEFAULT_CALLS);
    }

    /** Fails unless {@code calls} warmed-up calls of {@code call} allocate 0 bytes. */
    public static void assertZeroAllocation(String what, Runnable call, int calls) {
        long bytes = bytesAllocated(call, calls);
        if (bytes != 0) {
            fail(what + " allocated " + bytes + " bytes over " + calls + " calls ("
                    + (double) bytes / calls + " B/call); expected 0");
        }
    }
}
