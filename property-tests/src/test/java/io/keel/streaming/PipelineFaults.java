package io.keel.streaming;

import org.agrona.concurrent.IdleStrategy;

/**
 * Reaches {@link BalancerPipeline}'s package-private step hook from the property tests (they run
 * on the class path, so this class shares the package): a pipeline whose planning thread throws
 * {@code faults[sequence]}, when there is one, before planning that step.
 */
public final class PipelineFaults {
    private PipelineFaults() {
    }

    /** A pipeline that fails step {@code seq} with {@code faults[seq]} when that is not null. */
    public static BalancerPipeline pipeline(EpBalancer.Config config, int slots, IdleStrategy idle, Throwable[] faults) {
        return new BalancerPipeline(config, slots, idle, (seq, layer) -> {
            if (seq < faults.length && faults[(int) seq] != null) {
                throw faults[(int) seq];
            }
        });
    }
}
