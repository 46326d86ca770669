package io.keel.props.vector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import io.keel.vector.VectorMath;
import io.keel.vector.retrieve.ExperienceHits;
import io.keel.vector.retrieve.ExperienceIndex;
import io.keel.vector.retrieve.ExperienceQuery;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * {@link ExperienceIndex} against a brute-force reference written from its documented rules
 * (TF-IDF with smooth idf and l2 norms, each retriever's top 2k, union, weighted sum, top k with
 * ties by lower id, MMR, hierarchical filtering): exact equality of ids and scores on random
 * corpora whose small integer embeddings and term counts make ties common.
 */
class ExperienceIndexPropertiesTest {
    record Entry(int parent, float[] unit, int[] terms, int[] counts) {
    }

    /** The reference: plain lists, full sorts, recomputed statistics. */
    static final class Reference {
        final List<Entry> workflows = new ArrayList<>();
        final List<Entry> steps = new ArrayList<>();

        static Entry entry(int parent, float[] v, int[] terms, int[] counts) {
            float[] unit = v.clone();
            VectorMath.normalize(unit, 0, unit.length);
            return new Entry(parent, unit, terms.clone(), counts.clone());
        }

        static double idf(List<Entry> level, int t) {
            int df = 0;
            for (Entry e : level) {
                for (int x : e.terms) {
                    df += x == t ? 1 : 0;
                }
            }
            return Math.log((1.0 + level.size()) / (1.0 + df)) + 1.0;
        }

        static double[] lexical(List<Entry> level, int[] qt, int[] qc) {
            double[] idfs = new double[qt.length];
            double qsq = 0;
            for (int i = 0; i < qt.length; i++) {
                idfs[i] = idf(level, qt[i]);
                double wq = qc[i] * idfs[i];
                qsq += wq * wq;
            }
            double qNorm = Math.sqrt(qsq);
            double[] out = new double[level.size()];
            for (int d = 0; d < level.size(); d++) {
                Entry e = level.get(d);
                double sq = 0;
                for (int j = 0; j < e.terms.length; j++) {
                    double w = e.counts[j] * idf(level, e.terms[j]);
                    sq += w * w;
                }
                double acc = 0;
                for (int i = 0; i < qt.length; i++) {
                    for (int j = 0; j < e.terms.length; j++) {
                        if (e.terms[j] == qt[i]) {
                            double wq = qc[i] * idfs[i];
                            acc += wq * (e.counts[j] * idfs[i]);
                        }
                    }
                }
                double den = qNorm * Math.sqrt(sq);
                out[d] = den == 0 ? 0.0 : acc / den;
            }
            return out;
        }

        static List<Integer> top(List<Integer> ids, double[] score, int k) {
            List<Integer> s = new ArrayList<>(ids);
            s.sort(Comparator.<Integer>comparingDouble(i -> score[i]).reversed().thenComparingInt(i -> i));
            return s.subList(0, Math.min(k, s.size()));
        }

        /** Returns [ids..., scores...] of the hits, in order. */
        static List<double[]> search(List<Entry> level, float[] qUnit, int[] qt, int[] qc, double wl, double ws,
                double lambda, int k, boolean[] eligible) {
            double[] lex = lexical(level, qt, qc);
            double[] sem = new double[level.size()];
            List<Integer> ids = new ArrayList<>();
            for (int d = 0; d < level.size(); d++) {
                sem[d] = VectorMath.dot(qUnit, 0, level.get(d).unit, 0, qUnit.length);
                if (eligible == null || eligible[level.get(d).parent]) {
                    ids.add(d);
                }
            }
            List<Integer> union = new ArrayList<>(top(ids, lex, 2 * k));
            for (int d : top(ids, sem, 2 * k)) {
                if (!union.contains(d)) {
                    union.add(d);
                }
            }
            double[] hybrid = new double[level.size()];
            for (int d : union) {
                hybrid[d] = wl * lex[d] + ws * sem[d];
            }
            List<double[]> hits = new ArrayList<>();
            if (lambda != lambda) {
                for (int d : top(union, hybrid, k)) {
                    hits.add(new double[] {d, hybrid[d], lex[d], sem[d]});
                }
                return hits;
            }
            List<Integer> picked = new ArrayList<>();
            while (picked.size() < k && picked.size() < union.size()) {
                int best = -1;
                double bestValue = 0;
                for (int d : union) {
                    if (picked.contains(d)) {
                        continue;
                    }
                    double red = Double.NEGATIVE_INFINITY;
                    for (int p : picked) {
                        red = Math.max(red, VectorMath.dot(level.get(p).unit, 0, level.get(d).unit, 0, qUnit.length));
                    }
                    double v = lambda * hybrid[d] - (1 - lambda) * (picked.isEmpty() ? 0.0 : red);
                    if (best < 0 || v > bestValue || (v == bestValue && d < best)) {
                        best = d;
                        bestValue = v;
                    }
                }
                picked.add(best);
                hits.add(new double[] {best, hybrid[best], lex[best], sem[best]});
            }
            return hits;
        }
    }

