package io.keel.vector.retrieve;

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
