package io.keel.bench.sim.retrieve;

import java.util.ArrayList;
import java.util.List;

import io.keel.vector.retrieve.TextExperienceIndex;

/**
 * An experience file indexed for {@code keel kb} and its tests: each workflow's task text and each
 * step's text, embedded by the model, in a {@link TextExperienceIndex}, with the texts kept to
 * print the hits. Threading: one thread. Allocation: building allocates; searches go to the index.
 */
public final class KbIndex {
    private final TextExperienceIndex index;
    private final List<ExperienceFile.Workflow> workflows;
    private final List<String> stepTexts = new ArrayList<>();

    private KbIndex(TextExperienceIndex index, List<ExperienceFile.Workflow> workflows) {
        this.index = index;
        this.workflows = workflows;
    }

    /** Embeds and indexes every workflow and step of {@code file}, for queries of up to {@code maxK}. */
    public static KbIndex build(List<ExperienceFile.Workflow> file, MiniLmEmbedder model, int maxK) {
        KbIndex kb = new KbIndex(new TextExperienceIndex(MiniLmEmbedder.DIM, maxK), List.copyOf(file));
        for (ExperienceFile.Workflow w : file) {
            int id = kb.index.addWorkflow(w.task(), model.embed(w.task()));
            for (String step : w.steps()) {
                kb.index.addStep(id, step, model.embed(step));
                kb.stepTexts.add(step);
            }
        }
        return kb;
    }

    /** The index. */
    public TextExperienceIndex index() {
        return index;
    }

    /** Workflow {@code id} as read from the file. */
    public ExperienceFile.Workflow workflow(int id) {
        return workflows.get(id);
    }

    /** The text of step {@code id}. */
    public String stepText(int id) {
        return stepTexts.get(id);
    }
}
