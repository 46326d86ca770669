package io.keel.bench.sim.rollout;

import java.util.List;

/**
 * A rollout policy. The baselines: verl-like (a trajectory sticks to the instance with the
 * fewest requests so far when it starts; FCFS; prefix cache with LRU eviction, then preemption
 * by recompute) and slime-like (every step routed cache-aware: to the instance holding its
 * prefix unless the cluster is imbalanced, then to the least-loaded one; FCFS; same cache).
 * keel: predictor, progressive priority, presorted-DP placement, memory-aware residency,
 * migration and the parallelism planner, each of which an ablation switches off.
 *
 * @param name report key
 * @param routing how steps find an instance
 * @param predictor keel's predictor (off: every trajectory is predicted the global mean)
 * @param priority longest-predicted-first queues, and the admission gate starts the longest predicted
 *     runtime first (off: FCFS queues, gate in index order)
 * @param placement presorted-DP placement, or spread by predicted work when the trajectories outnumber
 *     the instances' batch slots (off: least-count placement)
 * @param migration migration of tool-calling trajectories (off: none)
 * @param parallelism the parallelism planner (off: the baselines' degree); when the admission gate
 *     holds trajectories back, its fastest uniform degree
 * @param history the predictor keeps history across training steps (off: cleared before each)
 * @param residency memory-aware residency: new trajectories start through a rollout-wide admission
 *     gate on predicted peak contexts and, when it holds none back, only when the predicted peak
 *     KV of the instance's residents fits; eviction takes the idle trajectory with the least
 *     predicted remaining work (off: every trajectory starts at once, and the baselines' LRU cache)
 * @param oracle predictions are the true lengths (the reference for what prediction could give)
 */
public record Policy(String name, Routing routing, boolean predictor, boolean priority, boolean placement,
                     boolean migration, boolean parallelism, boolean history, boolean residency, boolean oracle) {
    /** How steps find an instance. */
    public enum Routing {
        /** verl-like: a trajectory stays on the instance with the fewest requests when it started. */
        STICKY_FEWEST_REQUESTS,
        /** slime-like: each step to its prefix's instance unless imbalanced, else the least-loaded one. */
        CACHE_AWARE_LEAST_LOAD,
        /** keel: homes from the presorted-DP placement over predicted lengths; migration may move them. */
        PREDICTED_PLACEMENT
    }

    /** verl-like. */
    public static Policy verl() {
        return new Policy("verl", Routing.STICKY_FEWEST_REQUESTS, false, false, false, false, false, false, false, false);
    }

    /** slime-like. */
    public static Policy slime() {
        return new Policy("slime", Routing.CACHE_AWARE_LEAST_LOAD, false, false, false, false, false, false, false, false);
    }

    /** keel with every part on. */
    public static Policy keel() {
        return new Policy("keel", Routing.PREDICTED_PLACEMENT, true, true, true, true, true, true, true, false);
    }

    /** keel with true lengths in place of predictions. */
    public static Policy keelOracle() {
        return new Policy("keel-oracle", Routing.PREDICTED_PLACEMENT, true, true, true, true, true, true, true, true);
    }

    /** Whether this is one of keel's variants. */
    public boolean isKeel() {
        return routing == Routing.PREDICTED_PLACEMENT;
    }

    /** keel with one part off at a time. */
    public static List<Policy> ablations() {
        Routing r = Routing.PREDICTED_PLACEMENT;
        return List.of(
                new Policy("keel-no-predictor", r, false, true, true, true, true, true, true, false),
                new Policy("keel-no-priority", r, true, false, true, true, true, true, true, false),
                new Policy("keel-no-placement", r, true, true, false, true, true, true, true, false),
                new Policy("keel-no-migration", r, true, true, true, false, true, true, true, false),
                new Policy("keel-no-parallelism", r, true, true, true, true, false, true, true, false),
                new Policy("keel-no-residency", r, true, true, true, true, true, true, false, false),
                new Policy("keel-no-history", r, true, true, true, true, true, false, true, false));
    }
}
