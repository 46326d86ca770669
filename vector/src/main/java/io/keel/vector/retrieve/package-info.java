/** Hierarchical hybrid (dense + TF-IDF) experience retrieval in the manner of Agent KB. */
package io.keel.vector.retrieve;
