package io.keel.props;

import org.quicktheories.QuickTheory;

/**
 * The property-test entry point every keel property uses: QuickTheories with at least 1,000
 * examples by default ({@code -Dkeel.examples=N} to change; {@code -DQT_SEED=S} replays a seed).
 */
public final class Props {
    /** Examples per property. */
    public static final int EXAMPLES = Integer.getInteger("keel.examples", 1000);

    private Props() {
    }

    /** A theory configured with {@link #EXAMPLES} examples. */
    public static QuickTheory qt() {
        return QuickTheory.qt().withExamples(EXAMPLES).withShrinkCycles(200);
    }
}
