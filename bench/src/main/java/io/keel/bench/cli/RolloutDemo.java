package io.keel.bench.cli;

import java.util.Map;


/** The rollout planners in a simulated agentic rollout: qwen2.5-32b at load 2 on 32 GPUs, baselines on TP8. */
final class RolloutDemo implements DemoSection {
    @Override
    public String name() {
        return "rollout";
    }

    @Override
    public Map<String, Object> run(Progress progress) {
        progress.step("simulating 2 training steps of qwen2.5-32b rollouts at load 2 on 32 GPUs: verl, slime (TP8), keel");
        return RolloutCommand.demo();
    }
}
