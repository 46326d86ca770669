package io.keel.bench.cli;

import java.util.Map;
import java.util.SplittableRandom;

import io.keel.bench.report.Measure;
import io.keel.bench.report.Report;
import io.keel.bench.sim.retrieve.ExperienceCorpus;
import io.keel.bench.sim.select.AutoformalizationSet;
import io.keel.bench.sim.select.SelectionEvaluation;
import io.keel.vector.VectorMath;
import io.keel.vector.retrieve.ExperienceHits;
import io.keel.vector.retrieve.ExperienceIndex;
import io.keel.vector.retrieve.ExperienceQuery;
import io.keel.vector.select.ConsistencySelector;
import org.HdrHistogram.Histogram;

/**
 * The vector module on built-in synthetic data: candidate selection accuracy (symbolic,
 * semantic, combined) and hierarchical hybrid retrieval (hit rate and latency, float32 and int8).
 */
final class ScoringDemo implements DemoSection {
    private static final int DIM = 128;
    private static final int WORKFLOWS = 200;
    private static final int STEPS = 50;
    private static final int QUERIES = 2000;

    @Override
    public String name() {
        return "scoring";
    }

    @Override
    public Map<String, Object> run(Progress progress) {
        Map<String, Object> r = Report.object();
        r.put("kernels", VectorMath.implementation());

        progress.step("candidate selection over 500 synthetic problems x 10 candidates");
        AutoformalizationSet set = AutoformalizationSet.synthetic(500, 10, 42);
        r.put("selection", SelectCommand.report(SelectionEvaluation.evaluate(set, new ConsistencySelector(10))));

        progress.step("hybrid retrieval: " + WORKFLOWS + " workflows x " + STEPS + " steps, d=" + DIM);
        ExperienceCorpus corpus = new ExperienceCorpus(DIM, WORKFLOWS, 5000, 7);
        ExperienceIndex index = corpus.build(10, true, STEPS);
        r.put("retrievalFloat32", retrieval(index, corpus, false));
        r.put("retrievalInt8", retrieval(index, corpus, true));
        return r;
    }

    private static Map<String, Object> retrieval(ExperienceIndex index, ExperienceCorpus corpus, boolean int8) {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] v = new float[DIM];
        int[] terms = new int[ExperienceCorpus.TERMS];
        int[] counts = new int[ExperienceCorpus.TERMS];
        ExperienceQuery q = new ExperienceQuery().embedding(v, 0).lexical(terms, counts, terms.length).int8(int8);
        Histogram h = Measure.nanosHistogram();
        int workflowHits = 0;
        int stepHits = 0;
        long bytes0 = 0;
        for (int i = -QUERIES / 4; i < QUERIES; i++) {
            int w = rnd.nextInt(WORKFLOWS);
            corpus.entry(w, 1.0, v, terms, counts);
            if (i == 0) {
                bytes0 = Measure.allocatedBytes();
            }
            long t0 = System.nanoTime();
            ExperienceHits steps = index.searchHierarchical(q, 3, 10);
            long t = System.nanoTime() - t0;
            if (i >= 0) {
                h.recordValue(t);
                workflowHits += index.workflowHits().size() > 0 && index.workflowHits().id(0) == w ? 1 : 0;
                stepHits += steps.size() > 0 && index.workflowOf(steps.id(0)) == w ? 1 : 0;
            }
        }
        long bytes = Measure.allocatedBytes() - bytes0;
        Map<String, Object> m = Report.object();
        m.put("queries", QUERIES);
        m.put("entries", index.workflowCount() + index.stepCount());
        m.put("topWorkflowIsSourcePct", 100.0 * workflowHits / QUERIES);
        m.put("topStepFromSourcePct", 100.0 * stepHits / QUERIES);
        m.put("micros", Measure.micros(h));
        m.put("allocatedBytesPerQuery", (double) bytes / QUERIES);
        return m;
    }
}
