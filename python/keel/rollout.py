"""Trajectory placement from Python: ``TrajectoryPlacer.place`` over NumPy arrays."""

import jpype
import numpy as np

from ._memory import as_int, as_ndarray, check_array, construct, keel_error, segment


class Placement:
    """A placement: ``instance_of`` int32 (n,) (the instance each trajectory runs on),
    ``segments`` int32 (m, 2) (first and one past the last rank each instance runs, rank 0 the
    longest predicted), ``predicted_seconds`` float64 (m,), ``makespan_seconds``. Views of
    arrays the placer refills on its next call."""

    def __init__(self, instance_of, segments, predicted_seconds, makespan_seconds):
        self.instance_of = instance_of
        self.segments = segments
        self.predicted_seconds = predicted_seconds
        self.makespan_seconds = makespan_seconds


class TrajectoryPlacer:
    """keel's ``TrajectoryPlacer`` (Heddle's presorted placement: exact minimum predicted
    makespan) for up to ``max_trajectories`` on ``max_instances`` instances with batch limits up
    to ``max_batch``, priced by ``table``: 'llama2-70b-h100', 'llama2-7b-h100' or a decode-time
    CSV. The inputs are copied into the placer's arrays inside the call (the Java placer takes
    arrays; O(n + m)). One thread per placer."""

    def __init__(self, max_trajectories, max_instances, max_batch, table="llama2-70b-h100"):
        from . import start
        start()
        self._iae = jpype.JClass("java.lang.IllegalArgumentException")
        max_trajectories = as_int("max_trajectories", max_trajectories)
        max_instances = as_int("max_instances", max_instances)
        max_batch = as_int("max_batch", max_batch)
        if not isinstance(table, str):
            raise ValueError(f"table must be a preset name or a CSV path, was {type(table).__name__}")
        self._j = construct(jpype.JClass("io.keel.bench.python.PlacementTables"), max_trajectories, max_instances,
                            max_batch, jpype.JString(table))
        self._instance_of = np.zeros(max_trajectories, np.int32)
        self._segments = np.zeros((max_instances, 2), np.int32)
        self._seconds = np.zeros(max_instances, np.float64)
        self._j.bind(segment(self._instance_of), segment(self._segments), segment(self._seconds))

    def place(self, predicted_tokens, degrees, max_batch):
        """Places ``predicted_tokens`` (float64 (n,)) on instances of parallel ``degrees`` (int32
        (m,), degrees of the table) and batch limits ``max_batch`` (int32 (m,))."""
        predicted_tokens = as_ndarray("predicted_tokens", predicted_tokens)
        degrees = as_ndarray("degrees", degrees)
        max_batch = as_ndarray("max_batch", max_batch)
        check_array("predicted_tokens", predicted_tokens, np.float64, (None,))
        check_array("degrees", degrees, np.int32, (None,))
        m = degrees.shape[0]
        check_array("max_batch", max_batch, np.int32, (m,))
        n = predicted_tokens.shape[0]
        pad = np.zeros(1)  # a zero-length array may have no buffer; the placer reads none of it
        try:
            makespan = self._j.place(segment(predicted_tokens if n else pad), n,
                                     segment(degrees if m else pad), segment(max_batch if m else pad), m)
        except self._iae as e:
            raise keel_error(e) from None
        return Placement(self._instance_of[:n], self._segments[:m], self._seconds[:m], float(makespan))
