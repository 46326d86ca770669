package io.keel.bench.sim.rollout;

import io.keel.planners.rollout.MigrationPlanner;

/**
 * keel's migration tick: trajectories in a tool call whose KV transfer fits the expected rest
 * of the call move to even out predicted load, when the destination has room for their KV.
 * Only trajectories of pressured instances (steps waiting, or under 5% of the KV free) are
 * candidates: with nothing queued a move saves nothing and mispredictions make it cost. The
 * planner prices a transfer at the link's bandwidth alone; a move whose KV, queued behind the
 * transfers already on the source's or destination's link, would arrive after the call's
 * expected end is dropped.
 *
 * <p>Single-threaded; allocates scratch per tick (a simulator).
 */
final class Migration {
    private Migration() {
    }

    static void run(SimulatedRollout sim, MigrationPlanner planner, double now) {
        int m = sim.m;
        int n = sim.n;
        planner.beginInterval();
        double[] load = new double[m];
        double[] perToken = new double[m];
        double[] remaining = new double[m];
        int[] active = new int[m];
        for (int t = 0; t < n; t++) {
            if (sim.phase[t] != SimulatedRollout.DONE) {
                remaining[sim.home[t]] += sim.pred.predictedRemainingTokens(t);
                active[sim.home[t]]++;
            }
        }
        for (int j = 0; j < m; j++) {
            int b = Math.max(1, Math.min(active[j], sim.cfg.maxBatch()));
            perToken[j] = sim.cost[j].decodeSeconds(b, b * sim.pred.growthPerStep()) / b;
            load[j] = remaining[j] * perToken[j];
        }
        int c = 0;
        int[] traj = new int[n];
        int[] inst = new int[n];
        double[] rem = new double[n];
        double[] kvBytes = new double[n];
        double[] left = new double[n];
        double[] expectedEnd = new double[n];
        double bytesPerToken = sim.cfg.model().kvBytesPerToken();
        for (int t = 0; t < n; t++) {
            if (sim.phase[t] != SimulatedRollout.TOOL || sim.toolEnd[t] <= now || sim.sending(t)
                    || !sim.pressured(sim.home[t])) {
                continue;
            }
            double expected = sim.pred.toolResidual(now - sim.toolStart[t]);
            expectedEnd[t] = now + (Double.isNaN(expected) ? 0.0 : expected);
            traj[c] = t;
            inst[c] = sim.home[t];
            rem[c] = sim.pred.predictedRemainingTokens(t);
            kvBytes[c] = sim.kv[t] * bytesPerToken;
            left[c] = Double.isNaN(expected) ? 0.0 : expected;
            c++;
        }
        MigrationPlanner.Moves moves = planner.plan(load, perToken, m, traj, inst, rem, kvBytes, left, c,
                sim.cfg.gpu().transferBytesPerSecond(), sim.cfg.maxMovesPerInterval());
        for (int k = 0; k < moves.count(); k++) {
            int t = moves.trajectory(k);
            int to = moves.to(k);
            if (sim.free(to) - sim.kv[t] > 0.05 * sim.capacity(to) && sim.arrival(t, to, now) <= expectedEnd[t]) {
                sim.move(t, to, now);
            }
        }
    }
}
