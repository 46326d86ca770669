package io.keel.vector.retrieve;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

import org.eclipse.collections.api.list.primitive.MutableIntList;
import org.eclipse.collections.impl.list.mutable.primitive.IntArrayList;

/**
 * An {@link ExperienceIndex} that takes text: Agent KB's experience knowledge base over
 * workflows and their steps, each added as text plus the embedding of that text (from any model;
 * the caller computes it, so the library depends on none). The text is tokenised by
 * {@link TextTokenizer}; terms get ids from one {@link Vocabulary} shared by both levels, and each
 * entry's lexical vector is its term ids with counts.
 *
 * <pre>{@code
 * TextExperienceIndex kb = new TextExperienceIndex(384, 10);
 * int w = kb.addWorkflow("Fix a flaky integration test", embed(text));
 * kb.addStep(w, "Re-run the test 20 times to measure the flake rate", embed(step));
 * ExperienceHits steps = kb.query("integration test fails sometimes", embed(query), 3, 5);
 * }</pre>
 *
 * <p>A query's terms that no entry ever had are dropped (they match nothing), as a fitted TF-IDF
 * vectorizer drops out-of-vocabulary words. Threading: one thread per instance. Allocation: adds
 * grow storage; {@link #query} allocates one String per term while tokenising the query into this
 * index's reusable buffers, and the search that follows allocates nothing
 * ({@link #search}, for a query already tokenised by {@link #tokenizeQuery}, allocates nothing at
 * all).
 */
public final class TextExperienceIndex {
    private final ExperienceIndex index;
    private final Vocabulary vocabulary = new Vocabulary();
    private final MutableIntList tokens = new IntArrayList();
    private final Consumer<String> addTerm = t -> tokens.add(vocabulary.add(t));
    private final Consumer<String> queryTerm = this::collectKnown;
    private final ExperienceQuery query = new ExperienceQuery();
    private int[] termIds = new int[16];
    private int[] termCounts = new int[16];
    private int termCount;
    /** The last tokenised query, apart from the buffers adding reuses, so an add cannot change it. */
    private int[] queryIds = new int[16];
    private int[] queryCounts = new int[16];
    private final float[] queryEmbedding;
    private final int maxK;

    /** An empty index of {@code dim}-dimensional embeddings answering {@code k <= maxK}. */
    public TextExperienceIndex(int dim, int maxK) {
        index = new ExperienceIndex(dim, maxK, false);
        queryEmbedding = new float[dim];
        this.maxK = maxK;
    }

    /** The underlying index (workflow and step ids are its ids). */
    public ExperienceIndex index() {
        return index;
    }

    /** The vocabulary of every text added so far. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * Adds a workflow: its text and the embedding of that text ({@code embedding[0, dim)}: finite, not all
     * zero). Returns its id. Checked before anything changes, vocabulary included.
     */
    public int addWorkflow(String text, float[] embedding) {
        Objects.requireNonNull(text, "text");
        checkEmbedding(embedding);
        tokenize(text, addTerm);
        return index.addWorkflow(embedding, 0, termIds, termCounts, termCount);
    }

    /** Adds a step of {@code workflow}; as {@link #addWorkflow}. Returns the step id. */
    public int addStep(int workflow, String text, float[] embedding) {
        io.keel.core.Checks.index("workflow", workflow, index.workflowCount());
        Objects.requireNonNull(text, "text");
        checkEmbedding(embedding);
        tokenize(text, addTerm);
        return index.addStep(workflow, embedding, 0, termIds, termCounts, termCount);
    }

    /**
     * Hierarchical hybrid search: the top {@code workflowK} workflows (then in
     * {@link #workflowHits()}) and the top {@code k} of their steps, for the query text and its
     * embedding.
     */
    public ExperienceHits query(String text, float[] embedding, int workflowK, int k) {
        // Checked before the query replaces the one a later search() would run.
        io.keel.core.Checks.inRange("workflowK", workflowK, 0, maxK);
        io.keel.core.Checks.inRange("k", k, 0, maxK);
        tokenizeQuery(text, embedding);
        return search(workflowK, k);
    }

    /** The top {@code k} workflows for the query text and its embedding. */
    public ExperienceHits queryWorkflows(String text, float[] embedding, int k) {
        io.keel.core.Checks.inRange("k", k, 0, maxK);
        tokenizeQuery(text, embedding);
        return index.searchWorkflows(query, k);
    }

    /**
     * Tokenises a query into this index's reusable query buffers, for {@link #search}: its terms and
     * a copy of its embedding, which later adds and changes to {@code embedding} leave as they are.
     */
    public void tokenizeQuery(String text, float[] embedding) {
        Objects.requireNonNull(text, "text");
        checkEmbedding(embedding);
        tokenize(text, queryTerm);
        if (queryIds.length < termCount) {
            queryIds = new int[termIds.length];
            queryCounts = new int[termIds.length];
        }
        System.arraycopy(termIds, 0, queryIds, 0, termCount);
        System.arraycopy(termCounts, 0, queryCounts, 0, termCount);
        System.arraycopy(embedding, 0, queryEmbedding, 0, queryEmbedding.length);
        query.embedding(queryEmbedding, 0).lexical(queryIds, queryCounts, termCount);
    }

    /**
     * Hierarchical search for the query last given to {@link #tokenizeQuery} (workflows and steps
     * added since are searched too); allocates nothing.
     */
    public ExperienceHits search(int workflowK, int k) {
        return index.searchHierarchical(query, workflowK, k);
    }

    /** The workflow hits of the last hierarchical search. */
    public ExperienceHits workflowHits() {
        return index.workflowHits();
    }

    /** All the index will check, before the vocabulary changes: length, finite, not all zero. */
    private void checkEmbedding(float[] embedding) {
        int dim = index.dim();
        io.keel.core.Checks.length("embedding", Objects.requireNonNull(embedding, "embedding").length, dim);
        io.keel.core.Checks.finite("embedding", embedding, 0, dim);
        for (int i = 0; i < dim; i++) {
            if (embedding[i] != 0f) {
                return;
            }
        }
        throw new IllegalArgumentException("embedding is the zero vector: it has no direction");
    }

    private void collectKnown(String term) {
        int id = vocabulary.idOf(term);
        if (id >= 0) {
            tokens.add(id);
        }
    }

    /** Terms of {@code text} as ascending ids with counts in {@link #termIds}/{@link #termCounts}. */
    private void tokenize(String text, Consumer<String> sink) {
        tokens.clear();
        TextTokenizer.forEachTerm(Objects.requireNonNull(text, "text"), sink);
        tokens.sortThis();
        if (termIds.length < tokens.size()) {
            termIds = Arrays.copyOf(termIds, tokens.size());
            termCounts = Arrays.copyOf(termCounts, tokens.size());
        }
        int n = 0;
        for (int i = 0; i < tokens.size(); i++) {
            int t = tokens.get(i);
            if (n > 0 && termIds[n - 1] == t) {
                termCounts[n - 1]++;
            } else {
                termIds[n] = t;
                termCounts[n++] = 1;
            }
        }
        termCount = n;
    }
}
