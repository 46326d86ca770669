"""Expert-parallel balancing from Python: ``EpBalancer.step`` over NumPy loads."""

import ctypes

import jpype
import numpy as np

from ._memory import LONG_MAX, Segments, as_int, as_ndarray, check_array, check_output, construct, keel_error, segment


class _Tables:
    """Indices of the figures a step writes (read once from EpTablesDescriptor)."""

    def __init__(self):
        d = jpype.JClass("io.keel.bench.python.EpTablesDescriptor")
        for name in ("TRANSFERS", "REPLICAS", "TILE_TABLE_BYTES", "TILE_TABLE_ADDRESS", "TILE_TABLE_CAPACITY",
                     "TOTAL_TOKENS", "MAX_RANK_LOAD", "INITIAL_MAX_RANK_LOAD", "LOWER_BOUND", "STEP_NANOS",
                     "MICROBATCH", "LAYER", "TILE_TASKS", "TILES", "MAX_INSTANCES", "TOKENS_OFF_SOURCE",
                     "CALL_NANOS", "LONGS", "IMBALANCE", "INITIAL_IMBALANCE", "LOWER_BOUND_IMBALANCE",
                     "RELAY_MAKESPAN_SECONDS", "DOUBLES"):
            setattr(self, name, int(getattr(d, name)))


class EpStep:
    """What one ``EpBalancer.step`` planned: NumPy arrays the balancer fills in place and views
    over its task table, valid until its next successful step (copy what you keep).

    Per expert ``e`` (instance ``j = 0`` is the master, then the replicas by rank; entries at
    ``j >= instance_count[e]`` hold -1):

    - ``instance_count``: int32 (E,)
    - ``instance_rank``, ``instance_quota``, ``instance_physical``: int32 (E, D), D = domain size
    - ``reroute_prefix``: int32 (E, D), this rank's tokens for ``e`` sent to instances ``0..j``;
      the token of ordinal ``k`` (0-based, this rank's tokens for ``e`` in order) goes to the first
      ``j`` with ``reroute_prefix[e, j] > k``
    - ``transfers``: int32 (n, 3) rows (expert, from rank, to rank), each ``state_bytes`` bytes
    - ``tile_table``: uint8 view of the copy kernel's task table (TileTaskDescriptor layout), in
      keel's off-heap memory: valid until the next step or ``close()``
    - ``rank_load_before``, ``rank_load_after``: int64 (R,)
    """

    def __init__(self, balancer):
        b = balancer
        t = b._t
        self._t = t
        self.instance_count = b._counts
        self.instance_rank = b._rank
        self.instance_quota = b._quota
        self.instance_physical = b._physical
        self.reroute_prefix = b._prefix
        self.rank_load_before = b._rank_loads[0]
        self.rank_load_after = b._rank_loads[1]
        self._transfers = b._transfers
        self._longs = b._longs
        self._doubles = b._doubles
        self._tile_base = None
        self._tile_address = 0
        self._balancer = b

    @property
    def transfers(self):
        return self._transfers[: self._longs[self._t.TRANSFERS]]

    @property
    def tile_table(self):
        if self._balancer._closed:
            raise RuntimeError("EpBalancer is closed: its tile table was freed")
        t = self._t
        address = int(self._longs[t.TILE_TABLE_ADDRESS])
        if address == 0:  # before the first step: no table yet
            return np.zeros(0, np.uint8)
        if address != self._tile_address:
            capacity = int(self._longs[t.TILE_TABLE_CAPACITY])
            self._tile_base = np.ctypeslib.as_array((ctypes.c_uint8 * capacity).from_address(address))
            self._tile_address = address
        return self._tile_base[: self._longs[t.TILE_TABLE_BYTES]]

    def _long(self, i):
        return int(self._longs[i])

    layer = property(lambda self: self._long(self._t.LAYER))
    microbatch = property(lambda self: self._long(self._t.MICROBATCH))
    replicas = property(lambda self: self._long(self._t.REPLICAS))
    total_tokens = property(lambda self: self._long(self._t.TOTAL_TOKENS))
    max_rank_load = property(lambda self: self._long(self._t.MAX_RANK_LOAD))
    initial_max_rank_load = property(lambda self: self._long(self._t.INITIAL_MAX_RANK_LOAD))
    lower_bound = property(lambda self: self._long(self._t.LOWER_BOUND))
    tile_tasks = property(lambda self: self._long(self._t.TILE_TASKS))
    tiles = property(lambda self: self._long(self._t.TILES))
    max_instances = property(lambda self: self._long(self._t.MAX_INSTANCES))
    tokens_off_source = property(lambda self: self._long(self._t.TOKENS_OFF_SOURCE))
    step_nanos = property(lambda self: self._long(self._t.STEP_NANOS),
                          doc="nanoseconds of EpBalancer.step inside Java (plan, relay trees, tile table)")
    call_nanos = property(lambda self: self._long(self._t.CALL_NANOS),
                          doc="nanoseconds of the whole Java call (the step plus writing the tables)")
    imbalance = property(lambda self: float(self._doubles[self._t.IMBALANCE]), doc="max/mean rank load, planned")
    initial_imbalance = property(lambda self: float(self._doubles[self._t.INITIAL_IMBALANCE]),
                                 doc="max/mean rank load without replicas")
    lower_bound_imbalance = property(lambda self: float(self._doubles[self._t.LOWER_BOUND_IMBALANCE]))
    relay_makespan_seconds = property(lambda self: float(self._doubles[self._t.RELAY_MAKESPAN_SECONDS]))


