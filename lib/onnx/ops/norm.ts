// BatchNormalization at inference: per-channel scale and shift computed once at plan time
// (passes/fold-batchnorm.ts folds most of them into the conv before; this runs the rest).
import { backend } from '../../backend/select';
import { batchNorm2dInfo } from '../../shape/batch-norm-info';
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
