package io.keel.props.core;

import java.util.BitSet;

import java.util.TreeSet;

import io.keel.core.FixedBitSet;
import io.keel.core.IndexedHeap;
import io.keel.core.Mask128Array;
import io.keel.core.PrefixSums;
import io.keel.core.UnionFind;
import org.junit.jupiter.api.Test;

import static io.keel.props.Props.qt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/** Heap, union-find, prefix sums and bit sets against plain reference models. */
class StructureProperties {
    private static final int IDS = 32;

    /** Random operation sequences: each int encodes (op, id, key). */
    @Test
    void indexedHeapMatchesAnOrderedSetUnderRandomOperations() {
        qt().forAll(lists().of(integers().all()).ofSizeBetween(0, 200), integers().between(0, 1))
                .checkAssert((ops, maxOrder) -> {
                    boolean max = maxOrder == 1;
                    IndexedHeap heap = new IndexedHeap(IDS, max ? IndexedHeap.Order.MAX : IndexedHeap.Order.MIN);
                    long[] keys = new long[IDS];
                    // reference order: key (by heap order), then lower id
                    TreeSet<long[]> ref = new TreeSet<>((a, b) -> a[0] != b[0]
                            ? (max ? Long.compare(b[0], a[0]) : Long.compare(a[0], b[0]))
                            : Long.compare(a[1], b[1]));
                    boolean[] in = new boolean[IDS];
                    for (int code : ops) {
                        int op = Math.floorMod(code, 4);
                        int id = Math.floorMod(code >> 2, IDS);
                        long key = (code >> 7) % 17; // small range: many ties
                        switch (op) {
                            case 0, 1 -> { // insert or update
                                if (in[id]) {
                                    ref.remove(new long[] {keys[id], id});
                                }
                                heap.update(id, key);
                                keys[id] = key;
                                in[id] = true;
                                ref.add(new long[] {key, id});
                            }
                            case 2 -> { // remove
                                assertEquals(in[id], heap.remove(id));
                                if (in[id]) {
                                    ref.remove(new long[] {keys[id], id});
                                    in[id] = false;
                                }
                            }
                            default -> { // poll
                                int expected = ref.isEmpty() ? -1 : (int) ref.pollFirst()[1];
                                assertEquals(expected, heap.poll());
                                if (expected >= 0) {
                                    in[expected] = false;
                                }
                            }
                        }
                        assertEquals(ref.size(), heap.size());
                        assertEquals(ref.isEmpty() ? -1 : (int) ref.first()[1], heap.peek());
                    }
                });
    }

    @Test
    void unionFindMatchesNaiveLabels() {
        qt().forAll(integers().between(1, 40), lists().of(integers().between(0, 1 << 20)).ofSizeBetween(0, 60))
                .checkAssert((n, pairs) -> {
                    UnionFind uf = new UnionFind(n);
                    int[] label = new int[n];
                    for (int i = 0; i < n; i++) {
                        label[i] = i;
                    }
                    for (int p : pairs) {
                        int a = p % n;
                        int b = (p >> 10) % n;
                        boolean merged = label[a] != label[b];
                        assertEquals(merged, uf.union(a, b));
                        int from = label[b];
                        for (int i = 0; i < n; i++) {
                            if (label[i] == from) {
                                label[i] = label[a];
                            }
                        }
                    }
                    int[] ids = new int[n];
                    int classes = uf.classIds(ids);
                    int[] expected = new int[n];
                    int[] first = new int[n];
                    java.util.Arrays.fill(first, -1);
                    int next = 0;
                    for (int i = 0; i < n; i++) {
                        if (first[label[i]] < 0) {
                            first[label[i]] = next++;
                        }
                        expected[i] = first[label[i]];
                    }
                    assertEquals(next, classes);
                    assertEquals(next, uf.classCount());
                    assertArrayEquals(expected, ids);
                    for (int i = 0; i < n; i++) {
                        int size = 0;
                        for (int j = 0; j < n; j++) {
                            size += label[j] == label[i] ? 1 : 0;
                        }
                        assertEquals(size, uf.classSize(i));
                    }
                });
    }

    @Test
    void prefixSumsAndSegmentLookupAgree() {
        qt().forAll(lists().of(integers().between(0, 5)).ofSizeBetween(1, 50)).checkAssert(list -> {
            int n = list.size();
            int[] values = list.stream().mapToInt(Integer::intValue).toArray();
            int[] prefix = new int[n + 1];
            int total = PrefixSums.exclusive(values, n, prefix);
            assertEquals(prefix[n], total);
            int position = 0;
            for (int s = 0; s < n; s++) {
                assertEquals(values[s], prefix[s + 1] - prefix[s]);
                for (int t = 0; t < values[s]; t++) {
                    assertEquals(s, PrefixSums.segmentOf(prefix, n, position++));
                }
            }
            long[] lp = new long[n + 1];
            PrefixSums.exclusive(java.util.Arrays.stream(values).asLongStream().toArray(), n, lp);
            for (int i = 0; i <= n; i++) {
                assertEquals(prefix[i], lp[i]);
            }
        });
    }

    @Test
    void bitSetsMatchJavaUtilBitSet() {
        qt().forAll(integers().between(1, 300), lists().of(integers().all()).ofSizeBetween(0, 100))
                .checkAssert((capacity, ops) -> {
                    FixedBitSet s = new FixedBitSet(capacity);
                    FixedBitSet other = new FixedBitSet(capacity);
                    BitSet ref = new BitSet();
                    BitSet refOther = new BitSet();
                    Mask128Array masks = new Mask128Array(3);
                    BitSet[] refMasks = {new BitSet(), new BitSet(), new BitSet()};
                    for (int code : ops) {
                        int bit = Math.floorMod(code >> 3, capacity);
                        switch (Math.floorMod(code, 6)) {
                            case 0 -> { s.set(bit); ref.set(bit); }
                            case 1 -> { s.clear(bit); ref.clear(bit); }
                            case 2 -> { other.set(bit); refOther.set(bit); }
                            case 3 -> { s.or(other); ref.or(refOther); }
                            case 4 -> { s.andNot(other); ref.andNot(refOther); }
                            default -> { s.and(other); ref.and(refOther); }
                        }
                        int item = Math.floorMod(code >> 12, 3);
                        int mbit = Math.floorMod(code >> 14, 128);
                        if ((code & 1) == 0) {
                            masks.set(item, mbit);
                            refMasks[item].set(mbit);
                        } else {
                            masks.clear(item, mbit);
                            refMasks[item].clear(mbit);
                        }
                    }
                    assertEquals(ref.cardinality(), s.cardinality());
                    assertEquals(ref.intersects(refOther), s.intersects(other));
                    for (int b = s.nextSetBit(0), r = ref.nextSetBit(0); ; b = s.nextSetBit(b + 1), r = ref.nextSetBit(r + 1)) {
                        assertEquals(r, b);
                        if (b < 0) {
                            break;
                        }
                    }
                    for (int item = 0; item < 3; item++) {
                        assertEquals(refMasks[item].cardinality(), masks.cardinality(item));
                        for (int b = masks.nextSetBit(item, 0), r = refMasks[item].nextSetBit(0); ;
                             b = masks.nextSetBit(item, b + 1), r = refMasks[item].nextSetBit(r + 1)) {
                            assertEquals(r, b);
                            if (b < 0) {
                                break;
                            }
                        }
                    }
                });
    }

}
