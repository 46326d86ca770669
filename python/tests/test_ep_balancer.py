"""keel.EpBalancer driven by a real MoE layer (python/examples/moe_host_loop.py): the five
checks of issue #14."""

import importlib
import os

import jpype
import numpy as np
import pytest

import keel
from moe_host_loop import DOMAIN, EXPERTS, MIN_TOKENS_PER_REPLICA, RANKS, SLOTS, HostLoop

STEPS = 40


@pytest.fixture(scope="module")
def records():
    loop = HostLoop(seed=3)
    try:
        return [loop.step(check=True) for _ in range(STEPS)]
    finally:
        loop.close()


def test_every_pair_is_computed_once_by_a_rank_that_holds_its_expert(records):
    # Cluster.forward asserts, pair by pair group, that the slot is on the computing rank and
    # holds the pair's expert (the transfers put it there); here: each pair computed exactly once.
    for i, r in enumerate(records):
        assert np.all(r["computed"] == 1), f"step {i}: pairs computed {np.unique(r['computed'])} times"
        step_ranks = r["per_rank"]
        assert step_ranks.sum() == r["experts"].size


def test_balanced_output_is_bitwise_equal_to_the_unbalanced_reference(records):
    assert [i for i, r in enumerate(records) if not r["bitwise_equal"]] == []
    assert sum(r["replicas"] for r in records) > 0, "the workload should make keel replicate"


def test_per_instance_and_per_rank_tokens_equal_the_plans_quotas(records):
    last = records[-1]  # the step view is valid until the next step: only the last one is live
    step, experts, j = last["step"], last["experts"], last["instance"]
    counted = np.zeros((EXPERTS, DOMAIN), np.int64)
    np.add.at(counted, (experts.ravel(), j.ravel()), 1)
    live = np.arange(DOMAIN)[None, :] < step.instance_count[:, None]
    assert np.array_equal(counted[live], step.instance_quota[live])
    assert np.all(counted[~live] == 0)
    for table in (step.instance_rank, step.instance_quota, step.instance_physical, step.reroute_prefix):
        assert np.all(table[~live] == -1), "entries beyond an expert's instances must hold -1"
    assert np.array_equal(step.instance_quota[live] >= 0, np.ones(live.sum(), bool))
    for i, r in enumerate(records):
        assert r["quotas_match"], f"step {i}: per-rank tokens differ from the plan's rank loads"
        assert r["measured_after"] == pytest.approx(r["after"], rel=0, abs=1e-12), f"step {i}"
        assert r["measured_before"] == pytest.approx(r["before"], rel=0, abs=1e-12), f"step {i}"
    assert np.mean([r["after"] for r in records]) < np.mean([r["before"] for r in records])


def _snapshot(step):
    return [a.copy() for a in (step.instance_count, step.instance_rank, step.instance_quota,
                               step.instance_physical, step.reroute_prefix, step.transfers)] + [step.imbalance]


def _same(a, b):
    return all(np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y for x, y in zip(a, b))


def test_bad_inputs_raise_value_errors_and_leave_the_balancer_usable():
    rng = np.random.default_rng(5)
    loads = rng.integers(0, 400, (RANKS, EXPERTS)).astype(np.int32)
    loads[:, 3] += 3000
    with keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, 1 << 20, 2,
                         min_tokens_per_replica=MIN_TOKENS_PER_REPLICA) as b:
        before = _snapshot(b.step(0, loads))
        wide = np.zeros((RANKS, 2 * EXPERTS), np.int32)
        negative = loads.copy()
        negative[2, 7] = -5
        bad = {
            "dtype int64": (loads.astype(np.int64), "loads must have dtype int32, was int64"),
            "dtype float32": (loads.astype(np.float32), "loads must have dtype int32, was float32"),
            "shape": (loads[:, :16].copy(), "loads must have shape (8, 32), was (8, 16)"),
            "transposed": (np.ascontiguousarray(loads.T), "loads must have shape (8, 32), was (32, 8)"),
            "not contiguous": (wide[:, ::2], "loads must be C-contiguous"),
            "negative": (negative, "loads[71] must be >= 0, was -5"),
            "not an array": ([[1] * EXPERTS] * RANKS, "loads must be a NumPy array, was list"),
        }
        for name, (value, message) in bad.items():
            with pytest.raises(ValueError) as err:
                b.step(0, value)
            assert message in str(err.value), name
            assert _same(_snapshot(b.last_step), before), f"{name}: the last step changed"
        with pytest.raises(ValueError, match=r"layer must be in \[0, 2\), was 2"):
            b.step(2, loads)
        with pytest.raises(ValueError, match=r"rank must be in \[0, 8\), was 8"):
            b.reroute_prefix(8)
        assert _same(_snapshot(b.last_step), before)
        # Usable afterwards: the next good step plans, and equals a fresh balancer's plan.
        again = _snapshot(b.step(0, loads))
        with keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, 1 << 20, 2,
                             min_tokens_per_replica=MIN_TOKENS_PER_REPLICA) as fresh:
            assert _same(again, _snapshot(fresh.step(0, loads)))
        assert b.last_step.microbatch == 1
        with pytest.raises(ValueError, match="layer must be an int, was bool"):
            b.step(True, loads)


