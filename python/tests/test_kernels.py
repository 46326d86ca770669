"""keel.start, RowScanner and TrajectoryPlacer from Python."""

import numpy as np
import pytest

import keel


def test_start_uses_jdk_25_with_the_vector_module_and_native_access():
    import jpype
    assert keel.start() is None  # already running: a second start is a no-op
    system = jpype.JClass("java.lang.System")
    assert int(str(system.getProperty("java.specification.version"))) >= 25
    layer = jpype.JClass("java.lang.ModuleLayer").boot()
    assert layer.findModule("jdk.incubator.vector").isPresent()
    args = [str(a) for a in jpype.JClass("java.lang.management.ManagementFactory").getRuntimeMXBean()
            .getInputArguments()]
    assert "--enable-native-access=ALL-UNNAMED" in args


@pytest.mark.parametrize("similarity", ["dot", "cosine", "euclidean"])
def test_row_scanner_matches_numpy(similarity):
    rng = np.random.default_rng(2)
    rows = rng.integers(-8, 9, (1000, 24)).astype(np.float32) / 8  # exact dots: no rounding ties
    query = rng.integers(-8, 9, 24).astype(np.float32) / 8
    scanner = keel.RowScanner(max_dim=64, max_k=16)
    ids, scores = scanner.scan(query, rows, 10, similarity)
    if similarity == "dot":
        ref = rows @ query
    elif similarity == "cosine":
        ref = (rows @ query) / (np.linalg.norm(rows, axis=1) * np.linalg.norm(query))
    else:
        ref = -((rows - query) ** 2).sum(1)
    order = np.lexsort((np.arange(len(ref)), -ref))[:10]  # best first, ties to the lower row
    if similarity == "cosine":
        np.testing.assert_allclose(np.sort(scores)[::-1], scores)
        np.testing.assert_allclose(scores, ref[ids], rtol=1e-5)
        assert set(ids) == set(order) or np.allclose(ref[ids], ref[order], rtol=1e-5)
    else:
        assert list(ids) == list(order)
        np.testing.assert_array_equal(scores, np.abs(ref[order]).astype(np.float32))


def test_row_scanner_errors():
    scanner = keel.RowScanner(max_dim=8, max_k=4)
    rows = np.ones((10, 8), np.float32)
    with pytest.raises(ValueError, match="query must have shape \\(8,\\)"):
        scanner.scan(np.ones(7, np.float32), rows, 2)
    with pytest.raises(ValueError, match="rows must have dtype float32, was float64"):
        scanner.scan(np.ones(8, np.float32), rows.astype(np.float64), 2)
    q = np.ones(8, np.float32)
    q[3] = np.nan
    with pytest.raises(ValueError, match=r"query\[3\] must be finite, was NaN"):
        scanner.scan(q, rows, 2)
    ids, _ = scanner.scan(np.ones(8, np.float32), rows, 2)
    assert list(ids) == [0, 1]


def test_trajectory_placer_places_every_trajectory_and_longest_first():
    rng = np.random.default_rng(4)
    predicted = rng.lognormal(7, 1, 200)
    degrees = np.array([1, 1, 2, 4, 8, 1], np.int32)
    max_batch = np.full(6, 64, np.int32)
    placer = keel.TrajectoryPlacer(256, 8, 64)
    p = placer.place(predicted, degrees, max_batch)
    assert p.instance_of.shape == (200,) and set(p.instance_of) <= set(range(6))
    counts = np.bincount(p.instance_of, minlength=6)
    assert np.array_equal(counts, p.segments[:, 1] - p.segments[:, 0])
    assert p.makespan_seconds == pytest.approx(p.predicted_seconds.max())
    # The longest trajectory runs on the instance whose segment starts at rank 0.
    assert p.segments[p.instance_of[np.argmax(predicted)], 0] == 0
    with pytest.raises(ValueError, match="degrees\\[0\\] is not a degree of the decode-time table"):
        placer.place(predicted, np.array([3, 1, 1, 1, 1, 1], np.int32), max_batch)
    bad = predicted.copy()
    bad[5] = -1
    with pytest.raises(ValueError, match="5"):
        placer.place(bad, degrees, max_batch)


def test_segment_cache_keeps_the_most_recently_used_buffers():
    from keel._memory import Segments
    cache = Segments(capacity=2)
    a, b, c = (np.zeros(16, np.int32) for _ in range(3))
    seg_a = cache.of(a)
    seg_b = cache.of(b)
    assert cache.of(a) is seg_a  # a hit makes a the most recently used
    cache.of(c)  # full: drops b, the least recently used, and keeps a
    assert cache.of(a) is seg_a
    assert cache.of(b) is not seg_b


def test_sizes_and_counts_are_checked_as_python_values():
    with pytest.raises(ValueError, match="max_k must be an int"):
        keel.RowScanner(64, 2.5)
    with pytest.raises(MemoryError):
        keel.RowScanner(2**31 - 1, 8)
    scanner = keel.RowScanner(8, 4)
    rows = np.ones((5, 8), np.float32)
    with pytest.raises(ValueError, match="k must be an int"):
        scanner.scan(rows[0], rows, 2.9)
    with pytest.raises(ValueError, match=r"rows must have shape \(n, dim\)"):
        scanner.scan(rows[0], rows[0], 2)
    with pytest.raises(ValueError, match="max_trajectories must be an int"):
        keel.TrajectoryPlacer("64", 4, 64)
    with pytest.raises(ValueError, match="table must be"):
        keel.TrajectoryPlacer(64, 4, 64, table=None)
    with pytest.raises(MemoryError):
        keel.TrajectoryPlacer(2**31 - 1, 4, 64)

