package io.keel.props.ep;

import java.util.SplittableRandom;

import io.keel.planners.ep.EplbPlan;
import io.keel.planners.ep.EplbPlanner;
import io.keel.planners.ep.PlacementImbalance;
import org.junit.jupiter.api.Test;

import static io.keel.props.Props.qt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.longs;

/** The skip-when-balanced test on random EPLB placements, failed GPUs included. */
class PlacementImbalancePropertiesTest {
    @Test
    void imbalanceIsMaxOverMeanOfLiveGpusAndBalancedAgreesWithIt() {
        qt().forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int gpus = 1 + rnd.nextInt(8);
            int experts = 2 + rnd.nextInt(30);
            int replicas = gpus * ((experts + gpus - 1) / gpus + rnd.nextInt(3));
            int layers = 1 + rnd.nextInt(3);
            int[] w = new int[layers * experts];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1 + (1 << rnd.nextInt(16)));
            }
            EplbPlan plan = new EplbPlanner(layers, experts, replicas, 1, 1, gpus).rebalance(w, layers);
            int[] phy2log = new int[layers * replicas];
            int failed = rnd.nextInt(3) == 0 ? rnd.nextInt(gpus) : -1;
            int perGpu = replicas / gpus;
            for (int l = 0; l < layers; l++) {
                for (int p = 0; p < replicas; p++) {
                    phy2log[l * replicas + p] = p / perGpu == failed ? -1 : plan.phy2log(l, p);
                }
            }
            PlacementImbalance m = new PlacementImbalance(experts, replicas, gpus);
            double worst = 1;
            for (int l = 0; l < layers; l++) {
                double got = m.imbalance(phy2log, w, l);
                double expected = reference(phy2log, w, l, experts, replicas, gpus);
                assertEquals(expected, got, Math.abs(expected) * 1e-12 + 1e-12);
                if (got != Double.POSITIVE_INFINITY) {
                    assertTrue(got >= 1 - 1e-12 && got <= gpus + 1e-9, "1 <= max/mean <= live GPUs, was " + got);
                }
                worst = Math.max(worst, got);
            }
            if (worst != Double.POSITIVE_INFINITY) {
                assertTrue(m.balanced(phy2log, w, layers, worst));
                if (worst > 1.0001) {
                    assertTrue(!m.balanced(phy2log, w, layers, worst * 0.9999));
                }
            } else {
                assertTrue(!m.balanced(phy2log, w, layers, 1e12));
            }
        });
    }

    /** The definition, written out plainly. */
    private static double reference(int[] phy2log, int[] w, int l, int experts, int replicas, int gpus) {
        int[] copies = new int[experts];
        for (int p = 0; p < replicas; p++) {
            if (phy2log[l * replicas + p] >= 0) {
                copies[phy2log[l * replicas + p]]++;
            }
        }
        double total = 0;
        for (int e = 0; e < experts; e++) {
            if (w[l * experts + e] > 0 && copies[e] == 0) {
                return Double.POSITIVE_INFINITY;
            }
            total += w[l * experts + e];
        }
        if (total == 0) {
            return 1;
        }
        double[] load = new double[gpus];
        boolean[] live = new boolean[gpus];
        for (int p = 0; p < replicas; p++) {
            int e = phy2log[l * replicas + p];
            if (e >= 0) {
                live[p / (replicas / gpus)] = true;
                load[p / (replicas / gpus)] += (double) w[l * experts + e] / copies[e];
            }
        }
        double max = 0;
        int n = 0;
        for (int g = 0; g < gpus; g++) {
            max = Math.max(max, load[g]);
            n += live[g] ? 1 : 0;
        }
        return max * n / total;
    }
}
