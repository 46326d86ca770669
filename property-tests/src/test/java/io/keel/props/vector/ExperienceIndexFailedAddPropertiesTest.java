package io.keel.props.vector;

import java.util.Arrays;
import java.util.SplittableRandom;

import io.keel.props.Props;
import io.keel.vector.retrieve.ExperienceHits;
import io.keel.vector.retrieve.ExperienceIndex;
import io.keel.vector.retrieve.ExperienceQuery;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * A failed add of any kind leaves no trace: an index fed random valid adds interleaved with
 * random invalid ones (null or non-finite or zero embeddings, bad offsets, unsorted, negative or
 * duplicate term ids, non-positive counts, short arrays, steps of unknown workflows) answers every
 * query exactly as an index fed only the valid adds. Term ids range over all non-negative ints,
 * {@code Integer.MAX_VALUE} included.
 */
class ExperienceIndexFailedAddPropertiesTest {
    static final int DIM = 8;
    static final int FAILURE_KINDS = 10;

    @Test
    void aFailedAddLeavesTheIndexAsIfItNeverHappened() {
        Props.qt().withExamples(Math.max(100, Props.EXAMPLES / 5))
                .forAll(longs().all()).checkAssert(ExperienceIndexFailedAddPropertiesTest::check);
    }

    @Test
    void theIssueCaseTermIdMaxValue() {
        ExperienceIndex index = new ExperienceIndex(2, 4, false);
        int w = index.addWorkflow(new float[] {1, 0}, 0, new int[] {1, Integer.MAX_VALUE}, new int[] {1, 1}, 2);
        assertEquals(0, w);
        assertThrows(IllegalArgumentException.class,
                () -> index.addWorkflow(new float[] {0, 1}, 0, new int[] {1, Integer.MAX_VALUE, 7}, new int[] {1, 1, 0}, 3));
        int second = index.addWorkflow(new float[] {0, 1}, 0, new int[] {2}, new int[] {1}, 1);
        ExperienceQuery q = new ExperienceQuery().embedding(new float[] {0, 1}, 0)
                .lexical(new int[] {1}, new int[] {1}, 1).weights(1, 0);
        ExperienceHits h = index.searchWorkflows(q, 2);
        assertEquals(w, h.id(0));
        assertEquals(0.0, h.lexical(1), "workflow " + second + " never had term 1");
        q.lexical(new int[] {Integer.MAX_VALUE}, new int[] {1}, 1);
        assertEquals(w, index.searchWorkflows(q, 1).id(0));
    }

    static void check(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean int8 = r.nextBoolean();
        ExperienceIndex tried = new ExperienceIndex(DIM, 6, int8);
        ExperienceIndex clean = new ExperienceIndex(DIM, 6, int8);
        int ops = 4 + r.nextInt(20);
        for (int op = 0; op < ops; op++) {
            boolean step = tried.workflowCount() > 0 && r.nextBoolean();
            int parent = step ? r.nextInt(tried.workflowCount()) : -1;
            float[] v = embedding(r);
            int n = r.nextInt(5);
            int[] terms = terms(r, n);
            int[] counts = counts(r, n);
            if (r.nextInt(3) == 0) {
                failedAdd(r, tried, step, parent, v, terms, counts, n);
            } else {
                assertEquals(add(clean, step, parent, v, 0, terms, counts, n), add(tried, step, parent, v, 0, terms, counts, n));
            }
        }
        assertSame(clean, tried, r, int8);
    }

    static int add(ExperienceIndex x, boolean step, int parent, float[] v, int off, int[] terms, int[] counts, int n) {
        return step ? x.addStep(parent, v, off, terms, counts, n) : x.addWorkflow(v, off, terms, counts, n);
    }

