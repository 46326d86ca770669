/**
 * Zero-allocation primitives that every keel kernel shares: stable arg-sort ({@link
 * io.keel.core.ArgSort}), partial selection ({@link io.keel.core.TopK}), an indexed heap
 * ({@link io.keel.core.IndexedHeap}), union-find ({@link io.keel.core.UnionFind}), prefix sums
 * ({@link io.keel.core.PrefixSums}), bit sets ({@link io.keel.core.FixedBitSet}, {@link
 * io.keel.core.Mask128Array}) and argument checks ({@link io.keel.core.Checks}).
 *
 * <p>Every class follows the host-loop contract: construction allocates, calls do not; one
 * thread per object; bad input fails with an {@link java.lang.IllegalArgumentException} that
 * names the argument and leaves the object usable.
 */
package io.keel.core;
