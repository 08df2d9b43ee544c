#!/usr/bin/python3
"""Makes test/fixtures/torch-lenet*.safetensors with PyTorch (Debian's python3-torch).

Run once by hand (`/usr/bin/python3 scripts/make-torch-fixture.py`); the outputs are committed so
CI needs no PyTorch. The safetensors files are written by scripts/safetensors_writer.py (the format is
an 8-byte little-endian header length, a JSON header, then raw little-endian data), because
Debian ships no safetensors module.

- torch-lenet.safetensors: the state dict of a LeNet-5 nn.Sequential (F32, PyTorch names).
- torch-lenet-f16.safetensors / -bf16: the same weights stored as F16 / BF16.
- torch-lenet-io.safetensors: a batch x, labels, the logits, the cross-entropy loss, every
  parameter's gradient (grad.<name>), the input gradient, and the f16/bf16 weights widened
  back to float32 (expect_f16.<name>, expect_bf16.<name>).
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_writer import save as write  # noqa: E402
from torch_models import lenet5  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures')


def save(path, tensors):
    write(path, tensors, metadata={'made_by': 'scripts/make-torch-fixture.py'})


def main():
    torch.manual_seed(0)
    model = lenet5()
    state = model.state_dict()
    save(os.path.join(OUT, 'torch-lenet.safetensors'), state)
    save(os.path.join(OUT, 'torch-lenet-f16.safetensors'), {k: v.half() for k, v in state.items()})
    save(os.path.join(OUT, 'torch-lenet-bf16.safetensors'), {k: v.bfloat16() for k, v in state.items()})

    x = torch.rand(4, 1, 28, 28, requires_grad=True)
    labels = torch.tensor([3, 1, 4, 1])
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    io = {'x': x, 'labels': labels.float(), 'logits': logits, 'loss': loss.reshape(()), 'grad.x': x.grad}
    for name, p in model.named_parameters():
        io['grad.' + name] = p.grad
    for k, v in state.items():
        io['expect_f16.' + k] = v.half().float()
        io['expect_bf16.' + k] = v.bfloat16().float()
    save(os.path.join(OUT, 'torch-lenet-io.safetensors'), io)
    print('torch', torch.__version__, 'loss', float(loss))


if __name__ == '__main__':
    main()
