package io.keel.bench.sim.rollout;

import java.util.List;

/**
 * A rollout policy. The baselines: step-level FCFS with least-load routing of every step
 * (slime-like; a step that lands away from its KV cache re-prefills its context) and sticky
 * cache-aware routing (verl-like; a trajectory stays where its first step ran, FCFS queues).
 * keel: runtime predictor, progressive priority, presorted-DP placement, migration and the
 * parallelism planner, each of which an ablation switches off.
 *
 * @param name report key
 * @param routing how steps find an instance
 * @param predictor keel's predictor (off: every trajectory is predicted the global mean)
 * @param priority longest-predicted-first queues with preemption (off: FCFS queues)
 * @param placement presorted-DP placement (off: least-count sticky placement)
 * @param migration migration of tool-calling trajectories (off: none)
 * @param parallelism the parallelism planner (off: the configured instances)
 * @param history the predictor starts from the previous epoch of the same prompts (off: cold)
 */
public record Policy(String name, Routing routing, boolean predictor, boolean priority, boolean placement,
                     boolean migration, boolean parallelism, boolean history) {
    /** How steps find an instance. */
    public enum Routing {
        /** Every step to the least-loaded instance. */
        FCFS,
        /** Every step to the trajectory's home instance. */
        STICKY,
        /** keel's planners choose the home; migration may change it. */
        KEEL
    }

    /** slime-like step-level FCFS. */
    public static Policy fcfs() {
        return new Policy("fcfs", Routing.FCFS, false, false, false, false, false, false);
    }

    /** verl-like sticky routing. */
    public static Policy sticky() {
        return new Policy("sticky", Routing.STICKY, false, false, false, false, false, false);
    }

    /** keel with every part on. */
    public static Policy keel() {
        return new Policy("keel", Routing.KEEL, true, true, true, true, true, true);
    }

    /** keel with one part off at a time, and keel with a cold predictor. */
    public static List<Policy> ablations() {
        return List.of(
                new Policy("keel-no-predictor", Routing.KEEL, false, true, true, true, true, true),
                new Policy("keel-no-priority", Routing.KEEL, true, false, true, true, true, true),
                new Policy("keel-no-placement", Routing.KEEL, true, true, false, true, true, true),
                new Policy("keel-no-migration", Routing.KEEL, true, true, true, false, true, true),
                new Policy("keel-no-parallelism", Routing.KEEL, true, true, true, true, false, true),
                new Policy("keel-cold-predictor", Routing.KEEL, true, true, true, true, true, false));
    }
}
