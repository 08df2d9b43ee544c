#!/usr/bin/python3
"""PyTorch peer for training steps (run by bench/torch-step.js, or by hand):

  python3 bench/peers/torch_step.py --model small-resnet|lenet5 --threads N --batch 64 --steps K

Times one training step (forward, F.cross_entropy, backward, torch.optim.SGD(lr=0.01,
momentum=0.9) step, zero_grad) on random [batch, 1, 28, 28] data with random labels, in train
mode, after warm-up steps, with torch.set_num_threads(N) (and 1 inter-op thread). Each step is
timed on its own; prints one JSON line:
  {"peer": "pytorch", "model", "threads", "batch", "median_ms", "min_ms", "runs", "torch"}
(plus "omp_wait_policy": OMP_WAIT_POLICY or "default"; libgomp's default spins idle threads,
which on a loaded machine makes 2 threads far slower than 1). The models are scripts/torch_models.py's (SmallResNet widths (16, 32, 64), LeNet-5).
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts'))
from torch_models import SmallResNet, lenet5  # noqa: E402

MODELS = {'small-resnet': SmallResNet, 'lenet5': lenet5}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', choices=sorted(MODELS), required=True)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--steps', type=int, default=20, help='timed steps')
    ap.add_argument('--warmup', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(0)
    model = MODELS[a.model]()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch, 1, 28, 28)
    labels = torch.randint(0, 10, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        return loss

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({'peer': 'pytorch', 'model': a.model, 'threads': torch.get_num_threads(), 'batch': a.batch,
                      'median_ms': times[len(times) // 2], 'min_ms': times[0], 'runs': len(times),
                      'torch': torch.__version__, 'omp_wait_policy': os.environ.get('OMP_WAIT_POLICY', 'default')}))


if __name__ == '__main__':
    main()