class EpBalancer:
    """keel's ``EpBalancer`` (replication plan, relay trees, tile table in one call per layer per
    microbatch) for ``ranks`` x ``experts`` (contiguous home ranks), ``slots`` redundant slots per
    rank, scale-up domains of ``domain`` ranks, ``state_bytes`` per expert, ``layers`` layers.

    ``rank`` is this process's rank: ``step`` writes its reroute prefix. One thread per balancer.
    Bad input raises ``ValueError`` with keel's message and leaves the balancer and its last step
    as they were.
    """

    def __init__(self, ranks, experts, slots, domain, state_bytes, layers, *, rank=0,
                 min_tokens_per_replica=1024, eps=0.0):
        from . import start
        start()
        tables = jpype.JClass("io.keel.bench.python.EpStepTables")
        self._iae = jpype.JClass("java.lang.IllegalArgumentException")
        ranks, experts, slots, domain, layers, min_tokens_per_replica = (
            as_int(n, v) for n, v in (("ranks", ranks), ("experts", experts), ("slots", slots), ("domain", domain),
                                      ("layers", layers), ("min_tokens_per_replica", min_tokens_per_replica)))
        state_bytes = as_int("state_bytes", state_bytes, -LONG_MAX - 1, LONG_MAX)
        rank = as_int("rank", rank)
        if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (int, float, np.integer, np.floating)):
            raise ValueError(f"eps must be a number, was {type(eps).__name__}")
        self._j = construct(tables, ranks, experts, slots, domain, state_bytes, layers, min_tokens_per_replica,
                            float(eps))
        self.ranks = int(self._j.ranks())
        self.experts = int(self._j.experts())
        self.domain = int(self._j.stride())
        self.state_bytes = int(state_bytes)
        self.layers = int(layers)
        if not 0 <= rank < self.ranks:
            self._j.close()
            raise ValueError(f"rank must be in [0, {self.ranks}), was {rank}")
        self.rank = int(rank)
        self._t = _Tables()
        e, d = self.experts, self.domain
        self._counts = np.zeros(e, np.int32)
        self._rank = np.full((e, d), -1, np.int32)
        self._quota = np.full((e, d), -1, np.int32)
        self._physical = np.full((e, d), -1, np.int32)
        self._prefix = np.full((e, d), -1, np.int32)
        self._transfers = np.zeros((int(self._j.maxTransfers()), 3), np.int32)
        self._rank_loads = np.zeros((2, self.ranks), np.int64)
        self._longs = np.zeros(self._t.LONGS, np.int64)
        self._longs[self._t.LAYER] = -1  # as Java's view: no layer before the first step
        self._doubles = np.zeros(self._t.DOUBLES, np.float64)
        self._bound = (self._counts, self._rank, self._quota, self._physical, self._prefix, self._transfers,
                       self._rank_loads, self._longs, self._doubles)
        self._j.bind(*[segment(a) for a in self._bound])
        self._loads = Segments()
        self._shape = (self.ranks, self.experts)
        self._int32 = np.dtype(np.int32)
        self._java_step = self._j.step
        self._step = EpStep(self)
        self._closed = False

    def step(self, layer, loads):
        """Plans layer ``layer`` from ``loads``: int32, C-contiguous, shape (ranks, experts),
        ``loads[s, e]`` = tokens source rank ``s`` routed to expert ``e`` (a CPU torch tensor's
        ``.numpy()`` is one). The loads are read in place, not copied. Returns the ``EpStep``.
        Raises ``RuntimeError`` after ``close()``."""
        if self._closed:
            raise RuntimeError("EpBalancer is closed")
        if type(layer) is not int:
            layer = as_int("layer", layer)
        if type(loads) is not np.ndarray:
            loads = as_ndarray("loads", loads)
        if loads.dtype is not self._int32 or loads.shape != self._shape or not loads.flags.c_contiguous \
                or not loads.flags.aligned:
            check_array("loads", loads, self._int32, self._shape)
        try:
            self._java_step(layer, self._loads.of(loads), self.rank)
        except self._iae as e:
            raise keel_error(e) from None
        except OverflowError:
            raise ValueError(f"layer must be in [0, {self.layers}), was {layer}") from None
        return self._step

    @property
    def last_step(self):
        """The last step's ``EpStep`` (its arrays hold -1 before the first step)."""
        return self._step

    def reroute_prefix(self, rank, out=None):
        """Source rank ``rank``'s reroute prefix of the last step, int32 (E, D), -1 beyond each
        expert's instances; into ``out`` when given. (Every rank computes the same plan from the
        same loads; this reads another rank's prefix without planning again.)"""
        if self._closed:
            raise RuntimeError("EpBalancer is closed")
        rank = as_int("rank", rank)
        if out is None:
            out = np.empty((self.experts, self.domain), np.int32)
        else:
            check_output("out", out, self._int32, (self.experts, self.domain))
        try:
            self._j.writeReroutePrefix(rank, segment(out))
        except self._iae as e:
            raise keel_error(e) from None
        except jpype.JClass("java.lang.IllegalStateException") as e:
            raise RuntimeError(str(e.getMessage())) from None
        return out

    def close(self):
        """Frees keel's task table (``tile_table`` views die with it) and drops cached loads."""
        if not self._closed:
            self._closed = True
            self._j.close()
            self._loads.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
