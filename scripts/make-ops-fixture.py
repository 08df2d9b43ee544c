#!/usr/bin/python3
"""Makes test/fixtures/ops/*.safetensors and cases.json with PyTorch (Debian's python3-torch 1.13).

Run once by hand (`/usr/bin/python3 scripts/make-ops-fixture.py`); the outputs are committed so
CI needs no PyTorch. For every op of API.md's "Tensor operations" section (and the earlier
element-wise ones), small cases with the inputs, torch's forward output, a random upstream
gradient and torch's gradients of every differentiable input, in float32.

Naming, one convention for all: in the case's file (cases.json "file"), tensor `<case>.<name>`:
- inputs by their role name (`a`, `b`, `x`, `w`, `bias`, `logits`, `labels`, `runningMean`, ...);
  integer inputs (labels) are stored as float32 and marked `"int": true` where they are used;
- `<case>.y` the output (`y0`, `y1`, ... for ops returning several: split);
- `<case>.gy` the upstream gradient (`gy0`, `gy1`, ...), same shape as the output;
- `<case>.g<name>` torch's gradient of input <name> (`gx`, `ga`, `gw`, `gbias`, `glogits`, ...);
- `<case>.<name>_after` the value of an input an op updates in place (batchNorm2d's running stats).

cases.json: { "cases": [ { name, file, op, args, options, outputs, grads, after, shapes, note? } ] }
- op: the convkit function (`add`, `batchNorm2d`, ...), or `transposeSum` = sum(transpose(x, perm), axis).
- args: the positional arguments in convkit's API order; `{"$t": "x"}` is the tensor `<case>.x`
  (`"int": true`: pass its values as integers, e.g. an Int32Array or number[]); anything else
  is a literal (number, array, null).
- options: convkit's options object (or null), `{"$t": ...}` references allowed as values.
- outputs: output names (`["y"]`); grads: the input names that have `g<name>` entries;
  after: input names that have `<name>_after` entries; shapes: every stored tensor's shape.
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'ops')
gen = torch.Generator().manual_seed(1234)
files = {}   # file -> {key: tensor}
cases = []


def randn(*shape, scale=1.0, offset=0.0):
    return torch.randn(tuple(shape), generator=gen) * scale + offset


def uniform(lo, hi, *shape):
    return torch.rand(tuple(shape), generator=gen) * (hi - lo) + lo


def save(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        raw = tensors[name].detach().contiguous().float().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header['__metadata__'] = {'format': 'pt', 'made_by': 'scripts/make-ops-fixture.py'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def T(name, **kw):
    return dict({'$t': name}, **kw)


def case(file, name, op, inputs, fn, args, options=None, diff=None, ints=(), note=None, keep=()):
    """inputs: {name: tensor}; fn(**inputs) -> tensor or tuple; diff: input names to differentiate
    (default: every float input); keep: inputs updated in place (stored before and after)."""
    assert all(c['name'] != name for c in cases), name
    store = files.setdefault(file, {})
    before = {k: v.clone() for k, v in inputs.items()}
    diff = [k for k in inputs if k not in ints and k not in keep] if diff is None else diff
    leaves = {k: (v.clone().requires_grad_(True) if k in diff else v.clone()) for k, v in inputs.items()}
    try:
        out = fn(**leaves)
    except TypeError:
        out = fn(*leaves.values())   # a torch function taking positional arguments
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    onames = ['y'] if len(outs) == 1 else ['y%d' % i for i in range(len(outs))]
    for k, v in before.items():
        store['%s.%s' % (name, k)] = v
    shapes = {k: list(v.shape) for k, v in before.items()}
    for o, on in zip(outs, onames):
        store['%s.%s' % (name, on)] = o.detach()
        shapes[on] = list(o.shape)
    grads = []
    if diff and outs[0].dtype.is_floating_point:
        gys = [randn(*o.shape) for o in outs]
        gs = torch.autograd.grad(outs, [leaves[k] for k in diff], gys, allow_unused=True)
        for gy, on in zip(gys, onames):
            store['%s.g%s' % (name, on)] = gy
            shapes['g' + on] = list(gy.shape)
        for k, g in zip(diff, gs):
            if g is None:
                g = torch.zeros_like(leaves[k])
            store['%s.g%s' % (name, k)] = g
            shapes['g' + k] = list(g.shape)
            grads.append(k)
    after = []
    for k in keep:
        store['%s.%s_after' % (name, k)] = leaves[k].detach()
        shapes[k + '_after'] = list(leaves[k].shape)
        after.append(k)
    c = {'name': name, 'file': file + '.safetensors', 'op': op, 'args': args, 'options': options,
         'outputs': onames, 'grads': grads, 'after': after, 'shapes': shapes}
    if note:
        c['note'] = note
    cases.append(c)


def arith():
    f = 'arith'
    fns = {'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div}
    pairs = [('234_31', (2, 3, 4), (3, 1)), ('1_23', (1,), (2, 3)), ('23_23', (2, 3), (2, 3)),
             ('413_21', (4, 1, 3), (2, 1)), ('scalar_b', (3, 5), ())]
    for op, fn in fns.items():
        for tag, sa, sb in pairs:
            a = randn(*sa)
            b = uniform(0.5, 2, *sb) * (torch.randint(0, 2, sb, generator=gen) * 2 - 1) if op == 'div' else randn(*sb)
            case(f, '%s_%s' % (op, tag), op, {'a': a, 'b': b}, lambda a, b, fn=fn: fn(a, b), [T('a'), T('b')],
                 note='b is a rank-0 tensor' if sb == () else None)
        # A plain number as the second operand (not stored; only a's gradient).
        a = randn(2, 5)
        case(f, '%s_number' % op, op, {'a': a}, lambda a, fn=fn: fn(a, 1.75), [T('a'), 1.75])
        case(f, '%s_number_first' % op, op, {'b': uniform(0.5, 2, 2, 5)}, lambda b, fn=fn: fn(torch.tensor(1.75), b), [1.75, T('b')])


def unary():
    f = 'unary'
    x = randn(3, 7)
    pos = uniform(0.2, 3, 3, 7)
    case(f, 'neg', 'neg', {'x': x}, lambda x: -x, [T('x')])
    case(f, 'exp', 'exp', {'x': x}, torch.exp, [T('x')])
    case(f, 'log', 'log', {'x': pos}, torch.log, [T('x')])
    case(f, 'sqrt', 'sqrt', {'x': pos}, torch.sqrt, [T('x')])
    case(f, 'pow_2_5', 'pow', {'x': pos}, lambda x: torch.pow(x, 2.5), [T('x'), 2.5])
    case(f, 'pow_3', 'pow', {'x': x}, lambda x: torch.pow(x, 3), [T('x'), 3])
    case(f, 'pow_neg1', 'pow', {'x': pos}, lambda x: torch.pow(x, -1), [T('x'), -1])
    case(f, 'abs', 'abs', {'x': x}, torch.abs, [T('x')], note='no zeros in x')
    case(f, 'clamp', 'clamp', {'x': x}, lambda x: torch.clamp(x, -0.5, 0.5), [T('x'), -0.5, 0.5])
    case(f, 'clamp_min', 'clamp', {'x': x}, lambda x: torch.clamp(x, min=0.1), [T('x'), 0.1])
    case(f, 'clamp_max', 'clamp', {'x': x}, lambda x: torch.clamp(x, max=-0.2), [T('x'), None, -0.2])


def activations():
    f = 'activation'
    x = uniform(-8, 8, 2, 3, 5)
    case(f, 'relu', 'relu', {'x': x}, F.relu, [T('x')])
    case(f, 'sigmoid', 'sigmoid', {'x': x}, torch.sigmoid, [T('x')])
    case(f, 'tanh', 'tanh', {'x': x}, torch.tanh, [T('x')])
    case(f, 'leakyRelu', 'leakyRelu', {'x': x}, lambda x: F.leaky_relu(x, 0.01), [T('x')])
    case(f, 'leakyRelu_0_2', 'leakyRelu', {'x': x}, lambda x: F.leaky_relu(x, 0.2), [T('x'), 0.2])
    case(f, 'silu', 'silu', {'x': x}, F.silu, [T('x')])
    case(f, 'gelu', 'gelu', {'x': x}, F.gelu, [T('x')], note="exact (erf) GELU, torch's default")
    case(f, 'hardSigmoid', 'hardSigmoid', {'x': x}, F.hardsigmoid, [T('x')])
    case(f, 'hardSwish', 'hardSwish', {'x': x}, F.hardswish, [T('x')])
    case(f, 'relu6', 'relu6', {'x': x}, F.relu6, [T('x')])
    y = randn(3, 4, 5, scale=3)
    case(f, 'softmax_last', 'softmax', {'x': y}, lambda x: F.softmax(x, -1), [T('x')])
    case(f, 'softmax_axis1', 'softmax', {'x': y}, lambda x: F.softmax(x, 1), [T('x'), 1])
    case(f, 'logSoftmax_last', 'logSoftmax', {'x': y}, lambda x: F.log_softmax(x, -1), [T('x')])
    case(f, 'logSoftmax_axis0', 'logSoftmax', {'x': y}, lambda x: F.log_softmax(x, 0), [T('x'), 0])


def reductions():
    f = 'reduce'
    x = randn(3, 4, 5)
    tf = {'sum': lambda x, d, k: torch.sum(x, d, keepdim=k), 'mean': lambda x, d, k: torch.mean(x, d, keepdim=k),
          'max': lambda x, d, k: torch.amax(x, d, keepdim=k), 'min': lambda x, d, k: torch.amin(x, d, keepdim=k)}
    full = {'sum': torch.sum, 'mean': torch.mean, 'max': torch.max, 'min': torch.min}
    for op, fn in tf.items():
        for axis in (1, -1, 0):
            for keep in (False, True):
                case(f, '%s_axis%d%s' % (op, axis, '_keep' if keep else ''), op, {'x': x},
                     lambda x, fn=fn, axis=axis, keep=keep: fn(x, axis, keep), [T('x'), axis], {'keepDims': keep})
        case(f, '%s_all' % op, op, {'x': x}, lambda x, op=op: full[op](x), [T('x')], note='all axes: a scalar [] result')
        case(f, '%s_all_keep' % op, op, {'x': x}, lambda x, op=op: full[op](x).reshape(1, 1, 1), [T('x'), None], {'keepDims': True})
    for axis in (1, -1):
        case(f, 'argmax_axis%d' % axis, 'argmax', {'x': x}, lambda x, axis=axis: torch.argmax(x, axis).float(), [T('x'), axis],
             diff=[], note='y holds the indices as float32')


def shape_ops():
    f = 'shape'
    x = randn(2, 3, 4)
    case(f, 'transpose_201', 'transpose', {'x': x}, lambda x: x.permute(2, 0, 1), [T('x'), [2, 0, 1]])
    case(f, 'transpose_sum', 'transposeSum', {'x': x}, lambda x: x.permute(2, 0, 1).sum(1), [T('x'), [2, 0, 1], 1],
         note='sum(transpose(x, perm), axis): args are x, perm, axis')
    case(f, 'reshape', 'reshape', {'x': x}, lambda x: x.reshape(4, -1), [T('x'), [4, -1]])
    case(f, 'flatten', 'flatten', {'x': randn(2, 3, 2, 2)}, lambda x: torch.flatten(x, 1), [T('x')])
    case(f, 'flatten_2', 'flatten', {'x': randn(2, 3, 2, 2)}, lambda x: torch.flatten(x, 2), [T('x'), 2])
    a, b, c = randn(2, 1, 4), randn(2, 3, 4), randn(2, 2, 4)
    case(f, 'concat_axis1', 'concat', {'a': a, 'b': b, 'c': c}, lambda a, b, c: torch.cat([a, b, c], 1), [[T('a'), T('b'), T('c')], 1])
    case(f, 'concat_axis_neg1', 'concat', {'a': randn(3, 2), 'b': randn(3, 5)}, lambda a, b: torch.cat([a, b], -1), [[T('a'), T('b')], -1])
    y = randn(3, 6, 2)
    case(f, 'split_sizes', 'split', {'x': y}, lambda x: torch.split(x, [2, 1, 3], 1), [T('x'), [2, 1, 3], 1])
    case(f, 'split_count', 'split', {'x': y}, lambda x: torch.chunk(x, 3, 0), [T('x'), 3, 0], note='count: 3 equal parts')
    case(f, 'split_count_neg_axis', 'split', {'x': y}, lambda x: torch.chunk(x, 2, -1), [T('x'), 2, -1])
    z = randn(4, 5, 6)

    def onnx_slice(x, starts, ends, steps):
        for ax, (s, e, st) in enumerate(zip(starts, ends, steps)):
            d = x.shape[ax]
            s = s + d if s < 0 else s
            e = e + d if e < 0 else e
            if st > 0:
                s, e = min(max(s, 0), d), min(max(e, 0), d)
            else:
                s, e = min(max(s, 0), d - 1), min(max(e, -1), d - 1)
            x = torch.index_select(x, ax, torch.tensor(list(range(s, e, st)), dtype=torch.long))
        return x
    for tag, st, en, sp in [('neg_steps', [3, 0, 5], [0, 5, -7], [-1, 2, -2]),
                            ('reverse_all', [-1, -1, -1], [-100, -100, -100], [-1, -1, -1]),
                            ('positive', [1, -4, 0], [3, 100, 6], [1, 1, 3]),
                            ('default_steps', [0, 1, 2], [2, 4, 5], None)]:
        case(f, 'slice_' + tag, 'slice', {'x': z}, lambda x, st=st, en=en, sp=sp: onnx_slice(x, st, en, sp or [1, 1, 1]),
             [T('x'), st, en] + ([sp] if sp else []), note='ONNX Slice semantics (out-of-range starts/ends clamped)')


def pads():
    f = 'pad'
    x = randn(2, 3, 4, 5)
    pads = [0, 0, 1, 2, 0, 0, 2, 1]   # ONNX: begins of every axis, then ends
    tp = (2, 1, 1, 2)                  # torch: last axis (begin, end), then the one before
    case(f, 'pad_constant', 'pad', {'x': x}, lambda x: F.pad(x, tp, 'constant', 0.5), [T('x'), pads], {'mode': 'constant', 'value': 0.5})
    case(f, 'pad_constant_default', 'pad', {'x': x}, lambda x: F.pad(x, tp), [T('x'), pads], {'mode': 'constant'})
    case(f, 'pad_reflect', 'pad', {'x': x}, lambda x: F.pad(x, tp, 'reflect'), [T('x'), pads], {'mode': 'reflect'})
    case(f, 'pad_edge', 'pad', {'x': x}, lambda x: F.pad(x, tp, 'replicate'), [T('x'), pads], {'mode': 'edge'})
    y = randn(3, 4)
    case(f, 'pad_constant_2d_all_axes', 'pad', {'x': y}, lambda x: F.pad(x, (1, 3, 2, 0), 'constant', -1.0),
         [T('x'), [2, 1, 0, 3]], {'mode': 'constant', 'value': -1})


def batchnorm():
    f = 'batchnorm'
    for training in (True, False):
        for layout in ('nchw', 'nhwc'):
            for affine in (True, False):
                x = randn(2, 3, 4, 5, scale=2, offset=0.5)
                rm, rv = randn(3, scale=0.1), uniform(0.5, 1.5, 3)
                inputs = {'x': x.permute(0, 2, 3, 1).contiguous() if layout == 'nhwc' else x, 'runningMean': rm, 'runningVar': rv}
                opts = {'runningMean': T('runningMean'), 'runningVar': T('runningVar'), 'training': training, 'momentum': 0.1, 'eps': 1e-5}
                if affine:
                    inputs['weight'], inputs['bias'] = uniform(0.5, 1.5, 3), randn(3, scale=0.2)
                    opts['weight'], opts['bias'] = T('weight'), T('bias')
                if layout == 'nhwc':
                    opts['layout'] = 'nhwc'

                def fn(x, runningMean, runningVar, weight=None, bias=None, layout=layout, training=training):
                    xin = x.permute(0, 3, 1, 2) if layout == 'nhwc' else x
                    y = F.batch_norm(xin, runningMean, runningVar, weight, bias, training, 0.1, 1e-5)
                    return y.permute(0, 2, 3, 1) if layout == 'nhwc' else y
                name = 'bn_%s_%s%s' % ('train' if training else 'eval', layout, '' if affine else '_noaffine')
                case(f, name, 'batchNorm2d', inputs, fn, [T('x')], opts, keep=['runningMean', 'runningVar'] if training else [],
                     diff=['x', 'weight', 'bias'] if affine else ['x'],
                     note='nhwc: x, y and the gradients are the nchw case permuted to [N, H, W, C]; running stats use the unbiased batch variance')


def dropout():
    f = 'dropout'
    x = randn(2, 3, 4)
    case(f, 'dropout_p0_train', 'dropout', {'x': x}, lambda x: F.dropout(x, 0.0, True), [T('x')], {'p': 0, 'training': True})
    case(f, 'dropout_eval', 'dropout', {'x': x}, lambda x: F.dropout(x, 0.5, False), [T('x')], {'p': 0.5, 'training': False})


def conv_transpose():
    f = 'convtranspose'
    specs = [
        ('ct_s2_p1_op1_g2_bias', 4, 6, 2, (3, 3), 2, 1, 1, 1, True, (5, 6)),
        ('ct_s23_p10_op12_d21', 3, 2, 1, (3, 2), (2, 3), (1, 0), (1, 2), (2, 1), True, (4, 5)),
        ('ct_s1_nobias', 2, 3, 1, (2, 2), 1, 0, 0, 1, False, (4, 4)),
        ('ct_s2_g3_dil2', 6, 3, 3, (3, 3), 2, 2, 1, 2, True, (3, 4)),
    ]
    for name, cin, cout, groups, k, stride, padding, op, dil, bias, hw in specs:
        x = randn(2, cin, *hw)
        w = randn(cin, cout // groups, *k, scale=0.5)
        inputs = {'x': x, 'w': w}
        opts = {'stride': stride, 'padding': padding, 'outputPadding': op, 'dilation': dil, 'groups': groups}
        if bias:
            inputs['bias'] = randn(cout)
            opts['bias'] = T('bias')

        def fn(x, w, bias=None, stride=stride, padding=padding, op=op, groups=groups, dil=dil):
            return F.conv_transpose2d(x, w, bias, stride, padding, op, groups, dil)
        opts = {k2: (list(v) if isinstance(v, tuple) else v) for k2, v in opts.items()}
        case(f, name, 'convTranspose2d', inputs, fn, [T('x'), T('w')], opts, note='w [Cin, Cout/groups, KH, KW]; nchw')


def upsample():
    f = 'upsample'
    x = randn(1, 2, 3, 4)
    case(f, 'up_nearest_scale2', 'upsample2d', {'x': x}, lambda x: F.interpolate(x, scale_factor=2, mode='nearest'),
         [T('x')], {'scale': 2, 'mode': 'nearest'})
    case(f, 'up_nearest_size57', 'upsample2d', {'x': x}, lambda x: F.interpolate(x, size=(5, 7), mode='nearest'),
         [T('x')], {'size': [5, 7], 'mode': 'nearest'}, note="torch 'nearest': src = floor(dst * in / out)")
    for ac in (False, True):
        case(f, 'up_bilinear_scale2_ac%d' % ac, 'upsample2d', {'x': x},
             lambda x, ac=ac: F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=ac),
             [T('x')], {'scale': 2, 'mode': 'bilinear', 'alignCorners': ac})
        case(f, 'up_bilinear_size57_ac%d' % ac, 'upsample2d', {'x': x},
             lambda x, ac=ac: F.interpolate(x, size=(5, 7), mode='bilinear', align_corners=ac),
             [T('x')], {'size': [5, 7], 'mode': 'bilinear', 'alignCorners': ac})


def adaptive():
    f = 'pool'
    for name, shape, out in [('aap_7x5_to_3x2', (2, 3, 7, 5), [3, 2]), ('aap_10x9_to_4', (1, 2, 10, 9), 4),
                             ('aap_5x5_to_1', (2, 2, 5, 5), 1), ('aap_3x4_to_5x6', (1, 1, 3, 4), [5, 6])]:
        case(f, name, 'adaptiveAvgPool2d', {'x': randn(*shape)}, lambda x, out=out: F.adaptive_avg_pool2d(x, out), [T('x'), out])


def losses():
    f = 'loss'
    logits = randn(5, 4, scale=2)
    labels = torch.tensor([3, 0, 1, 3, 2]).float()
    for red in ('mean', 'sum', 'none'):
        for ls in (0.0, 0.1):
            opts = {'reduction': red}
            if ls:
                opts['labelSmoothing'] = ls
            case(f, 'ce_%s_ls%s' % (red, str(ls).replace('.', '')), 'crossEntropyLoss', {'logits': logits, 'labels': labels},
                 lambda logits, labels, red=red, ls=ls: F.cross_entropy(logits, labels.long(), reduction=red, label_smoothing=ls),
                 [T('logits'), T('labels', int=True)], opts, ints=('labels',))
        a, b = randn(3, 4), randn(3, 4)
        case(f, 'mse_%s' % red, 'mseLoss', {'a': a, 'b': b}, lambda a, b, red=red: F.mse_loss(a, b, reduction=red),
             [T('a'), T('b')], {'reduction': red})
    case(f, 'ce_default', 'crossEntropyLoss', {'logits': logits, 'labels': labels},
         lambda logits, labels: F.cross_entropy(logits, labels.long()), [T('logits'), T('labels', int=True)], None, ints=('labels',))


def main():
    os.makedirs(OUT, exist_ok=True)
    for make in (arith, unary, activations, reductions, shape_ops, pads, batchnorm, dropout, conv_transpose, upsample, adaptive, losses):
        make()
    total = 0
    for name, tensors in files.items():
        path = os.path.join(OUT, name + '.safetensors')
        save(path, tensors)
        total += os.path.getsize(path)
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump({'made_by': 'scripts/make-ops-fixture.py', 'torch': torch.__version__, 'cases': cases}, f, indent=1)
        f.write('\n')
    print('torch', torch.__version__, len(cases), 'cases,', total, 'bytes of safetensors')


if __name__ == '__main__':
    main()
