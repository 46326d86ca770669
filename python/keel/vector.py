"""Top-k scans over a float32 matrix from Python: ``RowScanner.scan`` reading NumPy in place."""

import jpype
import numpy as np

from ._memory import Segments, as_int, as_ndarray, check_array, construct, keel_error, segment

SIMILARITIES = ("dot", "cosine", "euclidean")  # the order of io.keel.vector.Similarity


class RowScanner:
    """keel's ``RowScanner``: the top ``k <= max_k`` rows of a float32 (n, dim) matrix against a
    float32 (dim,) query, ``dim <= max_dim``; ties to the lower row. The query and the rows are
    read in place. ``scan`` returns (ids int32 (size,), scores float32 (size,)), views of arrays
    the scanner refills on its next scan. One thread per scanner."""

    def __init__(self, max_dim, max_k):
        from . import start
        start()
        self._iae = jpype.JClass("java.lang.IllegalArgumentException")
        max_dim = as_int("max_dim", max_dim)
        max_k = as_int("max_k", max_k)
        self._j = construct(jpype.JClass("io.keel.bench.python.RowScanTables"), max_dim, max_k)
        self.max_dim = max_dim
        self.max_k = max_k
        self._ids = np.zeros(self.max_k, np.int32)
        self._scores = np.zeros(self.max_k, np.float32)
        self._j.bind(segment(self._ids), segment(self._scores))
        self._rows = Segments()
        self._query = Segments()
        self._float32 = np.dtype(np.float32)

    def scan(self, query, rows, k, similarity="dot"):
        """Top ``k`` of ``rows`` (float32, C-contiguous (n, dim)) against ``query`` (float32 (dim,));
        ``similarity``: 'dot', 'cosine' or 'euclidean' (squared distance, smaller is better)."""
        query = as_ndarray("query", query)
        rows = as_ndarray("rows", rows)
        k = as_int("k", k)
        if rows.ndim != 2:
            raise ValueError(f"rows must have shape (n, dim), was {rows.shape}")
        check_array("rows", rows, self._float32, (None, None))
        n, dim = rows.shape
        check_array("query", query, self._float32, (dim,))
        if similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, was {similarity!r}")
        if n == 0 or dim == 0:
            raise ValueError(f"rows must have at least one row and one column, was shape {rows.shape}")
        try:
            size = self._j.scan(SIMILARITIES.index(similarity), self._query.of(query), self._rows.of(rows),
                                n, dim, k)
        except self._iae as e:
            raise keel_error(e) from None
        return self._ids[:size], self._scores[:size]
