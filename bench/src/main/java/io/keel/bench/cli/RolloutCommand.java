package io.keel.bench.cli;

import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.bench.sim.rollout.RolloutConfig;
import io.keel.bench.sim.rollout.RolloutExperiment;
import io.keel.bench.sim.rollout.RolloutWorkload;
import io.keel.planners.rollout.ModelSpec;
import io.keel.planners.rollout.RooflineCostModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code keel rollout}: simulates agentic RL rollouts of a model on a cluster at a KV load,
 * verl-like and slime-like baselines at their best static degree (found by sweep) and at the
 * framework default, against keel's rollout planners; prints makespans, the lower bound and
 * keel's speedup over the best baseline with a 95% interval over seeds.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = "Simulate agentic RL rollouts: verl-like and slime-like baselines at their best degree vs keel's rollout planners.")
public final class RolloutCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    JsonOption output;

    @Option(names = "--model", defaultValue = "qwen2.5-32b",
            description = "llama3.1-8b | qwen2.5-32b | llama3.1-70b | qwen3-30b-a3b (and llama2-70b | llama2-7b, the "
                    + "vidur calibration's models). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--workload", defaultValue = "swe", description = "swe | short. Default: ${DEFAULT-VALUE}.")
    String workload;

    @Option(names = "--load", defaultValue = "2", paramLabel = "RHO",
            description = "Peak KV demand / cluster KV capacity; sizes the trajectory count. Default: ${DEFAULT-VALUE}.")
    double load;

    @Option(names = "--gpus", defaultValue = "64", description = "GPUs (H100 80 GB). Default: ${DEFAULT-VALUE}.")
    int gpus;

    @Option(names = "--seeds", defaultValue = "5", description = "Seeds (workloads) to average over. Default: ${DEFAULT-VALUE}.")
    int seeds;

    @Option(names = "--tp", paramLabel = "D", description = "Run the baselines on degree D instead of sweeping for their best (their concurrency limit is still swept).")
    Integer tp;

    @Option(names = "--training-steps", defaultValue = "3", description = "Rollouts per seed over the same prompts. Default: ${DEFAULT-VALUE}.")
    int trainingSteps;

    @Option(names = "--max-batch", paramLabel = "B", defaultValue = "1024", description = "Sequences one instance runs at once (vLLM's default on an H100): keel's, and the baselines' framework default; the baselines are also swept at 256 and 1024. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--sweep", description = "Print the speedup table over models x loads (llama3.1-8b, qwen2.5-32b, llama3.1-70b x 0.5, 1, 2).")
    boolean sweep;

    @Option(names = "--ablations", description = "Also run keel with one part switched off at a time.")
    boolean ablations;

    @Override
    public void run() {
        if (seeds < 1 || seeds > 100) {
            throw bad("--seeds must be in [1, 100], was " + seeds);
        }
        if (trainingSteps < 1 || trainingSteps > 20) {
            throw bad("--training-steps must be in [1, 20], was " + trainingSteps);
        }
        if (!(load > 0) || load > 16) {
            throw bad("--load must be in (0, 16], was " + load);
        }
        if (gpus < 1 || gpus > 1024) {
            throw bad("--gpus must be in [1, 1024], was " + gpus);
        }
        if (maxBatch < 1 || maxBatch > 4096) {
            throw bad("--max-batch must be in [1, 4096], was " + maxBatch);
        }
        if (sweep) {
            Report.print(System.out, sweep(), output.json());
            return;
        }
        RolloutExperiment e = experiment(model, load);
        Report.print(System.out, e.run(ablations), output.json());
    }

    /** The sweep's table; it runs its own models, loads and degrees, so those options are refused beside it. */
    private Map<String, Object> sweep() {
        for (String fixed : new String[] {"--model", "--load", "--tp", "--ablations"}) {
            if (spec.commandLine().getParseResult().hasMatchedOption(fixed)) {
                throw bad("--sweep runs its own models, loads and degrees, without ablations: drop " + fixed);
            }
        }
        RolloutWorkload.Params p = Arguments.from(spec, () -> workload(workload));
        for (ModelSpec m : RolloutExperiment.SWEEP_MODELS) {
            if (RolloutConfig.defaults(m, gpus, 1).usableDegrees(p.contextCap()).length == 0) {
                throw bad("no degree of 1, 2, 4, 8 can run the sweep's " + m.name() + " on " + gpus + " GPUs with a "
                        + p.contextCap() + "-token context");
            }
        }
        return Arguments.from(spec, () -> RolloutExperiment.sweep(workload, gpus, seeds, trainingSteps, maxBatch));
    }

    private RolloutExperiment experiment(String modelName, double rho) {
        ModelSpec m = Arguments.from(spec, () -> preset(modelName));
        RolloutWorkload.Params p = Arguments.from(spec, () -> workload(workload));
        RolloutConfig cfg = RolloutConfig.defaults(m, gpus, 1).withTrainingSteps(trainingSteps).withMaxBatch(maxBatch);
        if (cfg.usableDegrees(p.contextCap()).length == 0) {
            throw bad("no degree of 1, 2, 4, 8 can run " + modelName + " on " + gpus + " GPUs with a " + p.contextCap() + "-token context");
        }
        if (tp != null && tp < 1) {
            throw bad("--tp must be a degree >= 1, was " + tp);
        }
        if (tp != null && !cfg.usable(tp, p.contextCap())) {
            throw bad(RooflineCostModel.isFeasible(m, cfg.gpu(), tp)
                    ? "--tp " + tp + " cannot run " + modelName + " here: it must divide --gpus and hold one " + p.contextCap() + "-token context"
                    : "--tp " + tp + ": " + RooflineCostModel.infeasibility(m, cfg.gpu(), tp));
        }
        return new RolloutExperiment(cfg, p, rho, seeds, tp);
    }

    private static ModelSpec preset(String name) {
        try {
            return ModelSpec.preset(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage(), e);
        }
    }

    private static RolloutWorkload.Params workload(String name) {
        try {
            return RolloutWorkload.Params.named(name, 16);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--workload: " + e.getMessage(), e);
        }
    }

    private picocli.CommandLine.ParameterException bad(String message) {
        return Arguments.bad(spec, message);
    }

    /** The demo's section: one seed, one training step of qwen2.5-32b at load 2 on 32 GPUs, no sweep. */
    static Map<String, Object> demo() {
        RolloutWorkload.Params p = RolloutWorkload.Params.swe(16);
        RolloutConfig cfg = RolloutConfig.defaults(ModelSpec.QWEN25_32B, 32, 1).withTrainingSteps(2);
        return new RolloutExperiment(cfg, p, 2.0, 1, 8).run(false);
    }
}