    static void assertSame(List<double[]> expected, ExperienceHits got, String what) {
        assertEquals(expected.size(), got.size(), what + " size");
        for (int i = 0; i < expected.size(); i++) {
            double[] e = expected.get(i);
            assertEquals((int) e[0], got.id(i), what + " id at " + i);
            assertEquals(e[1], got.score(i), 0.0, what + " score at " + i);
            assertEquals(e[2], got.lexical(i), 0.0, what + " lexical at " + i);
            assertEquals((float) e[3], got.semantic(i), 0.0f, what + " semantic at " + i);
        }
    }

    static float[] vector(SplittableRandom r, int dim) {
        float[] v = new float[dim];
        while (true) {
            boolean zero = true;
            for (int i = 0; i < dim; i++) {
                v[i] = r.nextInt(-2, 3);
                zero &= v[i] == 0;
            }
            if (!zero) {
                return v;
            }
        }
    }

    static int[][] sparse(SplittableRandom r, int vocab) {
        int n = r.nextInt(Math.min(6, vocab + 1));
        int[] pool = r.ints(0, vocab).distinct().limit(n).sorted().toArray();
        int[] counts = new int[pool.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = 1 + r.nextInt(3);
        }
        return new int[][] {pool, counts};
    }

    @Test
    void searchesEqualTheBruteForceReference() {
        int[] examples = new int[1];
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            examples[0]++;
            SplittableRandom r = new SplittableRandom(seed);
            int dim = 1 + r.nextInt(12);
            int maxK = 1 + r.nextInt(8);
            int vocab = 1 + r.nextInt(25);
            ExperienceIndex index = new ExperienceIndex(dim, maxK, true);
            Reference ref = new Reference();
            int workflows = 1 + r.nextInt(15);
            for (int w = 0; w < workflows; w++) {
                float[] v = vector(r, dim);
                int[][] s = sparse(r, vocab);
                index.addWorkflow(v, 0, s[0], s[1], s[0].length);
                ref.workflows.add(Reference.entry(-1, v, s[0], s[1]));
            }
            int steps = r.nextInt(80);
            for (int i = 0; i < steps; i++) {
                int w = r.nextInt(workflows);
                float[] v = vector(r, dim);
                int[][] s = sparse(r, vocab);
                index.addStep(w, v, 0, s[0], s[1], s[0].length);
                ref.steps.add(Reference.entry(w, v, s[0], s[1]));
            }
            for (int trial = 0; trial < 3; trial++) {
                float[] qv = vector(r, dim);
                float[] qUnit = qv.clone();
                VectorMath.normalize(qUnit, 0, dim);
                int[][] qs = sparse(r, vocab + 3);
                double wl = r.nextInt(3) * 0.25;
                double ws = r.nextInt(3) * 0.25;
                double lambda = r.nextBoolean() ? Double.NaN : r.nextInt(5) * 0.25;
                int k = r.nextInt(maxK + 1);
                ExperienceQuery q = new ExperienceQuery().embedding(qv, 0).lexical(qs[0], qs[1], qs[0].length)
                        .weights(wl, ws).mmr(lambda);
                String what = "seed " + seed + " trial " + trial;
                assertSame(Reference.search(ref.workflows, qUnit, qs[0], qs[1], wl, ws, lambda, k, null),
                        index.searchWorkflows(q, k), what + " workflows");
                assertSame(Reference.search(ref.steps, qUnit, qs[0], qs[1], wl, ws, lambda, k, null),
                        index.searchSteps(q, k), what + " steps");
                int wk = r.nextInt(maxK + 1);
                List<double[]> chosen = Reference.search(ref.workflows, qUnit, qs[0], qs[1], wl, ws, lambda, wk, null);
                boolean[] eligible = new boolean[workflows];
                for (double[] h : chosen) {
                    eligible[(int) h[0]] = true;
                }
                ExperienceHits got = index.searchHierarchical(q, wk, k);
                assertSame(chosen, index.workflowHits(), what + " hierarchical workflows");
                assertSame(Reference.search(ref.steps, qUnit, qs[0], qs[1], wl, ws, lambda, k, eligible), got,
                        what + " hierarchical steps");
                // With every entry a candidate, the int8 path rescored in float32 gives the same answer
                // whenever 2k * oversample covers the corpus. (A corpus far beyond the candidates, where
                // the int8 scores select: ExperienceIndexTest.int8CandidatesRecallTheFloat32TopK.)
                if (2 * k * ExperienceIndex.INT8_OVERSAMPLE >= steps) {
                    assertSame(Reference.search(ref.steps, qUnit, qs[0], qs[1], wl, ws, lambda, k, null),
                            index.searchSteps(q.int8(true), k), what + " int8 steps");
                }
            }
            assertEquals(steps, index.stepCount());
            assertEquals(Arrays.asList(workflows), Arrays.asList(index.workflowCount()));
        });
        // QuickTheories drops a generated example now and then (999 of 1,000 in about one run in
        // 2,000, measured with 0.26), so the guard that the property really ran asks for 99%.
        assertTrue(examples[0] >= 990, "examples run: " + examples[0]);
    }
}
