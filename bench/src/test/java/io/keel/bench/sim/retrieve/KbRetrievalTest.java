package io.keel.bench.sim.retrieve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.keel.vector.VectorMath;
import io.keel.vector.retrieve.ExperienceHits;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agent KB retrieval over the shipped example with the real model: keel's cosine agrees with the
 * model library's, and held-out paraphrases (bench/examples/paraphrases.tsv, written with the
 * example and never indexed) find their source workflow first.
 */
class KbRetrievalTest {
    static MiniLmEmbedder model;
    static List<ExperienceFile.Workflow> file;
    static KbIndex kb;

    @BeforeAll
    static void load() throws IOException {
        model = new MiniLmEmbedder();
        file = ExperienceFile.read(Path.of("examples/experiences.jsonl"));
        kb = KbIndex.build(file, model, 5);
    }

    @Test
    void keelCosineEqualsTheModelLibrarySimilarity() {
        List<String> texts = new ArrayList<>();
        for (ExperienceFile.Workflow w : file) {
            texts.add(w.task());
            texts.add(w.steps().get(0));
        }
        double worst = 0;
        for (int i = 0; i + 1 < texts.size(); i++) {
            float[] a = model.embed(texts.get(i));
            float[] b = model.embed(texts.get(i + 1));
            assertEquals(MiniLmEmbedder.DIM, a.length);
            double diff = Math.abs(VectorMath.cosine(a, b) - MiniLmEmbedder.librarySimilarity(a, b));
            worst = Math.max(worst, diff);
        }
        assertTrue(worst <= 1e-6, "largest |keel - library| cosine difference " + worst);
    }

    @Test
    void heldOutParaphrasesFindTheirWorkflowFirst() throws IOException {
        int asked = 0;
        int first = 0;
        StringBuilder misses = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("examples/paraphrases.tsv"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 2);
            asked++;
            ExperienceHits w = kb.index().queryWorkflows(f[1], model.embed(f[1]), 1);
            String got = kb.workflow(w.id(0)).id();
            if (got.equals(f[0])) {
                first++;
            } else {
                misses.append("\n  ").append(f[1]).append(" -> ").append(got).append(" (want ").append(f[0]).append(')');
            }
        }
        assertEquals(30, asked);
        double rate = first / (double) asked;
        System.out.printf("paraphrase hit@1: %d / %d = %.1f%%%s%n", first, asked, 100 * rate, misses);
        assertTrue(rate >= 0.9, "hit@1 " + first + "/" + asked + misses);
    }
}
