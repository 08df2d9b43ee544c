#!/usr/bin/python3
"""Makes test/fixtures/onnx/* with PyTorch (Debian's python3-torch 1.13, torchvision 0.14; the
python `onnx` package is not needed: torch.onnx.export serializes by itself).

Run once by hand (`/usr/bin/python3 scripts/make-onnx-fixture.py`); the outputs are committed so
CI needs no PyTorch. Models are in scripts/onnx_models.py; every model gets its own seed
(torch.manual_seed), random init, BatchNorm statistics calibrated on random inputs, eval mode.

For each model <name>:
- <name>-op<K>.onnx: the model exported at opset K (13 for all; some also at 11 and 17), with
  axis 0 of every input and output dynamic (`N`), constant folding on (so Conv+BN arrive fused).
- <name>.safetensors: the fixed inputs and PyTorch's eval-mode float32 outputs, shared by all of
  that model's opsets, keyed `<graph input or output name>_b<batch>`:
      input_b1, output_b1, input_b3, output_b3   (batch 1 and batch 3; the graph names)
  e.g. ops-pool has outputs `a`..`f`, so a_b1 ... f_b3. Inputs are standard normal from a
  torch.Generator seeded per model (b1 and b3 are independent draws).
- manifest.json: {models: [{name, io, onnx: {opset: file}, inputs: [{name, shape}],
  outputs: [{name, shape}], note}]}, shapes at batch 1 (axis 0 is dynamic).
test/onnx/fixtures-ort.test.ts checks every file against onnxruntime-node.

What torch 1.13's exporter makes of them (for whoever implements the ops): ir_version 6 at
opset 11, 7 at 13, 8 at 17. Conv+BN arrive fused (BatchNormalization only in ops-activations,
after a Concat); Dropout is removed and StochasticDepth becomes Identity; HardSwish is
HardSigmoid + Mul below opset 14 (the op itself only in *-op17); relu6 / clamp are Clip with
min/max inputs (Constant nodes); avg_pool2d with count_include_pad=True and padding exports as
Pad + AveragePool without pads (the count_include_pad attribute appears in no fixture: per-op
tests cover it); adaptive_max_pool2d(x, 1) is a MaxPool over the whole input; Softmax over a
non-last axis at opset 11 is Transpose + Softmax + Transpose; view(N, -1) and interpolate(size=)
use Shape / Gather / Slice / Cast / Unsqueeze / Concat / ConstantOfShape chains; Split takes
`split` as an attribute at 11 and an input at 13+; Unsqueeze `axes` likewise; Resize has 3 inputs
(scales) or 4 (sizes), modes nearest (asymmetric, floor) and linear (half_pixel, align_corners);
LayerNorm is ReduceMean / Sub / Pow / Sqrt / Div below 17 and LayerNormalization at 17.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_models as M  # noqa: E402
from safetensors_writer import save  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')

# name, builder, input shapes at batch 1 (name -> shape), output names, opsets, note
MODELS = [
    ('resnet18', M.resnet18_narrow, {'input': [1, 3, 64, 64]}, ['output'], [13, 11],
     'torchvision ResNet, BasicBlock [2,2,2,2], widths 8/16/32/64, 10 classes'),
    ('resnet-bottleneck', M.resnet_bottleneck_narrow, {'input': [1, 3, 64, 64]}, ['output'], [13, 17],
     'torchvision ResNet, Bottleneck [1,1,1,1], widths 8/16/32/64 (x4), 10 classes'),
    ('mobilenet_v2', M.mobilenet_v2_narrow, {'input': [1, 3, 64, 64]}, ['output'], [13],
     'torchvision mobilenet_v2, width_mult 0.25, 10 classes'),
    ('squeezenet1_1', M.squeezenet1_1_narrow, {'input': [1, 3, 64, 64]}, ['output'], [13],
     'torchvision squeezenet1_1, Fire modules at half width, 10 classes'),
    ('efficientnet_b0', M.efficientnet_b0_narrow, {'input': [1, 3, 64, 64]}, ['output'], [13],
     'torchvision EfficientNet with efficientnet_b0 config at width 0.25, depth 0.5, 10 classes'),
    ('ops-resize', M.OpsResize, {'input': [1, 4, 10, 12]}, ['y', 'z'], [13, 11, 17],
     'Conv, ConvTranspose (grouped too), Resize nearest/linear by scale and by size, Concat'),
    ('ops-shape', M.OpsShape, {'input': [1, 6, 8, 8]}, ['y', 'm'], [13, 11, 17],
     'Split, Slice with steps, Pad constant/reflect, Transpose, MatMul, Flatten, view(N,-1), Gemm'),
    ('ops-activations', M.OpsActivations, {'input': [1, 8, 6, 6]}, ['y', 'z', 'n'], [13, 11, 17],
     'Erf (GELU), HardSwish, HardSigmoid, LeakyRelu, Clip, Sigmoid, Tanh, SiLU, BatchNorm, '
     'ReduceMean, Sub, Div, Pow, Sqrt, Softmax'),
    ('ops-pool', M.OpsPool, {'input': [1, 3, 13, 11]}, ['a', 'b', 'c', 'd', 'e', 'f'], [13, 11],
     'MaxPool ceil_mode/dilation/pads, AveragePool count_include_pad on/off and ceil_mode, global pools'),
    ('ops-attention', M.OpsAttention, {'input': [1, 5, 16]}, ['output'], [13, 17],
     'LayerNorm (decomposed at 13, LayerNormalization at 17), MatMul, Transpose, Softmax, GELU'),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    manifest = []
    total = 0
    for seed, (name, build, inputs, outputs, opsets, note) in enumerate(MODELS):
        torch.manual_seed(1000 + seed)
        model = M.calibrate(build(), list(inputs.values())[0], seed=2000 + seed)
        g = torch.Generator().manual_seed(3000 + seed)
        io = {}
        out_shapes = {}
        for batch in (1, 3):
            xs = [torch.randn(batch, *shape[1:], generator=g) for shape in inputs.values()]
            with torch.no_grad():
                ys = model(*xs)
            ys = ys if isinstance(ys, tuple) else (ys,)
            assert len(ys) == len(outputs), name
            for n, x in zip(inputs, xs):
                io[f'{n}_b{batch}'] = x
            for n, y in zip(outputs, ys):
                io[f'{n}_b{batch}'] = y.contiguous()
                if batch == 1:
                    out_shapes[n] = list(y.shape)
        io_file = f'{name}.safetensors'
        total += save(os.path.join(OUT, io_file), io, metadata={
            'made_by': 'scripts/make-onnx-fixture.py', 'model': note, 'torch': torch.__version__})
        files = {}
        for opset in opsets:
            example = tuple(torch.randn(*s, generator=g) for s in inputs.values())
            data = M.export(model, example if len(example) > 1 else example[0], opset, inputs, outputs)
            fname = f'{name}-op{opset}.onnx'
            with open(os.path.join(OUT, fname), 'wb') as f:
                f.write(data)
            files[str(opset)] = fname
            total += len(data)
            print(f'{fname}: {len(data)} bytes')
        spread = ', '.join(f'{n} std {io[n + "_b3"].std():.3f}' for n in outputs)
        print(f'{io_file}: {os.path.getsize(os.path.join(OUT, io_file))} bytes; {spread}')
        manifest.append({'name': name, 'io': io_file, 'onnx': files,
                         'inputs': [{'name': n, 'shape': s} for n, s in inputs.items()],
                         'outputs': [{'name': n, 'shape': out_shapes[n]} for n in outputs], 'note': note})
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump({'made_by': 'scripts/make-onnx-fixture.py', 'torch': torch.__version__,
                   'models': manifest}, f, indent=1)
        f.write('\n')
    print(f'total {total} bytes')


if __name__ == '__main__':
    main()
