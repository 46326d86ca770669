package io.keel.props.ep;

import java.util.SplittableRandom;

import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

/** EPLB-compatible planner: maps consistent, every expert placed, hierarchical node confinement. */
class EplbPlannerPropertiesTest {
    @Test
    void mapsAreConsistent() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int nodes = 1 + rnd.nextInt(3);
            int gpusPerNode = 1 + rnd.nextInt(3);
            int gpus = nodes * gpusPerNode;
            int groups = nodes * (1 + rnd.nextInt(3)) + (rnd.nextInt(4) == 0 ? 1 : 0);
            int groupSize = 1 + rnd.nextInt(3);
            int experts = groups * groupSize * (groups % nodes == 0 ? 1 : nodes);
            int replicas = gpus * ((experts + gpus - 1) / gpus + rnd.nextInt(3));
            int layers = 1 + rnd.nextInt(3);
            int[] w = new int[layers * experts];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextInt(1 + (1 << rnd.nextInt(12)));
            }
            EplbPlanner planner = new EplbPlanner(layers, experts, replicas, groups, nodes, gpus);
            EplbPlan p = planner.rebalance(w, layers);
            assertEquals(groups % nodes == 0, p.hierarchical());
            for (int l = 0; l < layers; l++) {
                int[] count = new int[experts];
                for (int i = 0; i < replicas; i++) {
                    int e = p.phy2log(l, i);
                    assertEquals(i, p.log2phy(l, e, p.phyRank(l, i)));
                    count[e]++;
                    if (p.hierarchical()) {
                        // Replicas stay on the node their expert group was packed to.
                        int node = i / (replicas / nodes);
                        for (int j = 0; j < replicas; j++) {
                            if (p.phy2log(l, j) / groupSize == e / groupSize) {
                                assertEquals(node, j / (replicas / nodes));
                            }
                        }
                    }
                }
                int total = 0;
                for (int e = 0; e < experts; e++) {
                    assertTrue(count[e] >= 1);
                    assertEquals(count[e], p.logcnt(l, e));
                    total += count[e];
                    for (int k = count[e]; k < p.maxLogicalCount(); k++) {
                        assertEquals(-1, p.log2phy(l, e, k));
                    }
                }
                assertEquals(replicas, total);
            }
            int[] bad = w.clone();
            bad[rnd.nextInt(bad.length)] = -1;
            int first = p.phy2log(0, 0);
            assertThrows(IllegalArgumentException.class, () -> planner.rebalance(bad, layers));
            assertEquals(first, planner.lastPlan().phy2log(0, 0));
        });
    }
}
