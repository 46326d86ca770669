/**
 * What the Python package ({@code python/keel}, over JPype) calls: one Java call per kernel call,
 * reading NumPy arrays in place and writing the results into NumPy arrays the Python side owns.
 *
 * <p>Why a Java side at all: each JPype crossing costs about 1-2 us, and reading a replication
 * plan through its accessors takes hundreds of them (three per instance, one per transfer, one per
 * figure), so a host loop would spend more time crossing than planning. These classes do the
 * crossing once: a step plans from a segment over the caller's loads and copies what a host loop
 * needs into flat int32/int64/float64 tables, allocating nothing per call. They use only the
 * kernels' public API; the library modules know nothing of Python.
 *
 * <p>Threading: one thread per object, like the kernels they wrap.
 */
package io.keel.bench.python;
