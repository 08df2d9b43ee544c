#!/usr/bin/python3
"""Makes test/fixtures/resnet/* with PyTorch (Debian's python3-torch 1.13, torchvision 0.14).

Run once by hand (`/usr/bin/python3 scripts/make-resnet-fixture.py`); the outputs are committed so
CI needs no PyTorch. Files are written by scripts/safetensors_writer.py.

- small-resnet-step.safetensors: one training step of SmallResNet (scripts/torch_models.py,
  widths (16, 32, 64), dropout 0) from torch.manual_seed(0)'s init, in train mode:
    <name>         the initial state dict (parameters and buffers; num_batches_tracked as I64)
    x [4,1,28,28], labels [4] (I64), logits [4,10], loss [] (F.cross_entropy, mean)
    grad.<name>    every parameter's gradient; grad.x the input's gradient
    after.<name>   the state dict after one torch.optim.SGD(lr=0.1, momentum=0.9,
                   weight_decay=1e-4) step (weight decay applies to every parameter, BN and bias
                   included; the first step's momentum buffer is grad + wd * p, so
                   after = p - lr * (grad + wd * p)); running_mean / running_var /
                   num_batches_tracked are the ones the training forward updated (momentum 0.1,
                   running_var from the unbiased batch variance)
    logits_eval_after [4,10]  the stepped model's logits on x in eval mode
  The hyperparameters are in the header's __metadata__ too.
- resnet18.safetensors.gz: torchvision.models.resnet18(num_classes=1000)'s state dict, in
  torch's key order (header and data), F32, with every float tensor overwritten by a periodic
  pattern so the file compresses (gzip level 9, mtime 0): for the k-th tensor (state-dict index)
  with n elements, pattern[i] = (((i * 7919 + k) % 61) - 30) / 30 for i < n, then
    conv / linear weights  2 / sqrt(fan_in) * pattern   (fan_in = in_channels * kh * kw)
    BN weight              1 + 0.1 * pattern
    BN bias, fc bias       0.1 * pattern
    running_mean           0.1 * pattern
    running_var            1 + 0.5 * |pattern|
    num_batches_tracked    7 (I64)
  (gain 2 rather than 1 keeps the eval-mode logits' spread near 1; with 1 they shrink to ~0.09.)
- resnet18-io.safetensors: x [2,3,64,64] (torch.Generator seeded 0, randn) and torch's
  eval-mode float32 outputs with those weights: logits [2,1000] and features [2,512] (the
  flattened global average pool, the fc's input).
"""
import gzip
import math
import os
import sys

import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_writer import encode, save  # noqa: E402
from torch_models import SmallResNet  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'resnet')
LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 1e-4


def small_resnet_step():
    torch.manual_seed(0)
    model = SmallResNet()
    x = torch.randn(4, 1, 28, 28).requires_grad_(True)
    labels = torch.randint(0, 10, (4,))
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    opt.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out = dict(initial)
    out.update({'x': x, 'labels': labels, 'logits': logits, 'loss': loss.reshape(()), 'grad.x': x.grad})
    for name, p in model.named_parameters():
        out['grad.' + name] = p.grad.clone()
    opt.step()
    for name, v in model.state_dict().items():
        out['after.' + name] = v.clone()
    model.eval()
    with torch.no_grad():
        out['logits_eval_after'] = model(x)
    meta = {'made_by': 'scripts/make-resnet-fixture.py', 'model': 'SmallResNet widths (16, 32, 64), dropout 0',
            'optimizer': 'SGD', 'lr': str(LR), 'momentum': str(MOMENTUM), 'weight_decay': str(WEIGHT_DECAY),
            'torch': torch.__version__}
    size = save(os.path.join(OUT, 'small-resnet-step.safetensors'), out, metadata=meta)
    print(f'small-resnet-step.safetensors {size} bytes, loss {float(loss):.6f}, labels {labels.tolist()}')
    print('SmallResNet state dict keys:', list(initial))


def pattern(n, k):
    i = torch.arange(n, dtype=torch.int64)
    return (((i * 7919 + k) % 61) - 30).to(torch.float32) / 30


def resnet18_weights(sd):
    new = {}
    for k, (name, t) in enumerate(sd.items()):
        if t.dtype == torch.int64:
            new[name] = torch.full_like(t, 7)
            continue
        p = pattern(t.numel(), k).reshape(t.shape)
        if name.endswith('running_var'):
            v = 1 + 0.5 * p.abs()
        elif name.endswith('running_mean'):
            v = 0.1 * p
        elif t.dim() > 1:
            v = 2 / math.sqrt(t[0].numel()) * p
        elif name.endswith('weight'):  # BN weight (every 1-D weight in resnet18 is a BN's)
            v = 1 + 0.1 * p
        else:  # BN bias, fc bias
            v = 0.1 * p
        new[name] = v
    return new


def resnet18():
    model = torchvision.models.resnet18(num_classes=1000)
    model.load_state_dict(resnet18_weights(model.state_dict()))
    model.eval()
    state = model.state_dict()
    raw = encode(state, sort=False, metadata={'made_by': 'scripts/make-resnet-fixture.py', 'model': 'torchvision resnet18, pattern weights'})
    gz = gzip.compress(raw, 9, mtime=0)
    with open(os.path.join(OUT, 'resnet18.safetensors.gz'), 'wb') as f:
        f.write(gz)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    feats = {}
    model.avgpool.register_forward_hook(lambda m, i, o: feats.setdefault('features', torch.flatten(o, 1)))
    with torch.no_grad():
        logits = model(x)
    size = save(os.path.join(OUT, 'resnet18-io.safetensors'), {'x': x, 'logits': logits, 'features': feats['features']},
                metadata={'made_by': 'scripts/make-resnet-fixture.py', 'mode': 'eval', 'torch': torch.__version__})
    print(f'resnet18.safetensors.gz {len(gz)} bytes ({len(raw)} uncompressed), {len(state)} entries; '
          f'resnet18-io.safetensors {size} bytes')
    print(f'resnet18 logits mean {logits.mean():.4f} std {logits.std():.4f} '
          f'range [{logits.min():.3f}, {logits.max():.3f}], argmax {logits.argmax(1).tolist()}')
    print('resnet18 keys (first 20):', list(state)[:20])


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    small_resnet_step()
    resnet18()


if __name__ == '__main__':
    main()
