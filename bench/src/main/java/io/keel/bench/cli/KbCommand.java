package io.keel.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.bench.sim.retrieve.ExperienceFile;
import io.keel.bench.sim.retrieve.KbIndex;
import io.keel.bench.sim.retrieve.MiniLmEmbedder;
import io.keel.vector.retrieve.ExperienceHits;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code keel kb}: Agent KB retrieval over real text. Loads an experience file (JSON Lines, see
 * {@link ExperienceFile}), embeds every task and step with all-MiniLM-L6-v2 (quantised, in
 * process), indexes them in a {@link io.keel.vector.retrieve.TextExperienceIndex}, and prints the hierarchical hybrid hits
 * for the query: the top workflows, then the top steps among theirs, each with its hybrid,
 * lexical (TF-IDF cosine) and semantic (embedding cosine) scores.
 */
@Command(name = "kb", mixinStandardHelpOptions = true,
        description = "Hybrid hierarchical retrieval over an agent-experience file (JSON Lines) with all-MiniLM-L6-v2.")
public final class KbCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    JsonOption output;

    @Option(names = "--add", required = true, description = "Experience file: one JSON object per line, "
            + "{\"id\":..., \"task\":..., \"steps\":[...]} (bench/examples/experiences.jsonl).")
    Path add;

    @Option(names = "--query", required = true, description = "The query text.")
    String query;

    @Option(names = "--k", defaultValue = "5", description = "Steps to return (default ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--workflows", defaultValue = "3", description = "Workflows searched for steps (default ${DEFAULT-VALUE}).")
    int workflows;

    @Override
    public void run() {
        if (k < 1 || k > 100 || workflows < 1 || workflows > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--k and --workflows must be in [1, 100], were " + k + ", " + workflows);
        }
        if (ExperienceFile.blank(query)) {
            throw Arguments.bad(spec, "--query must not be blank");
        }
        if (!Files.isRegularFile(add) || !Files.isReadable(add)) {
            throw Arguments.bad(spec, "--add must be a readable JSON Lines file, was " + add);
        }
        // A malformed line (named with its number) or an unreadable or non-UTF-8 file (named).
        List<ExperienceFile.Workflow> file = Arguments.from(spec, () -> ExperienceFile.read(add));
        long t0 = System.nanoTime();
        MiniLmEmbedder model = new MiniLmEmbedder();
        KbIndex kb = KbIndex.build(file, model, Math.max(k, workflows));
        long t1 = System.nanoTime();
        ExperienceHits steps = kb.index().query(query, model.embed(query), workflows, k);
        Map<String, Object> m = Report.object();
        m.put("query", query);
        m.put("workflowsIndexed", file.size());
        m.put("stepsIndexed", kb.index().index().stepCount());
        m.put("indexSeconds", Math.round((t1 - t0) / 1e7) / 100.0);
        m.put("workflows", hits(kb.index().workflowHits(), kb, false));
        m.put("steps", hits(steps, kb, true));
        Report.print(System.out, m, output.json());
    }

    private static List<Object> hits(ExperienceHits h, KbIndex kb, boolean steps) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            Map<String, Object> hit = Report.object();
            int id = h.id(i);
            int w = steps ? kb.index().index().workflowOf(id) : id;
            hit.put("workflow", kb.workflow(w).id());
            hit.put("text", steps ? kb.stepText(id) : kb.workflow(w).task());
            hit.put("score", round4(h.score(i)));
            hit.put("lexical", round4(h.lexical(i)));
            hit.put("semantic", round4(h.semantic(i)));
            out.add(hit);
        }
        return out;
    }

    private static double round4(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
