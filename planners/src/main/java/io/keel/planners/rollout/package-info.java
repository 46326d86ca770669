/**
 * Trajectory-centric rollout planning after Heddle (arXiv 2603.28101): an online {@link
 * io.keel.planners.rollout.RuntimePredictor}, a longest-first {@link
 * io.keel.planners.rollout.ProgressiveScheduler}, a rollout-wide KV {@link
 * io.keel.planners.rollout.AdmissionGate} on predicted peak contexts, exact presorted-partition placement ({@link
 * io.keel.planners.rollout.TrajectoryPlacer}), tool-call-time migration ({@link
 * io.keel.planners.rollout.MigrationPlanner}) and an exact parallelism planner ({@link
 * io.keel.planners.rollout.ParallelismPlanner}), all priced by a replaceable {@link
 * io.keel.planners.rollout.DecodeTimeTable}.
 *
 * <p>Every kernel follows the host-loop contract: construction allocates, calls do not; one
 * thread per object; bad input fails with an {@link java.lang.IllegalArgumentException} that
 * names the argument and leaves the object and its previous result intact.
 */
package io.keel.planners.rollout;
