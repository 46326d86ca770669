"""keel from Python: keel's kernels in process through JPype, NumPy arrays read and written in place.

    import keel
    keel.start()                      # optional: the first kernel starts the JVM
    with keel.EpBalancer(ranks=8, experts=32, slots=2, domain=8, state_bytes=1 << 20, layers=1) as b:
        step = b.step(0, loads)       # loads: int32 (8, 32), read in place
        step.imbalance, step.instance_rank, step.reroute_prefix, step.transfers, step.tile_table

Needs Debian's python3-jpype and python3-numpy and a JDK >= 25 (found like ./keel finds it).
"""

from ._jvm import KeelStartError, find_jar, find_java_home, start
from .ep import EpBalancer, EpStep
from .rollout import Placement, TrajectoryPlacer
from .vector import RowScanner

__all__ = ["start", "find_jar", "find_java_home", "KeelStartError", "EpBalancer", "EpStep", "RowScanner",
           "TrajectoryPlacer", "Placement"]
