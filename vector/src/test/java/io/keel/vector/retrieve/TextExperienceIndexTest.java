package io.keel.vector.retrieve;

import java.util.ArrayList;
import java.util.List;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextExperienceIndexTest {
    static List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        TextTokenizer.forEachTerm(text, out::add);
        return out;
    }

    static float[] unit(int dim, int hot) {
        float[] v = new float[dim];
        v[hot] = 1f;
        v[(hot + 1) % dim] = 0.25f;
        return v;
    }

    @Test
    void tokenizerLowerCasesSplitsAndDropsStopWords() {
        assertEquals(List.of("re", "run", "failing", "ci", "job", "x86", "64"),
                terms("Re-run the failing CI job on x86_64"));
        assertEquals(List.of("überprüfe", "größe", "2"), terms("Überprüfe the... GRÖßE 2"));
        assertEquals(List.of(), terms("  the, a; AND  "));
        assertTrue(TextTokenizer.isStopWord("the"));
    }

    @Test
    void lexicalAndSemanticRetrievalOverText() {
        TextExperienceIndex kb = new TextExperienceIndex(8, 5);
        int flaky = kb.addWorkflow("Fix a flaky integration test", unit(8, 0));
        int oom = kb.addWorkflow("Diagnose an out of memory crash in the trainer", unit(8, 3));
        kb.addStep(flaky, "Re-run the test twenty times to measure the flake rate", unit(8, 0));
        kb.addStep(oom, "Take a heap dump when memory crosses 90 percent", unit(8, 3));
        ExperienceHits w = kb.queryWorkflows("memory crash", unit(8, 6), 2);
        assertEquals(oom, w.id(0), "lexical match wins when the embedding is neutral");
        ExperienceHits steps = kb.query("integration test is flaky", unit(8, 0), 1, 1);
        assertEquals(flaky, kb.workflowHits().id(0));
        assertEquals(flaky, kb.index().workflowOf(steps.id(0)));
        assertEquals(-1, kb.vocabulary().idOf("the"), "stop words never enter the vocabulary");
    }

    @Test
    void aFailedAddChangesNothingVocabularyIncluded() {
        TextExperienceIndex kb = new TextExperienceIndex(4, 3);
        kb.addWorkflow("alpha beta", unit(4, 0));
        int before = kb.vocabulary().size();
        assertThrows(IllegalArgumentException.class, () -> kb.addWorkflow("gamma delta", new float[4]));
        assertThrows(IllegalArgumentException.class,
                () -> kb.addWorkflow("gamma delta", new float[] {1, Float.NaN, 0, 0}));
        assertThrows(IllegalArgumentException.class, () -> kb.addStep(3, "gamma", unit(4, 1)));
        assertEquals("text", assertThrows(NullPointerException.class, () -> kb.addWorkflow(null, unit(4, 0))).getMessage());
        assertEquals("embedding", assertThrows(NullPointerException.class, () -> kb.addWorkflow("x", null)).getMessage());
        assertEquals(before, kb.vocabulary().size());
        assertEquals(1, kb.index().workflowCount());
    }

    @Test
    void anAddBetweenTokenisingAndSearchingLeavesTheQueryAsItWas() {
        float[] e = {1, 1};
        TextExperienceIndex kb = alphaAndBeta(e);
        kb.tokenizeQuery("alpha", e);
        kb.addWorkflow("beta", e); // reuses the buffers adding tokenises into
        e[0] = -1;                 // and the caller's embedding changes
        kb.search(1, 1);
        assertEquals(0, kb.workflowHits().id(0), "the query is still 'alpha'");
        assertEquals(1.0, kb.workflowHits().semantic(0), 1e-6, "with the embedding it was given");
    }

    @Test
    void theSearchAfterTokenisingAllocatesNothing() {
        TextExperienceIndex kb = new TextExperienceIndex(16, 5);
        for (int i = 0; i < 40; i++) {
            int w = kb.addWorkflow("workflow number " + i + " about topic " + (i % 7), unit(16, i % 16));
            kb.addStep(w, "step of " + i + " topic " + (i % 5), unit(16, (i + 3) % 16));
        }
        kb.tokenizeQuery("topic 3 workflow", unit(16, 3));
        long[] sink = new long[1];
        AllocationProbe.assertZeroAllocation("TextExperienceIndex.search", () -> sink[0] += kb.search(3, 5).id(0));
        assertTrue(sink[0] >= 0);
    }

    @Test
    void aRefusedQueryLeavesTheQueryASearchWouldRun() {
        float[] e = {1, 1};
        TextExperienceIndex kb = alphaAndBeta(e);
        kb.query("alpha", e, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> kb.query("beta", e, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> kb.queryWorkflows("beta", e, 3));
        kb.search(1, 1);
        assertEquals(0, kb.workflowHits().id(0), "still the 'alpha' query");
    }

    /** Two workflows, "alpha" and "beta", one step each, every embedding {@code e}. */
    private static TextExperienceIndex alphaAndBeta(float[] e) {
        TextExperienceIndex kb = new TextExperienceIndex(2, 2);
        kb.addWorkflow("alpha", e);
        kb.addWorkflow("beta", e);
        kb.addStep(0, "alpha", e);
        kb.addStep(1, "beta", e);
        return kb;
    }
}
