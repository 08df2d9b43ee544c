// BatchNormalization at inference: per-channel scale and shift computed once at plan time
// (passes/fold-batchnorm.ts folds most of them into the conv before; this runs the rest).
import { backend } from '../../backend/select';
import { batchNorm2dInfo } from '../../shape/batch-norm-info';
import { broadcastInfo } from '../../shape/broadcast-info';
import type { Attrs } from '../attrs';
import { constInput, dims, floatInput, op } from './op';

/** scale = gamma / sqrt(var + eps), shift = beta - mean * scale, in float64 then rounded. */
export function bnScaleShift(gamma: ArrayLike<number>, beta: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, eps: number): [Float32Array, Float32Array] {
  const c = gamma.length, scale = new Float32Array(c), shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + eps);
    scale[i] = s;
    shift[i] = beta[i] - mean[i] * s;
  }
  return [scale, shift];
}

export const BatchNormalization = op({
  inputs: [5, 5],
  load(a: Attrs) {
    a.only(['epsilon', 'momentum', 'training_mode', 'spatial']);
    if (a.int('training_mode', 0) !== 0) throw new RangeError(`onnx.load: node "${a.node.name}" (BatchNormalization) attribute "training_mode" is 1; convkit runs inference (0)`);
    if (a.node.outputs.filter((o) => o !== '').length > 1) throw new TypeError(`onnx.load: node "${a.node.name}" (BatchNormalization) asks for its running statistics outputs, which convkit does not produce at inference`);
    return { epsilon: a.float('epsilon', 1e-5) };
  },
  plan(p) {
    const x = floatInput(p, 0);
    if (x.shape.length < 2) throw new RangeError(`x ${dims(x.shape)} has no channel axis`);
    const c = x.shape[1];
    const param = (i: number, name: string) => {
      const d = constInput(p, i, name);
      if (d.length !== c) throw new RangeError(`${name} has ${d.length} values, x ${dims(x.shape)} has ${c} channels`);
      return d;
    };
    const [scale, shift] = bnScaleShift(param(1, 'scale'), param(2, 'B'), param(3, 'mean'), param(4, 'var'), p.attrs.epsilon);
    // Any rank >= 2 is [N, C, rest...]: viewed as [N, C, prod(rest), 1] for the 2-d kernel.
    const rest = x.shape.slice(2).reduce((a, b) => a * b, 1);
    const info = batchNorm2dInfo('batchNorm2d', [x.shape[0], c, rest, 1], 'nchw');
    const be = backend();
    return { outputs: [{ shape: x.shape, dtype: 'float32' }], kernel: (xs, ys) => be.batchNorm2dApply(xs[0] as Float32Array, scale, shift, ys[0], info) };
  },
});

/**
 * LayerNormalization (opset 17): over the axes from `axis` on, x viewed as [outer, n]: the mean
 * and biased variance per row (backend reduce), (x - mean) / sqrt(var + epsilon), then Scale
 * and B broadcast over the rows. Only the normalized output (Mean / InvStdDev are not produced).
 */
export const LayerNormalization = op({
  inputs: [2, 3],
  load(a: Attrs) {
    a.only(['axis', 'epsilon', 'stash_type']);
    if (a.node.outputs.filter((o) => o !== '').length > 1) throw new TypeError(`onnx.load: node "${a.node.name}" (LayerNormalization) asks for its Mean / InvStdDev outputs, which convkit does not produce`);
    return { axis: a.int('axis', -1), epsilon: a.float('epsilon', 1e-5) };
  },
  plan(p) {
    const x = floatInput(p, 0), r = x.shape.length;
    const axis = p.attrs.axis < 0 ? p.attrs.axis + r : p.attrs.axis;
    if (axis < 0 || axis >= r) throw new RangeError(`axis ${p.attrs.axis} is out of range for x ${dims(x.shape)}`);
    const outer = x.shape.slice(0, axis).reduce((s, d) => s * d, 1), n = x.shape.slice(axis).reduce((s, d) => s * d, 1);
    const param = (i: number, name: string) => {
      const v = p.inputs[i];
      if (!v) return null;
      const f = floatInput(p, i);
      if (f.shape.reduce((s, d) => s * d, 1) !== n && f.shape.reduce((s, d) => s * d, 1) !== 1) throw new RangeError(`${name} ${dims(f.shape)} does not match the normalized axes of x ${dims(x.shape)}`);
      return broadcastInfo(name, [outer, n], f.shape.reduce((s, d) => s * d, 1) === 1 ? [1] : [n]);
    };
    const scaleInfo = param(1, 'Scale')!, biasInfo = param(2, 'B');
    const rows = broadcastInfo('LayerNormalization', [outer, n], [outer, 1]);
    const scalar = broadcastInfo('LayerNormalization', [outer], [1]), same = broadcastInfo('LayerNormalization', [outer * n], [outer * n]);
    const mean = new Float32Array(outer), variance = new Float32Array(outer), sq = new Float32Array(outer * n), eps = Float32Array.of(p.attrs.epsilon);
    const be = backend();
    return {
      outputs: [{ shape: x.shape, dtype: 'float32' }],
      kernel: (xs, ys) => {
        const y = ys[0];
        be.reduce('mean', xs[0] as Float32Array, mean, outer, n, 1);
        be.binary('sub', xs[0] as Float32Array, mean, y, rows);
        be.binary('mul', y, y, sq, same);
        be.reduce('mean', sq, variance, outer, n, 1);
        be.binary('add', variance, eps, variance, scalar);
        be.activation('sqrt', variance, variance);
        be.binary('div', y, variance, y, rows);
        be.binary('mul', y, xs[1] as Float32Array, y, scaleInfo);
        if (biasInfo) be.binary('add', y, xs[2] as Float32Array, y, biasInfo);
      },
    };
  },
});
