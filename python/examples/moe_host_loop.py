"""A MoE layer's host loop with keel deciding expert replication, in NumPy (and torch when present).

8 simulated ranks x 32 experts (4 masters and 2 redundant slots per rank, one 8-rank domain),
top-4 routing with a skew that moves every few dozen steps. Each step:

1. the router picks each token's top-k experts; the loads matrix ``loads[s, e]`` (tokens of
   source rank ``s`` routed to expert ``e``) goes to ``keel.EpBalancer.step`` in place;
2. the plan's transfers copy expert state into the replicas' physical slots;
3. every (token, expert) pair goes to an instance by its source rank's reroute prefix (master or
   replica), and that instance's rank computes it with the weights in its slot;
4. the outputs are combined with the gates, and compared with the unbalanced reference forward.

Weights and activations sit on a dyadic grid (multiples of 1/8 and 1/16), so every expert output
is exact in float32 whatever the summation order: the bitwise comparison tests placement, not
the BLAS's blocking.

    /usr/bin/python3 python/examples/moe_host_loop.py [--steps 300] [--json]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import keel  # noqa: E402

RANKS, EXPERTS, SLOTS, DOMAIN, TOPK = 8, 32, 2, 8, 4
D_MODEL, D_FF, TOKENS_PER_RANK = 32, 64, 256
# UltraEP's 1024-token minimum per replica at 8192 tokens x top-8 per rank, scaled to 256 x top-4.
MIN_TOKENS_PER_REPLICA = 16


class MoELayer:
    """Router (linear, top-k, softmax over the chosen logits) and experts (two-layer ReLU MLPs)."""

    def __init__(self, experts=EXPERTS, d_model=D_MODEL, d_ff=D_FF, topk=TOPK, seed=0):
        rng = np.random.default_rng(seed)
        self.experts, self.d_model, self.d_ff, self.topk = experts, d_model, d_ff, topk
        self.router = rng.standard_normal((d_model, experts)).astype(np.float32) / np.sqrt(d_model)
        grid = np.float32(1 / 16)
        self.w1 = (rng.integers(-8, 9, (experts, d_model, d_ff)) * grid).astype(np.float32)
        self.b1 = (rng.integers(-8, 9, (experts, d_ff)) / np.float32(128)).astype(np.float32)
        self.w2 = (rng.integers(-8, 9, (experts, d_ff, d_model)) * grid).astype(np.float32)
        self.b2 = (rng.integers(-8, 9, (experts, d_model)) / np.float32(128)).astype(np.float32)

    def route(self, x, bias):
        """(experts (T, k) int64, gates (T, k) float32) for tokens ``x`` (T, d)."""
        logits = x @ self.router + bias
        top = np.argpartition(-logits, self.topk - 1, axis=1)[:, : self.topk]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(logits, top, 1), 1, kind="stable"), 1)
        chosen = np.take_along_axis(logits, top, 1)
        gates = np.exp(chosen - chosen[:, :1])
        return top, (gates / gates.sum(1, keepdims=True)).astype(np.float32)

    @staticmethod
    def mlp(x, w1, b1, w2, b2):
        return np.maximum(x @ w1 + b1, 0) @ w2 + b2

    def state(self, e):
        """Expert ``e``'s state, what a transfer copies."""
        return self.w1[e], self.b1[e], self.w2[e], self.b2[e]


def combine(y, gates):
    """sum_k gates[t, k] * y[t, k], in the order k = 0, 1, ... for every token."""
    out = gates[:, 0, None] * y[:, 0]
    for k in range(1, y.shape[1]):
        out = out + gates[:, k, None] * y[:, k]
    return out


def reference_forward(layer, x, experts, gates):
    """The unbalanced forward: every expert computes all its (token, k) pairs with its master weights."""
    y = np.zeros((x.shape[0], experts.shape[1], layer.d_model), np.float32)
    for e in range(layer.experts):
        t, k = np.nonzero(experts == e)
        if t.size:
            y[t, k] = layer.mlp(x[t], *layer.state(e))
    return combine(y, gates)


