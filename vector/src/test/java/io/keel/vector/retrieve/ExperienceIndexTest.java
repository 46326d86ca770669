package io.keel.vector.retrieve;

import java.util.Arrays;
import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperienceIndexTest {
    private static final int[] NONE = new int[0];

    @Test
    void tfIdfCosineMatchesAHandComputation() {
        ExperienceIndex index = new ExperienceIndex(2, 4, false);
        // Three workflows: terms {0,1}, {1}, {2}; dense all equal so only the lexical part ranks.
        index.addWorkflow(new float[] {1, 0}, 0, new int[] {0, 1}, new int[] {1, 2}, 2);
        index.addWorkflow(new float[] {1, 0}, 0, new int[] {1}, new int[] {1}, 1);
        index.addWorkflow(new float[] {1, 0}, 0, new int[] {2}, new int[] {3}, 1);
        ExperienceQuery q = new ExperienceQuery().embedding(new float[] {1, 0}, 0)
                .lexical(new int[] {0}, new int[] {1}, 1).weights(1, 0);
        ExperienceHits h = index.searchWorkflows(q, 3);
        double idf0 = Math.log(4.0 / 2.0) + 1;
        double idf1 = Math.log(4.0 / 3.0) + 1;
        double expected = idf0 * idf0 / (idf0 * Math.sqrt(idf0 * idf0 + 4 * idf1 * idf1));
        assertEquals(0, h.id(0));
        assertEquals(expected, h.lexical(0), 1e-15);
        assertEquals(expected, h.score(0), 1e-15);
        // Equal (zero) scores rank by lower id.
        assertEquals(1, h.id(1));
        assertEquals(2, h.id(2));
        assertEquals(1f, h.semantic(2), 1e-6);
    }

    @Test
    void hierarchicalSearchOnlyReturnsStepsOfTheChosenWorkflows() {
        ExperienceIndex index = new ExperienceIndex(2, 4, true);
        int a = index.addWorkflow(new float[] {1, 0}, 0, NONE, NONE, 0);
        int b = index.addWorkflow(new float[] {0, 1}, 0, NONE, NONE, 0);
        for (int i = 0; i < 5; i++) {
            index.addStep(a, new float[] {1, 0.1f * i}, 0, NONE, NONE, 0);
            index.addStep(b, new float[] {0.1f * i, 1}, 0, NONE, NONE, 0);
        }
        ExperienceQuery q = new ExperienceQuery().embedding(new float[] {0.2f, 1}, 0);
        ExperienceHits steps = index.searchHierarchical(q, 1, 4);
        assertEquals(b, index.workflowHits().id(0));
        assertEquals(4, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(b, index.workflowOf(steps.id(i)));
        }
        ExperienceHits int8 = index.searchHierarchical(q.int8(true), 1, 4);
        assertEquals(b, index.workflowOf(int8.id(0)));
    }

    /**
     * The int8 stage on a corpus far larger than its 2k x {@value ExperienceIndex#INT8_OVERSAMPLE}
     * candidates (so it really selects): semantic-only queries, int8 top k against the float32
     * top k. Recall@10 measured 1.0 at every level (int8 codes of unit Gaussian vectors in 96
     * dimensions could mis-rank only near-ties at the candidate boundary); the bound 0.9 leaves
     * margin, and a candidate stage that kept the wrong entries drops it to 0 (measured with the
     * candidate score negated). Every int8 hit is rescored in float32, so its semantic score equals
     * the float32 path's for the same id, and the hits stay in score order.
     */
    @Test
    void int8CandidatesRecallTheFloat32TopK() {
        SplittableRandom r = new SplittableRandom(7);
        int dim = 96;
        int k = 10;
        int workflowCount = 300;
        int stepsPerWorkflow = 20;
        ExperienceIndex index = new ExperienceIndex(dim, k, true);
        float[] v = new float[dim];
        for (int w = 0; w < workflowCount; w++) {
            gaussian(r, v);
            index.addWorkflow(v, 0, NONE, NONE, 0);
            for (int s = 0; s < stepsPerWorkflow; s++) {
                gaussian(r, v);
                index.addStep(w, v, 0, NONE, NONE, 0);
            }
        }
        int candidates = 2 * k * ExperienceIndex.INT8_OVERSAMPLE;
        // Every level holds several times the candidates: 6000 steps, 300 workflows, and the
        // hierarchical search's 10 chosen workflows hold 200 steps.
        assertTrue(index.stepCount() >= 50 * candidates && index.workflowCount() >= 3 * candidates);
        int queries = 40;
        int[] found = new int[3];
        int[] total = new int[3];
        int[] truth = new int[k];
        for (int t = 0; t < queries; t++) {
            float[] qv = new float[dim];
            gaussian(r, qv);
            ExperienceQuery q = new ExperienceQuery().embedding(qv, 0).weights(0, 1);
            for (int level = 0; level < 3; level++) {
                ExperienceHits exact = run(index, q.int8(false), level, k);
                int n = exact.size();
                assertEquals(k, n);
                for (int i = 0; i < n; i++) {
                    truth[i] = exact.id(i);
                }
                float[] exactSemantic = new float[n];
                for (int i = 0; i < n; i++) {
                    exactSemantic[i] = exact.semantic(i);
                }
                ExperienceHits int8 = run(index, q.int8(true), level, k);
                assertEquals(k, int8.size(), "level " + level);
                // The hierarchical int8 search picks its workflows with int8 too: its steps must
                // come from those.
                int[] chosen = level == 2 ? workflowIds(index.workflowHits()) : null;
                for (int i = 0; i < int8.size(); i++) {
                    if (i > 0) {
                        assertTrue(int8.score(i) <= int8.score(i - 1), "int8 hits out of order at " + i);
                    }
                    if (chosen != null) {
                        int parent = index.workflowOf(int8.id(i));
                        assertTrue(Arrays.stream(chosen).anyMatch(w -> w == parent),
                                "int8 hierarchical hit " + int8.id(i) + " outside the chosen workflows");
                    }
                    for (int j = 0; j < n; j++) {
                        if (truth[j] == int8.id(i)) {
                            found[level]++;
                            assertEquals(exactSemantic[j], int8.semantic(i), 0f, "rescored in float32");
                        }
                    }
                }
                total[level] += k;
            }
        }
        for (int level = 0; level < 3; level++) {
            double recall = found[level] / (double) total[level];
            assertTrue(recall >= 0.9, "int8 recall@" + k + " at level " + level + ": " + recall);
        }
    }

    private static ExperienceHits run(ExperienceIndex index, ExperienceQuery q, int level, int k) {
        return switch (level) {
            case 0 -> index.searchSteps(q, k);
            case 1 -> index.searchWorkflows(q, k);
            default -> index.searchHierarchical(q, k, k);
        };
    }

    private static int[] workflowIds(ExperienceHits h) {
        int[] ids = new int[h.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = h.id(i);
        }
        Arrays.sort(ids);
        return ids;
    }

    private static void gaussian(SplittableRandom r, float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
    }

    @Test
    void mmrPrefersDiverseEntries() {
        ExperienceIndex index = new ExperienceIndex(2, 4, false);
        index.addWorkflow(new float[] {1, 0}, 0, NONE, NONE, 0);
        index.addWorkflow(new float[] {1, 0.01f}, 0, NONE, NONE, 0);
        index.addWorkflow(new float[] {0.6f, 0.8f}, 0, NONE, NONE, 0);
        ExperienceQuery q = new ExperienceQuery().embedding(new float[] {1, 0.1f}, 0).weights(0, 1);
        ExperienceHits plain = index.searchWorkflows(q, 2);
        assertEquals(1, plain.id(0));
        assertEquals(0, plain.id(1));
        ExperienceHits diverse = index.searchWorkflows(q.mmr(0.5), 2);
        assertEquals(2, diverse.id(1));
    }

    @Test
    void badInputIsRejectedAndLeavesTheIndexAndResultIntact() {
        ExperienceIndex index = new ExperienceIndex(3, 2, false);
        index.addWorkflow(new float[] {1, 2, 3}, 0, new int[] {4}, new int[] {1}, 1);
        ExperienceQuery q = new ExperienceQuery().embedding(new float[] {1, 1, 1}, 0);
        ExperienceHits h = index.searchWorkflows(q, 1);
        assertThrows(IllegalArgumentException.class,
                () -> index.addWorkflow(new float[] {0, 0, 0}, 0, NONE, NONE, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> index.addWorkflow(new float[] {1, Float.NaN, 0}, 0, NONE, NONE, 0));
        assertTrue(e.getMessage().contains("embedding[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> index.addStep(0, new float[] {1, 1, 1}, 0, new int[] {3, 3}, new int[] {1, 1}, 2));
        assertTrue(e.getMessage().contains("terms[1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> index.addStep(5, new float[] {1, 1, 1}, 0, NONE, NONE, 0));
        assertEquals(1, index.workflowCount());
        assertEquals(0, index.stepCount());
        assertThrows(IllegalArgumentException.class, () -> index.searchWorkflows(q, 3));
        assertThrows(IllegalArgumentException.class, () -> index.searchWorkflows(q.int8(true), 1));
        assertEquals(1, h.size());
        assertEquals(0, h.id(0));
    }

    @Test
    void searchesAllocateNothing() {
        SplittableRandom r = new SplittableRandom(1);
        int dim = 64;
        ExperienceIndex index = new ExperienceIndex(dim, 10, true);
        float[] v = new float[dim];
        int[] terms = new int[8];
        int[] counts = new int[8];
        for (int w = 0; w < 50; w++) {
            fill(r, v, terms, counts);
            index.addWorkflow(v, 0, terms, counts, 8);
            for (int s = 0; s < 20; s++) {
                fill(r, v, terms, counts);
                index.addStep(w, v, 0, terms, counts, 8);
            }
        }
        fill(r, v, terms, counts);
        ExperienceQuery q = new ExperienceQuery().embedding(v, 0).lexical(terms, counts, 8);
        AllocationProbe.assertZeroAllocation("flat step search", () -> index.searchSteps(q, 10), 2000);
        AllocationProbe.assertZeroAllocation("hierarchical search", () -> index.searchHierarchical(q, 5, 10), 2000);
        ExperienceQuery q8 = new ExperienceQuery().embedding(v, 0).lexical(terms, counts, 8).int8(true).mmr(0.7);
        AllocationProbe.assertZeroAllocation("int8 + MMR search", () -> index.searchSteps(q8, 10), 2000);
    }

    private static void fill(SplittableRandom r, float[] v, int[] terms, int[] counts) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        int t = r.nextInt(5);
        for (int i = 0; i < terms.length; i++) {
            t += 1 + r.nextInt(20);
            terms[i] = t;
            counts[i] = 1 + r.nextInt(3);
        }
    }

    @Test
    void anInt8IndexTooWideForInt8DotsIsRefusedAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExperienceIndex(io.keel.vector.VectorMath.MAX_INT8_DIM + 1, 2, true));
        assertTrue(e.getMessage().contains("int8Copy"), e.getMessage());
        new ExperienceIndex(io.keel.vector.VectorMath.MAX_INT8_DIM + 1, 2, false);
    }
}