def test_arguments_are_checked_as_python_values():
    loads = np.full((RANKS, EXPERTS), 10, np.int32)
    with keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, 1 << 20, 2, min_tokens_per_replica=MIN_TOKENS_PER_REPLICA) as b:
        assert b.last_step.layer == -1
        assert b.last_step.tile_table.nbytes == 0  # no table before the first step
        b.step(np.int64(1), loads)  # a NumPy integer is an int
        for layer, message in ((2**31, "layer must be in"), (2.0, "layer must be an int, was float"),
                               ("1", "layer must be an int, was str"), (None, "layer must be an int"),
                               (np.bool_(True), "layer must be an int")):
            with pytest.raises(ValueError, match=message):
                b.step(layer, loads)
        with pytest.raises(ValueError, match="rank must be an int"):
            b.reroute_prefix(1.5)
        with pytest.raises(ValueError, match="rank must be in"):
            b.reroute_prefix(2**31)
        # An output keel writes into must be a writeable NumPy array.
        blob = bytes(EXPERTS * b.domain * 4)
        read_only = np.frombuffer(blob, np.int32).reshape(EXPERTS, b.domain)
        with pytest.raises(ValueError, match="out must be writeable"):
            b.reroute_prefix(1, out=read_only)
        assert blob == bytes(EXPERTS * b.domain * 4)
        with pytest.raises(ValueError, match="out must be a NumPy array"):
            b.reroute_prefix(1, out=[[0] * b.domain] * EXPERTS)
    for bad in (dict(ranks=8.5), dict(ranks="8"), dict(domain=True)):
        args = dict(ranks=RANKS, experts=EXPERTS, slots=SLOTS, domain=DOMAIN, state_bytes=1 << 20, layers=1)
        args.update(bad)
        with pytest.raises(ValueError, match="must be an int"):
            keel.EpBalancer(**args)
    with pytest.raises(MemoryError):
        keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, 1 << 20, 2**31 - 1)


def test_a_closed_balancer_refuses_steps_and_its_tile_table():
    loads = np.full((RANKS, EXPERTS), 10, np.int32)
    b = keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, 1 << 20, 1, min_tokens_per_replica=MIN_TOKENS_PER_REPLICA)
    step = b.step(0, loads)
    assert step.tile_table.nbytes > 0
    b.close()
    b.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        b.step(0, loads)
    with pytest.raises(RuntimeError, match="closed"):
        step.tile_table
    with pytest.raises(RuntimeError, match="closed"):
        b.reroute_prefix(0)


def test_ten_thousand_steps_from_python_allocate_nothing_on_the_java_side():
    rng = np.random.default_rng(11)
    pool = rng.integers(0, 300, (16, RANKS, EXPERTS)).astype(np.int32)
    pool[:, :, :4] += rng.integers(500, 3000, (16, RANKS, 4)).astype(np.int32)
    loads = np.empty((RANKS, EXPERTS), np.int32)  # one buffer refilled in place, as a host loop does
    threads = jpype.JClass("java.lang.management.ManagementFactory").getThreadMXBean()
    with keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, 1 << 20, 1,
                         min_tokens_per_replica=MIN_TOKENS_PER_REPLICA) as b:
        for i in range(20_000):  # warm-up, so that C2 compiles the step
            np.copyto(loads, pool[i % 16])
            b.step(0, loads)
        # As core's AllocationProbe: up to 5 windows of 10,000 steps, passing at the first that
        # allocates nothing, so a C2 compile that comes late on a loaded machine does not fail the
        # test; a step that allocates fails every window.
        windows = []
        replicas = 0
        for _ in range(5):
            start = threads.getCurrentThreadAllocatedBytes()
            for i in range(10_000):
                np.copyto(loads, pool[i % 16])
                replicas += b.step(0, loads).replicas
            windows.append(threads.getCurrentThreadAllocatedBytes() - start)
            if windows[-1] == 0:
                break
        allocated = windows[-1]
    assert replicas > 0
    assert allocated == 0, f"every window of 10,000 steps allocated on the Java side: {windows} bytes"


def import_or_skip(module, reason):
    """pytest.importorskip, except that a missing module fails the test when KEEL_PYTHON_REQUIRED
    is set (to anything non-empty, as python/run-tests and .ci/run read it)."""
    if os.environ.get("KEEL_PYTHON_REQUIRED"):
        try:
            return importlib.import_module(module)
        except ImportError as e:
            pytest.fail(f"KEEL_PYTHON_REQUIRED is set but {module} does not import: {e}")
    return pytest.importorskip(module, reason=reason)


def test_the_torch_layer_under_keels_plan_equals_its_reference():
    import_or_skip("torch", reason="python3-torch is optional (apt-get install python3-torch)")
    import moe_host_loop_torch
    records = moe_host_loop_torch.run(steps=12, seed=4)
    assert all(r["computed_once"] and r["quotas_match"] and r["bitwise_equal"] for r in records)
    assert sum(r["replicas"] for r in records) > 0
