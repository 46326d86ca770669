package io.keel.bench.cli;

import java.util.List;
import java.util.Map;

import io.keel.bench.sim.rollout.Policy;
import io.keel.bench.sim.rollout.RolloutConfig;

/** The rollout planners in a simulated agentic rollout: 512 trajectories on 32 GPUs, all policies. */
final class RolloutDemo implements DemoSection {
    @Override
    public String name() {
        return "rollout";
    }

    @Override
    public Map<String, Object> run(Progress progress) {
        progress.step("simulating a rollout of 512 trajectories on 32 GPUs: fcfs, sticky, keel");
        return RolloutCommand.simulate(512, RolloutConfig.defaults(32, 32), 42,
                List.of(Policy.fcfs(), Policy.sticky(), Policy.keel()), false);
    }
}
