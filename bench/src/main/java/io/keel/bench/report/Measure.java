package io.keel.bench.report;

import java.lang.management.ManagementFactory;

import org.HdrHistogram.Histogram;

/**
 * Timing and allocation measurement for the CLI's reports: per-call latency percentiles with
 * HdrHistogram and heap bytes per call from the thread's allocation counter.
 */
public final class Measure {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Measure() {
    }

    /** Heap bytes the current thread has allocated so far. */
    public static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Calls {@code call} until it has run {@code calls} times or {@code maxNanos} have passed, so
     * that the JIT has compiled it (C2 needs about 10,000 calls of a method) before it is timed.
     *
     * @return the calls made
     */
    public static int warmUp(Runnable call, int calls, long maxNanos) {
        long end = System.nanoTime() + maxNanos;
        int n = 0;
        while (n < calls && (n % 64 != 0 || System.nanoTime() < end)) {
            call.run();
            n++;
        }
        return n;
    }

    /** A histogram of nanoseconds, up to one minute at 3 significant digits. */
    public static Histogram nanosHistogram() {
        return new Histogram(60_000_000_000L, 3);
    }

    /** {p50, p99, max} of a nanosecond histogram, in microseconds. */
    public static java.util.Map<String, Object> micros(Histogram h) {
        java.util.Map<String, Object> m = Report.object();
        m.put("p50", h.getValueAtPercentile(50) / 1e3);
        m.put("p99", h.getValueAtPercentile(99) / 1e3);
        m.put("max", h.getMaxValue() / 1e3);
        return m;
    }
}
