package io.keel.vector.retrieve;

import java.util.Objects;

import org.eclipse.collections.api.list.MutableList;
import org.eclipse.collections.api.map.primitive.MutableObjectIntMap;
import org.eclipse.collections.impl.list.mutable.FastList;
import org.eclipse.collections.impl.map.mutable.primitive.ObjectIntHashMap;

/**
 * Term strings to dense term ids 0, 1, 2, ... in order of first sight, with an Eclipse Collections
 * {@code ObjectIntHashMap} (no boxed Integer per term) and the reverse list.
 *
 * <p>Threading: one thread per instance. Allocation: {@link #add} grows the tables; {@link #idOf}
 * allocates nothing.
 */
public final class Vocabulary {
    private final MutableObjectIntMap<String> ids = new ObjectIntHashMap<>();
    private final MutableList<String> terms = FastList.newList();

    /** An empty vocabulary. */
    public Vocabulary() {
    }

    /** The id of {@code term}, or -1 when it was never added. */
    public int idOf(String term) {
        return ids.getIfAbsent(Objects.requireNonNull(term, "term"), -1);
    }

    /** The id of {@code term}, giving it the next id on first sight. */
    public int add(String term) {
        int id = ids.getIfAbsent(Objects.requireNonNull(term, "term"), -1);
        if (id < 0) {
            id = terms.size();
            ids.put(term, id);
            terms.add(term);
        }
        return id;
    }

    /** The term with id {@code id}. */
    public String term(int id) {
        return terms.get(io.keel.core.Checks.index("id", id, terms.size()));
    }

    /** Number of distinct terms. */
    public int size() {
        return terms.size();
    }
}
