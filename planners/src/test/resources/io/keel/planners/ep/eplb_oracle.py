"""Runs DeepSeek's eplb.py (imported from the directory in argv[1], never copied) on cases read
from stdin, one per line, and prints one answer line per case:

  S n v_0 .. v_{n-1}                      -> the indices of torch.sort(descending=True) on float32
  E layers experts replicas groups nodes gpus w_0 ..  (layers * experts float32 weights)
                                          -> phy2log (layers * replicas ints), then logcnt
"""
import sys

import torch

sys.path.insert(0, sys.argv[1])
from eplb import rebalance_experts  # noqa: E402

torch.set_num_threads(1)
out = sys.stdout
for line in sys.stdin:
    f = line.split()
    if not f:
        continue
    if f[0] == 'S':
        n = int(f[1])
        t = torch.tensor([[float(x) for x in f[2:2 + n]]], dtype=torch.float32)
        out.write(' '.join(str(i) for i in t.sort(-1, descending=True).indices[0].tolist()) + '\n')
    else:
        layers, experts, replicas, groups, nodes, gpus = (int(x) for x in f[1:7])
        w = torch.tensor([float(x) for x in f[7:7 + layers * experts]], dtype=torch.float32).view(layers, experts)
        phy2log, log2phy, logcnt = rebalance_experts(w, replicas, groups, nodes, gpus)
        out.write(' '.join(str(i) for i in phy2log.flatten().tolist() + logcnt.flatten().tolist()) + '\n')
out.flush()