class Workload:
    """Tokens per step: activations on a 1/8 grid, and a router bias that makes a few experts hot,
    the hot set moving every ``period`` steps and each source rank leaning to its own favourites."""

    def __init__(self, ranks=RANKS, experts=EXPERTS, tokens_per_rank=TOKENS_PER_RANK, d_model=D_MODEL,
                 skew=2.5, period=40, seed=1):
        self.rng = np.random.default_rng(seed)
        self.ranks, self.experts, self.tokens, self.d_model = ranks, experts, tokens_per_rank, d_model
        self.skew, self.period = skew, period
        self.rank_bias = self.rng.standard_normal((ranks, experts)).astype(np.float32) * 0.5
        self.hot = None

    def step(self, i):
        if i % self.period == 0:
            zipf = np.log(1.0 / np.arange(1, self.experts + 1))
            self.hot = (self.skew * (zipf - zipf.mean()))[self.rng.permutation(self.experts)].astype(np.float32)
        x = (self.rng.integers(-8, 9, (self.ranks * self.tokens, self.d_model)) / np.float32(8)).astype(np.float32)
        bias = np.repeat(self.hot[None] + self.rank_bias, self.tokens, axis=0)
        return x, bias


class Cluster:
    """The simulated ranks: each holds its physical slots (masters, then redundant slots) of expert
    state, filled by the plan's transfers, and computes the (token, expert) pairs sent to it."""

    def __init__(self, layer, ranks=RANKS, slots=SLOTS):
        self.layer, self.ranks = layer, ranks
        per = layer.experts // ranks
        self.per_rank = per + slots
        n = ranks * self.per_rank
        self.w1 = np.zeros((n, layer.d_model, layer.d_ff), np.float32)
        self.b1 = np.zeros((n, layer.d_ff), np.float32)
        self.w2 = np.zeros((n, layer.d_ff, layer.d_model), np.float32)
        self.b2 = np.zeros((n, layer.d_model), np.float32)
        self.holds = np.full(n, -1)  # logical expert whose state each physical slot holds
        for e in range(layer.experts):
            self._load(self.master_slot(e), e)

    def master_slot(self, e):
        per = self.layer.experts // self.ranks
        return (e // per) * self.per_rank + e % per

    def rank_of_slot(self, p):
        return p // self.per_rank

    def _load(self, p, e):
        self.w1[p], self.b1[p], self.w2[p], self.b2[p] = self.layer.state(e)
        self.holds[p] = e

    def apply_transfers(self, step):
        """Copies each transferred expert's state from its home rank's master slot into the
        replica's slot, as the copy kernel driven by the tile table would."""
        for e, src, dst in step.transfers:
            j = int(np.nonzero(step.instance_rank[e, : step.instance_count[e]] == dst)[0][0])
            p = int(step.instance_physical[e, j])
            master = self.master_slot(e)
            assert self.rank_of_slot(master) == src and self.rank_of_slot(p) == dst
            self.w1[p], self.b1[p], self.w2[p], self.b2[p] = (self.w1[master], self.b1[master],
                                                               self.w2[master], self.b2[master])
            self.holds[p] = e

    def instance_of(self, step, prefixes, experts):
        """Instance of every (token, k) pair: its source rank's reroute prefix and its ordinal among
        that source's pairs for the same expert, in token order."""
        tokens_per_rank = experts.shape[0] // self.ranks
        source = np.repeat(np.arange(self.ranks), tokens_per_rank * experts.shape[1])
        flat = experts.ravel()
        # Ordinal of each pair among the pairs with the same (source, expert), in token order.
        key = source * self.layer.experts + flat
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        first = np.searchsorted(sorted_key, sorted_key, side="left")
        ordinal = np.empty_like(order)
        ordinal[order] = np.arange(order.size) - first
        pre = prefixes[source, flat]  # (pairs, D) prefix rows
        live = np.arange(pre.shape[1])[None, :] < step.instance_count[flat][:, None]
        j = ((pre <= ordinal[:, None]) & live).sum(1)
        return j.reshape(experts.shape)

    def forward(self, step, prefixes, x, experts, gates, computed):
        """The balanced forward: pairs dispatched to their instances' ranks, computed there with
        the slot's weights, combined. ``computed[t, k]`` counts the times pair (t, k) was computed;
        returns (output, pairs computed per rank, instance of every pair)."""
        j = self.instance_of(step, prefixes, experts)
        rank = step.instance_rank[experts, j]
        slot = step.instance_physical[experts, j]
        y = np.zeros((x.shape[0], experts.shape[1], self.layer.d_model), np.float32)
        per_rank = np.zeros(self.ranks, np.int64)
        for r in range(self.ranks):
            mine = rank == r
            per_rank[r] = mine.sum()
            for p in np.unique(slot[mine]):
                t, k = np.nonzero(mine & (slot == p))
                assert self.rank_of_slot(p) == r, f"slot {p} is not on rank {r}"
                assert np.all(self.holds[p] == experts[t, k]), f"slot {p} does not hold the pairs' expert"
                y[t, k] = self.layer.mlp(x[t], self.w1[p], self.b1[p], self.w2[p], self.b2[p])
                computed[t, k] += 1
        return combine(y, gates), per_rank, j


def loads_matrix(experts, ranks, n_experts, out):
    """``out[s, e]`` = pairs of source rank ``s`` routed to expert ``e`` (filled in place)."""
    tokens_per_rank = experts.shape[0] // ranks
    for s in range(ranks):
        out[s] = np.bincount(experts[s * tokens_per_rank:(s + 1) * tokens_per_rank].ravel(), minlength=n_experts)
    return out


class HostLoop:
    """The host loop: one MoE layer on the simulated ranks, keel planning every step."""

    def __init__(self, seed=0):
        self.layer = MoELayer(seed=seed)
        self.work = Workload(seed=seed + 1)
        self.cluster = Cluster(self.layer)
        self.loads = np.zeros((RANKS, EXPERTS), np.int32)  # the buffer the all-gather fills every step
        self.prefixes = np.full((RANKS, EXPERTS, DOMAIN), -1, np.int32)
        state_bytes = sum(a.nbytes for a in self.layer.state(0))
        self.balancer = keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, state_bytes, 1, rank=0,
                                        min_tokens_per_replica=MIN_TOKENS_PER_REPLICA)
        self.i = 0

    def step(self, check=True):
        """One step; returns a dict of what happened (arrays are this step's)."""
        x, bias = self.work.step(self.i)
        self.i += 1
        experts, gates = self.layer.route(x, bias)
        loads_matrix(experts, RANKS, EXPERTS, self.loads)
        t0 = time.perf_counter_ns()
        step = self.balancer.step(0, self.loads)
        wall = time.perf_counter_ns() - t0
        # Rank 0's prefix came with the step; the other ranks would compute the same plan from
        # the same all-gathered loads and write their own.
        self.prefixes[0] = step.reroute_prefix
        for s in range(1, RANKS):
            self.balancer.reroute_prefix(s, self.prefixes[s])
        self.cluster.apply_transfers(step)
        computed = np.zeros(experts.shape, np.int32)
        out, per_rank, j = self.cluster.forward(step, self.prefixes, x, experts, gates, computed)
        initial = _initial(self.loads)
        rec = {"wall_ns": wall, "java_ns": step.step_nanos, "call_ns": step.call_nanos, "before": step.initial_imbalance,
               "after": step.imbalance, "replicas": step.replicas, "transfers": len(step.transfers),
               "measured_after": per_rank.max() / per_rank.mean(), "measured_before": initial.max() / initial.mean(),
               "computed": computed, "per_rank": per_rank, "experts": experts, "instance": j, "step": step,
               "computed_once": bool(np.all(computed == 1)),
               "quotas_match": bool(np.array_equal(per_rank, step.rank_load_after))}
        if check:
            rec["bitwise_equal"] = bool(np.array_equal(out, reference_forward(self.layer, x, experts, gates)))
        return rec

    def close(self):
        self.balancer.close()