    /** One invalid add of a random kind; it must throw NPE or IAE. */
    static void failedAdd(SplittableRandom r, ExperienceIndex x, boolean step, int parent, float[] v, int[] terms,
            int[] counts, int n) {
        int kind = r.nextInt(FAILURE_KINDS);
        int[] t = Arrays.copyOf(terms, n + 1);
        int[] c = Arrays.copyOf(counts, n + 1);
        t[n] = n == 0 ? 3 : t[n - 1] + 1;
        c[n] = 1;
        float[] e = v.clone();
        int off = 0;
        int len = n + 1;
        int p = parent;
        switch (kind) {
            case 0 -> e = null;
            case 1 -> e[r.nextInt(DIM)] = r.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
            case 2 -> Arrays.fill(e, 0f);
            case 3 -> off = 1 + r.nextInt(3);
            case 4 -> t[n] = n == 0 ? -1 : t[n - 1];
            case 5 -> t[n] = -1 - r.nextInt(Integer.MAX_VALUE);
            case 6 -> c[n] = -r.nextInt(3);
            case 7 -> len = n + 2;
            case 8 -> t = null;
            default -> p = step ? x.workflowCount() + r.nextInt(3) : p;
        }
        if (kind == FAILURE_KINDS - 1 && !step) {
            step = true;
            p = -1 - r.nextInt(3);
        }
        final boolean s = step;
        final float[] fe = e;
        final int[] ft = t;
        final int fo = off;
        final int fl = len;
        final int fp = p;
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> add(x, s, fp, fe, fo, ft, c, fl));
        assertTrue(thrown instanceof IllegalArgumentException || thrown instanceof NullPointerException,
                "kind " + kind + ": " + thrown);
    }

    static float[] embedding(SplittableRandom r) {
        float[] v = new float[DIM];
        do {
            for (int i = 0; i < DIM; i++) {
                v[i] = r.nextInt(5) - 2;
            }
        } while (Arrays.equals(v, new float[DIM]));
        return v;
    }

    static int[] terms(SplittableRandom r, int n) {
        int[] t = new int[n];
        int at = r.nextInt(3);
        for (int i = 0; i < n; i++) {
            t[i] = at;
            at += 1 + r.nextInt(4);
        }
        if (n > 0 && r.nextInt(4) == 0) {
            t[n - 1] = Integer.MAX_VALUE - r.nextInt(2);
        }
        return t;
    }

    static int[] counts(SplittableRandom r, int n) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = 1 + r.nextInt(3);
        }
        return c;
    }

    /**
     * Same sizes, parents, and bit-identical answers to random queries over every level and mode:
     * float32 always, and int8 too when the indexes keep int8 codes, so codes and scales a failed
     * add left behind would show. k runs from 1 to 6, so the int8 stage's 2k x
     * {@value ExperienceIndex#INT8_OVERSAMPLE} candidates are often fewer than the entries and the
     * candidate scores (codes times scales) decide which entries are rescored.
     */
    static void assertSame(ExperienceIndex clean, ExperienceIndex tried, SplittableRandom r, boolean int8) {
        assertEquals(clean.workflowCount(), tried.workflowCount());
        assertEquals(clean.stepCount(), tried.stepCount());
        for (int s = 0; s < clean.stepCount(); s++) {
            assertEquals(clean.workflowOf(s), tried.workflowOf(s));
        }
        for (int i = 0; i < 6; i++) {
            int n = 1 + r.nextInt(4);
            int[] t = terms(r, n);
            int[] c = counts(r, n);
            int k = 1 + r.nextInt(6);
            int workflowK = r.nextInt(k + 1);
            ExperienceQuery q = new ExperienceQuery().embedding(embedding(r), 0).lexical(t, c, n);
            for (int mode = 0; mode < (int8 ? 2 : 1); mode++) {
                q.int8(mode == 1);
                String what = (mode == 1 ? "int8" : "float32") + " query " + i + " k " + k;
                sameHits(clean.searchWorkflows(q, k), tried.searchWorkflows(q, k), what + " workflows");
                sameHits(clean.searchSteps(q, k), tried.searchSteps(q, k), what + " steps");
                sameHits(clean.searchHierarchical(q, workflowK, k), tried.searchHierarchical(q, workflowK, k),
                        what + " hierarchical");
            }
        }
    }

    static void sameHits(ExperienceHits a, ExperienceHits b, String what) {
        assertEquals(a.size(), b.size(), what + " size");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.id(i), b.id(i), what + " id at " + i);
            assertEquals(Double.doubleToRawLongBits(a.score(i)), Double.doubleToRawLongBits(b.score(i)), what);
            assertEquals(Double.doubleToRawLongBits(a.lexical(i)), Double.doubleToRawLongBits(b.lexical(i)), what);
            assertEquals(Float.floatToRawIntBits(a.semantic(i)), Float.floatToRawIntBits(b.semantic(i)), what);
        }
    }
}
