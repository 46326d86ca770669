package io.keel.bench.sim.retrieve;

import java.util.SplittableRandom;

import io.keel.vector.retrieve.ExperienceIndex;

/**
 * A synthetic Agent-KB-like corpus: workflows with topic centroids, steps scattered around their
 * workflow's centroid, and Zipf-ish lexical terms drawn from a per-topic vocabulary slice. Used by
 * the retrieval benchmark and the demo.
 */
public final class ExperienceCorpus {
    /** Terms per entry. */
    public static final int TERMS = 12;

    private final int dim;
    private final int vocab;
    private final float[] centroids;
    private final SplittableRandom random;

    /** A corpus generator for {@code workflows} topics of {@code dim}-dimensional embeddings; vocab > 50. */
    public ExperienceCorpus(int dim, int workflows, int vocab, long seed) {
        this.dim = dim;
        this.vocab = vocab;
        this.random = new SplittableRandom(seed);
        centroids = new float[workflows * dim];
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = (float) random.nextGaussian();
        }
    }

    /** Fills an index with every workflow and {@code stepsPerWorkflow} steps each. */
    public ExperienceIndex build(int maxK, boolean int8, int stepsPerWorkflow) {
        ExperienceIndex index = new ExperienceIndex(dim, maxK, int8);
        int workflows = centroids.length / dim;
        float[] v = new float[dim];
        int[] terms = new int[TERMS];
        int[] counts = new int[TERMS];
        for (int w = 0; w < workflows; w++) {
            entry(w, 0.3, v, terms, counts);
            index.addWorkflow(v, 0, terms, counts, TERMS);
        }
        for (int w = 0; w < workflows; w++) {
            for (int s = 0; s < stepsPerWorkflow; s++) {
                entry(w, 1.0, v, terms, counts);
                index.addStep(w, v, 0, terms, counts, TERMS);
            }
        }
        return index;
    }

    /**
     * Writes an entry of topic {@code w} into {@code v}, {@code terms}, {@code counts}: the centroid
     * plus Gaussian noise of the given spread, and distinct ascending terms from the topic's slice.
     */
    public void entry(int w, double spread, float[] v, int[] terms, int[] counts) {
        for (int i = 0; i < dim; i++) {
            v[i] = centroids[w * dim + i] + (float) (spread * random.nextGaussian());
        }
        // Ascending and distinct by construction: each step moves 1..4 ids up, within the vocabulary.
        int t = (int) ((long) w * 7919 % (vocab - 4 * TERMS - 1));
        for (int i = 0; i < TERMS; i++) {
            t += 1 + random.nextInt(4);
            terms[i] = t;
            counts[i] = 1 + random.nextInt(3);
        }
    }
}
