/**
 * Relay fan-out trees for expert-state transfers (UltraEP's weight sync): an expert's home rank
 * sends its state to relays, which forward it chunk by chunk to the remaining targets, so no
 * rank's egress link carries many copies. {@link io.keel.planners.relay.RelayPlanner} builds the
 * trees of a layer from a {@link io.keel.planners.relay.RelayRequest} and returns a reusable
 * {@link io.keel.planners.relay.RelayPlan} with per-rank bytes, a makespan estimate and a lower
 * bound.
 */
package io.keel.planners.relay;
