package example.consumer;

import io.keel.planners.ep.ExpertLayout;
import io.keel.planners.ep.ReplicationPlan;
import io.keel.streaming.EpBalancer;

/** Plans one layer with {@code EpBalancer.step} through keel's exported API only; exits 1 on a wrong plan. */
public final class Main {
    private Main() {
    }

    /**
     * Runs the check.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        // 4 ranks, 8 experts (2 per rank), 1 redundant slot per rank, one domain, 1 MiB per expert.
        ExpertLayout layout = ExpertLayout.contiguous(4, 8, 1, 4, 1 << 20);
        int[] loads = new int[4 * 8];
        for (int s = 0; s < 4; s++) {
            loads[s * 8] = 3000;      // every source sends 3000 tokens to expert 0 (home rank 0)
            loads[s * 8 + 5] = 200;   // and 200 to expert 5 (home rank 2)
        }
        try (EpBalancer balancer = new EpBalancer(EpBalancer.Config.defaults(layout, 1))) {
            var step = balancer.step(0, loads);
            ReplicationPlan plan = step.plan();
            int e0 = 0;
            for (int j = 0; j < plan.instanceCount(0); j++) {
                e0 += plan.instanceQuota(0, j);
            }
            check(e0 == 12_000, "expert 0 keeps its 12000 tokens, has " + e0);
            check(plan.replicaCount() >= 1, "expert 0 is replicated");
            check(plan.initialImbalance() > 3.5, "initial imbalance " + plan.initialImbalance());
            check(plan.imbalance() < 1.1, "imbalance after planning " + plan.imbalance());
            for (int i = 0; i < plan.transferCount(); i++) {
                check(plan.transferFrom(i) == layout.homeRank(plan.transferExpert(i)), "transfer " + i + " leaves home");
                check(plan.transferBytes(i) == 1 << 20, "transfer " + i + " moves one expert state");
            }
            System.out.printf("OK module path: imbalance %.3f -> %.3f, %d replicas%n",
                    plan.initialImbalance(), plan.imbalance(), plan.replicaCount());
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("FAILED: " + what);
            System.exit(1);
        }
    }
}
