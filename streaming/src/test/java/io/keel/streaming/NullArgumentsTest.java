package io.keel.streaming;

import java.lang.foreign.MemorySegment;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.QuotaPlanner;
import io.keel.planners.relay.RelayPolicy;
import org.junit.jupiter.api.Test;

import static io.keel.core.testing.NullArguments.assertNullNamed;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * keel's null rule on streaming's public entry points: a null argument throws
 * {@link NullPointerException} whose message is the argument's name.
 */
class NullArgumentsTest {
    @Test
    void balancerAndConfig() {
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 1, 4, 1024);
        assertNullNamed("layout", () -> EpBalancer.Config.defaults(null, 1));
        EpBalancer.Config config = EpBalancer.Config.defaults(layout, 1).withTiles(256, 4).withChannels(4);
        assertNullNamed("relayPolicy", () -> config.withRelayPolicy(null));
        assertNullNamed("plannerOptions", () -> config.withPlannerOptions(null));
        assertNullNamed("plannerOptions", () -> new EpBalancer.Config(layout, 1, null, RelayPolicy.BALANCED_TREES, 1e9, 1, 1, 256, 4));
        assertNullNamed("config", () -> new EpBalancer(null));
        try (EpBalancer balancer = new EpBalancer(config)) {
            assertNullNamed("loads", () -> balancer.step(0, (int[]) null));
            assertNullNamed("loads", () -> balancer.step(0, (MemorySegment) null));
        }
        try (TileStreamPacker packer = TileStreamPacker.withDefaults(4, 8, 8, 4)) {
            assertNullNamed("plan", () -> packer.pack(null, 1));
            assertNullNamed("plan", () -> packer.pack(null, 1, 0));
        }
        assertEquals(QuotaPlanner.Options.DEFAULTS, config.plannerOptions());
    }

    @Test
    void pipeline() {
        EpBalancer.Config config = EpBalancer.Config.defaults(ExpertLayout.contiguous(4, 8, 1, 4, 1024), 1)
                .withTiles(256, 4).withChannels(4);
        assertNullNamed("config", () -> new BalancerPipeline(null, 1));
        assertNullNamed("idle", () -> new BalancerPipeline(config, 1, null));
        try (BalancerPipeline pipe = new BalancerPipeline(config, 1)) {
            assertNullNamed("loads", () -> pipe.submit(0, null));
            assertNullNamed("slot", () -> pipe.release(null));
            assertEquals(0, pipe.inFlight());
        }
    }
}
