#!/usr/bin/python3
"""Exports the benchmark's full-width torchvision models to ONNX, with PyTorch's outputs.

Usage: /usr/bin/python3 scripts/make-onnx-bench-models.py [OUT_DIR] [NAME ...]
(default OUT_DIR bench/.cache/models, ignored by git; default names: all). bench/models-cache.js
runs it when PyTorch is there. A model whose two files both exist is skipped.

For each model <name> (resnet18, resnet50, mobilenet_v2, squeezenet1_1, efficientnet_b0;
torchvision 0.14's constructors, 1000 classes):
- torch.manual_seed(<index>) random init; BatchNorm affine parameters randomized and running
  statistics measured on random inputs (scripts/onnx_models.py calibrate), eval mode;
- <name>.onnx: torch.onnx.export at opset 13, input `input` [N, 3, 224, 224], output `output`
  [N, 1000], N dynamic, constant folding on;
- <name>.safetensors: input_b1 [1,3,224,224], output_b1 [1,1000], input_b4 [4,3,224,224],
  output_b4 [4,1000] (inputs standard normal, torch.Generator seeded per model).
Written to a temporary name and renamed, so an interrupted run leaves no half file.
"""
import os
import sys
import time

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_models as M  # noqa: E402
from safetensors_writer import encode  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
NAMES = ['resnet18', 'resnet50', 'mobilenet_v2', 'squeezenet1_1', 'efficientnet_b0']
SHAPE = [1, 3, 224, 224]


def write(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'bench', '.cache', 'models')
    names = sys.argv[2:] or NAMES
    os.makedirs(out, exist_ok=True)
    for name in names:
        if name not in NAMES:
            sys.exit(f'make-onnx-bench-models: unknown model {name} (known: {", ".join(NAMES)})')
        onnx_path = os.path.join(out, f'{name}.onnx')
        io_path = os.path.join(out, f'{name}.safetensors')
        if os.path.exists(onnx_path) and os.path.exists(io_path):
            print(f'{name}: present')
            continue
        t0 = time.time()
        k = NAMES.index(name)
        torch.manual_seed(k)
        model = M.calibrate(getattr(torchvision.models, name)(num_classes=1000), SHAPE, seed=100 + k, batches=1)
        g = torch.Generator().manual_seed(200 + k)
        io = {}
        with torch.no_grad():
            for batch in (1, 4):
                x = torch.randn(batch, *SHAPE[1:], generator=g)
                io[f'input_b{batch}'] = x
                io[f'output_b{batch}'] = model(x)
        data = M.export(model, torch.randn(*SHAPE, generator=g), 13, ['input'], ['output'])
        write(io_path, encode(io, metadata={'made_by': 'scripts/make-onnx-bench-models.py', 'model': f'torchvision {name}, random init',
                                            'torch': torch.__version__}))
        write(onnx_path, data)
        print(f'{name}: {len(data)} bytes, output std {io["output_b4"].std():.3f}, {time.time() - t0:.1f} s')


if __name__ == '__main__':
    main()
