"""Call overhead of keel.EpBalancer.step from Python, beside the same step timed inside Java.

For every call it records the Python wall time of ``balancer.step(layer, loads)`` and, from the
same call, the nanoseconds ``EpBalancer.step`` took inside Java (``step.step_nanos``) and the
whole Java call with the table writes (``step.call_nanos``). Overhead = Python wall - Java step.

    /usr/bin/python3 python/examples/call_overhead.py [--calls 20000] [--json]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import keel  # noqa: E402

SETTINGS = (  # ranks, experts, slots, domain, top-k, tokens per rank
    (8, 32, 2, 8, 4, 256),
    (64, 256, 2, 8, 8, 8192),
    (64, 256, 2, 64, 8, 8192),
)


def skewed_loads(rng, ranks, experts, topk, tokens, count, zipf=1.1):
    """``count`` (ranks, experts) int32 load matrices: each source rank routes ``tokens * topk``
    assignments over the experts with Zipf-skewed popularity, the hot experts shuffled per matrix."""
    out = np.empty((count, ranks, experts), np.int32)
    weights = 1.0 / np.arange(1, experts + 1) ** zipf
    for c in range(count):
        p = weights[rng.permutation(experts)]
        out[c] = rng.multinomial(tokens * topk, p / p.sum(), size=ranks)
    return out


def measure(ranks, experts, slots, domain, topk, tokens, calls, seed=7):
    rng = np.random.default_rng(seed)
    pool = skewed_loads(rng, ranks, experts, topk, tokens, 16)
    loads = np.empty((ranks, experts), np.int32)  # one buffer refilled every step, as a host loop does
    wall = np.empty(calls, np.int64)
    java = np.empty(calls, np.int64)
    whole = np.empty(calls, np.int64)
    with keel.EpBalancer(ranks, experts, slots, domain, 88 << 20, 1, min_tokens_per_replica=16) as b:
        warm = max(calls, 20000)
        for i in range(warm):
            np.copyto(loads, pool[i % 16])
            b.step(0, loads)
        clock = time.perf_counter_ns
        for i in range(calls):
            np.copyto(loads, pool[i % 16])
            t0 = clock()
            step = b.step(0, loads)
            wall[i] = clock() - t0
            java[i] = step.step_nanos
            whole[i] = step.call_nanos
        imbalance = (step.initial_imbalance, step.imbalance)
    over = wall - java

    def pct(a):
        return {"p50": round(float(np.percentile(a, 50)) / 1e3, 2), "p99": round(float(np.percentile(a, 99)) / 1e3, 2)}

    return {"ranks": ranks, "experts": experts, "slots": slots, "domain": domain, "topk": topk,
            "tokensPerRank": tokens, "calls": calls,
            "pythonCallMicros": pct(wall), "javaStepMicros": pct(java), "javaCallMicros": pct(whole),
            "overheadMicros": pct(over), "tableWriteMicros": pct(whole - java),
            "lastImbalance": [round(x, 4) for x in imbalance]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    keel.start()
    rows = [measure(*s, args.calls) for s in SETTINGS]
    if args.json:
        print(json.dumps(rows))
        return
    print(f"{'R x E, domain':>16} {'python p50/p99':>16} {'java step p50/p99':>18} {'overhead p50/p99':>17} "
          f"{'tables p50/p99':>15}   (microseconds, {args.calls} calls)")
    for r in rows:
        def f(k):
            return f"{r[k]['p50']:.1f} / {r[k]['p99']:.1f}"
        print(f"{r['ranks']:>5} x {r['experts']:<3} d{r['domain']:<4} {f('pythonCallMicros'):>16} "
              f"{f('javaStepMicros'):>18} {f('overheadMicros'):>17} {f('tableWriteMicros'):>15}")


if __name__ == "__main__":
    main()
