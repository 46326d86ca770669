/**
 * Host-side streaming of expert-state transfers: {@link io.keel.streaming.TileStreamPacker}
 * turns a layer's relay trees into the off-heap task table of a persistent copy kernel, laid out
 * as {@link io.keel.streaming.TileTaskDescriptor} documents.
 */
package io.keel.streaming;