def warm_up(steps=20000, seed=99):
    """Runs keel's step on this shape ``steps`` times so the JIT has compiled it, as it would
    have early in a training run."""
    work = Workload(seed=seed)
    layer = MoELayer(seed=seed)
    pool = np.zeros((16, RANKS, EXPERTS), np.int32)
    for i in range(16):
        loads_matrix(layer.route(*work.step(i))[0], RANKS, EXPERTS, pool[i])
    loads = np.zeros((RANKS, EXPERTS), np.int32)
    with keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, 1 << 20, 1,
                         min_tokens_per_replica=MIN_TOKENS_PER_REPLICA) as b:
        for i in range(steps):
            np.copyto(loads, pool[i % 16])
            b.step(0, loads)


def run(steps=300, seed=0, check=True):
    """Runs the host loop; returns the per-step records (scalars only)."""
    loop = HostLoop(seed)
    try:
        records = []
        for _ in range(steps):
            rec = loop.step(check)
            records.append({k: v for k, v in rec.items() if not isinstance(v, (np.ndarray, keel.EpStep))})
        return records
    finally:
        loop.close()


def _initial(loads):
    """Rank loads with every expert on its master only."""
    return loads.sum(0).reshape(RANKS, -1).sum(1)


def summarize(records):
    wall = np.array([r["wall_ns"] for r in records[len(records) // 5:]]) / 1e3
    java = np.array([r["java_ns"] for r in records[len(records) // 5:]]) / 1e3
    call = np.array([r["call_ns"] for r in records[len(records) // 5:]]) / 1e3
    return {
        "steps": len(records),
        "imbalanceBefore": {"mean": float(np.mean([r["before"] for r in records])),
                            "max": float(np.max([r["before"] for r in records]))},
        "imbalanceAfter": {"mean": float(np.mean([r["after"] for r in records])),
                           "max": float(np.max([r["after"] for r in records]))},
        "measuredAfterEqualsPlan": all(abs(r["measured_after"] - r["after"]) < 1e-12 for r in records),
        "replicasMean": float(np.mean([r["replicas"] for r in records])),
        "transfersMean": float(np.mean([r["transfers"] for r in records])),
        "everyPairComputedOnce": all(r["computed_once"] for r in records),
        "rankTokensEqualQuotas": all(r["quotas_match"] for r in records),
        "bitwiseEqualToReference": all(r.get("bitwise_equal", True) for r in records),
        "keelCallMicros": {"p50": float(np.percentile(wall, 50)), "p99": float(np.percentile(wall, 99))},
        "javaStepMicros": {"p50": float(np.percentile(java, 50)), "p99": float(np.percentile(java, 99))},
        "javaCallMicros": {"p50": float(np.percentile(call, 50)), "p99": float(np.percentile(call, 99))},
    }


def main():
    ap = argparse.ArgumentParser(description="MoE host loop with keel's expert replication")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=20000, help="keel steps before the loop, for the JIT")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    keel.start()
    if args.warmup:
        warm_up(args.warmup)
    result = {"warmupSteps": args.warmup, "numpy": summarize(run(args.steps))}
    try:
        import torch  # noqa: F401
    except ImportError:
        result["torch"] = "skipped: torch is not installed (apt-get install -y python3-torch)"
    else:
        import moe_host_loop_torch
        result["torch"] = summarize(moe_host_loop_torch.run(args.steps))
    if args.json:
        print(json.dumps(result))
        return
    print(f"keel warmed up with {args.warmup} steps on other loads (JIT) before the loop")
    for name, s in result.items():
        if name == "warmupSteps":
            continue
        if isinstance(s, str):
            print(f"{name}: {s}")
            continue
        print(f"{name}: {s['steps']} steps, {RANKS} ranks x {EXPERTS} experts, top-{TOPK}, "
              f"{RANKS * TOKENS_PER_RANK} tokens per step")
        print(f"  imbalance (max/mean rank load)  before {s['imbalanceBefore']['mean']:.3f} "
              f"(worst {s['imbalanceBefore']['max']:.3f})   after {s['imbalanceAfter']['mean']:.4f} "
              f"(worst {s['imbalanceAfter']['max']:.4f})")
        print(f"  replicas per step {s['replicasMean']:.2f}, transfers {s['transfersMean']:.2f}")
        print(f"  every pair computed once on a rank holding its expert: {s['everyPairComputedOnce']}; "
              f"per-rank tokens == plan: {s['rankTokensEqualQuotas']}; "
              f"bitwise equal to the reference: {s['bitwiseEqualToReference']}")
        print(f"  keel step from Python  p50 {s['keelCallMicros']['p50']:.1f} us  p99 {s['keelCallMicros']['p99']:.1f} us"
              f"   (inside Java: step p50 {s['javaStepMicros']['p50']:.1f} us  p99 {s['javaStepMicros']['p99']:.1f} us,"
              f" step + tables p50 {s['javaCallMicros']['p50']:.1f} us)")


if __name__ == "__main__":
    main()
