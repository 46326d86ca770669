package io.keel.bench.sim.rollout;

/**
 * The instances' interconnect links as migrations use them: each instance sends one transfer at a
 * time and receives one at a time, so a transfer starts when both its source's send side and its
 * destination's receive side are free, and holds both until it ends.
 *
 * <p>Single-threaded.
 */
final class KvLinks {
    private final double[] sendFree;
    private final double[] recvFree;

    KvLinks(int instances) {
        sendFree = new double[instances];
        recvFree = new double[instances];
    }

    /** When a transfer of {@code seconds} from {@code from} to {@code to}, asked for at {@code now}, would end. */
    double end(int from, int to, double now, double seconds) {
        return Math.max(now, Math.max(sendFree[from], recvFree[to])) + seconds;
    }

    /** Books that transfer (see {@link #end}) and returns its end. */
    double book(int from, int to, double now, double seconds) {
        double end = end(from, to, now, seconds);
        sendFree[from] = end;
        recvFree[to] = end;
        return end;
    }
}
