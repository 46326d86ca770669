"""The MoE host loop of ``moe_host_loop.py`` with the layer in torch (CPU): router, top-k, expert
MLPs, dispatch and combine are torch ops; the loads go to keel as ``tensor.numpy()`` (in place,
no copy) and the plan's arrays come back as tensors with ``torch.from_numpy`` (no copy either).

    /usr/bin/python3 python/examples/moe_host_loop.py      # runs this too when torch is installed
"""

import time

import numpy as np
import torch

import keel
from moe_host_loop import (DOMAIN, EXPERTS, MIN_TOKENS_PER_REPLICA, RANKS, SLOTS, MoELayer, Workload,
                           _initial)


class TorchMoE:
    """The NumPy layer's weights as tensors, and its forward in torch."""

    def __init__(self, layer):
        self.topk = layer.topk
        self.experts = layer.experts
        self.router = torch.from_numpy(layer.router)
        self.w1, self.b1 = torch.from_numpy(layer.w1), torch.from_numpy(layer.b1)
        self.w2, self.b2 = torch.from_numpy(layer.w2), torch.from_numpy(layer.b2)

    def route(self, x, bias):
        logits = x @ self.router + bias
        chosen, top = torch.topk(logits, self.topk, dim=1, sorted=True)
        return top, torch.softmax(chosen, dim=1)

    @staticmethod
    def mlp(x, w1, b1, w2, b2):
        return torch.relu(x @ w1 + b1) @ w2 + b2

    def reference(self, x, top, gates):
        y = torch.zeros(x.shape[0], top.shape[1], self.w2.shape[2])
        for e in range(self.experts):
            t, k = torch.nonzero(top == e, as_tuple=True)
            if t.numel():
                y[t, k] = self.mlp(x[t], self.w1[e], self.b1[e], self.w2[e], self.b2[e])
        return combine(y, gates)


def combine(y, gates):
    out = gates[:, 0, None] * y[:, 0]
    for k in range(1, y.shape[1]):
        out = out + gates[:, k, None] * y[:, k]
    return out


class TorchCluster:
    """Ranks holding physical slots of expert state as tensors, filled by the plan's transfers."""

    def __init__(self, moe, ranks=RANKS, slots=SLOTS):
        self.moe, self.ranks = moe, ranks
        self.per = moe.experts // ranks
        self.per_rank = self.per + slots
        n = ranks * self.per_rank
        self.w1 = torch.zeros(n, *moe.w1.shape[1:])
        self.b1 = torch.zeros(n, *moe.b1.shape[1:])
        self.w2 = torch.zeros(n, *moe.w2.shape[1:])
        self.b2 = torch.zeros(n, *moe.b2.shape[1:])
        self.holds = torch.full((n,), -1, dtype=torch.long)
        masters = torch.tensor([self.master_slot(e) for e in range(moe.experts)])
        self.w1[masters], self.b1[masters] = moe.w1, moe.b1
        self.w2[masters], self.b2[masters] = moe.w2, moe.b2
        self.holds[masters] = torch.arange(moe.experts)

    def master_slot(self, e):
        return (e // self.per) * self.per_rank + e % self.per

    def apply_transfers(self, step, rank, physical):
        for e, src, dst in torch.from_numpy(step.transfers).tolist():
            j = int(torch.nonzero(rank[e, : int(step.instance_count[e])] == dst)[0])
            p, m = int(physical[e, j]), self.master_slot(e)
            assert m // self.per_rank == src and p // self.per_rank == dst
            self.w1[p], self.b1[p], self.w2[p], self.b2[p] = self.w1[m], self.b1[m], self.w2[m], self.b2[m]
            self.holds[p] = e

    def forward(self, step, prefixes, x, top, gates):
        count = torch.from_numpy(step.instance_count).long()
        rank = torch.from_numpy(step.instance_rank).long()
        physical = torch.from_numpy(step.instance_physical).long()
        self.apply_transfers(step, rank, physical)
        pairs = top.numel()
        source = torch.arange(self.ranks).repeat_interleave(pairs // self.ranks)
        flat = top.reshape(-1)
        key = source * self.moe.experts + flat
        sorted_key, order = torch.sort(key, stable=True)
        first = torch.searchsorted(sorted_key, sorted_key, right=False)
        ordinal = torch.empty_like(order)
        ordinal[order] = torch.arange(pairs) - first
        pre = prefixes[source, flat]
        live = torch.arange(pre.shape[1])[None, :] < count[flat][:, None]
        j = ((pre <= ordinal[:, None]) & live).sum(1)
        r = rank[flat, j]
        slot = physical[flat, j]
        y = torch.zeros(pairs, self.w2.shape[2])
        computed = torch.zeros(pairs, dtype=torch.int32)
        per_rank = torch.bincount(r, minlength=self.ranks)
        for p in torch.unique(slot).tolist():
            idx = torch.nonzero(slot == p, as_tuple=True)[0]
            assert bool(torch.all(self.holds[p] == flat[idx])), f"slot {p} does not hold the pairs' expert"
            tokens = idx // top.shape[1]
            y[idx] = self.moe.mlp(x[tokens], self.w1[p], self.b1[p], self.w2[p], self.b2[p])
            computed[idx] += 1
        return combine(y.reshape(*top.shape, -1), gates), per_rank.numpy(), computed


def run(steps=300, seed=0, check=True):
    """The torch host loop; per-step records like ``moe_host_loop.run``."""
    layer = MoELayer(seed=seed)
    work = Workload(seed=seed + 1)
    moe = TorchMoE(layer)
    cluster = TorchCluster(moe)
    loads = torch.zeros(RANKS, EXPERTS, dtype=torch.int32)  # filled in place every step
    prefixes_np = np.full((RANKS, EXPERTS, DOMAIN), -1, np.int32)
    prefixes = torch.from_numpy(prefixes_np)
    state_bytes = sum(a.nbytes for a in layer.state(0))
    records = []
    with keel.EpBalancer(RANKS, EXPERTS, SLOTS, DOMAIN, state_bytes, 1,
                         min_tokens_per_replica=MIN_TOKENS_PER_REPLICA) as balancer:
        for i in range(steps):
            x_np, bias_np = work.step(i)
            x, bias = torch.from_numpy(x_np), torch.from_numpy(bias_np)
            top, gates = moe.route(x, bias)
            per_source = top.reshape(RANKS, -1)
            for s in range(RANKS):
                loads[s] = torch.bincount(per_source[s], minlength=EXPERTS)
            t0 = time.perf_counter_ns()
            step = balancer.step(0, loads.numpy())
            wall = time.perf_counter_ns() - t0
            prefixes_np[0] = step.reroute_prefix
            for s in range(1, RANKS):
                balancer.reroute_prefix(s, prefixes_np[s])
            out, per_rank, computed = cluster.forward(step, prefixes.long(), x, top, gates)
            initial = _initial(loads.numpy())
            rec = {"wall_ns": wall, "java_ns": step.step_nanos, "call_ns": step.call_nanos, "before": step.initial_imbalance,
                   "after": step.imbalance, "replicas": step.replicas, "transfers": len(step.transfers),
                   "measured_after": per_rank.max() / per_rank.mean(),
                   "measured_before": initial.max() / initial.mean(),
                   "computed_once": bool(torch.all(computed == 1)),
                   "quotas_match": bool(np.array_equal(per_rank, step.rank_load_after))}
            if check:
                rec["bitwise_equal"] = bool(torch.equal(out, moe.reference(x, top, gates)))
            records.append(rec)
    return records
