// dropout: a Bernoulli mask scaled by 1/(1 - p), reproducible through a seed.
import { checkBool, checkOptions } from '../check';
import { invalidType, rangeError } from '../errors';
import { checkTensor, Tensor } from '../tensor';
import { needsGrad, record } from '../autograd/record';
import { mulberry32, sharedRandom } from '../random';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing each element, in [0, 1]. Default 0.5. */
  p?: number;
  /** Whether to drop (training) or pass x through (inference). Default true, as torch's F.dropout. */
  training?: boolean;
  /**
   * Seed (a finite number) of this call's mask: the same seed gives the same mask. Without it
   * the mask comes from the shared generator ({@link manualSeed} makes that stream reproducible).
   */
  seed?: number;
}

/**
 * Dropout (as torch's F.dropout): in training, each element is zeroed with probability p and
 * the others are scaled by `1 / (1 - p)`, so the expected value is unchanged; p = 1 gives zeros.
 * With `training: false` or p = 0 the result has x's values (it shares x's data, no copy) and
 * passes gradients through unchanged. Differentiable: the gradient is multiplied by the same mask.
 *
 * Reproducible masks: pass `seed`, or call {@link manualSeed} once before a run.
 * @example
 * ```ts
 * const y = dropout(x, { p: 0.2, training: true, seed: 1 });
 * ```
 * @param x - any shape.
 * @param opts - p, training, seed; see {@link DropoutOptions}.
 * @returns a tensor of x's shape.
 * @throws TypeError for a wrong argument type; RangeError for p outside [0, 1] or a bad seed.
 */
export function dropout(x: Tensor, opts?: DropoutOptions): Tensor {
  const op = 'dropout';
  const xt = checkTensor(op, 'x', x);
  const o = checkOptions(op, opts, ['p', 'training', 'seed']);
  const p = o.p === undefined ? 0.5 : o.p;
  if (typeof p !== 'number') throw invalidType(op, 'p', 'a number in [0, 1]', p);
  if (!(p >= 0 && p <= 1)) throw rangeError(op, `p must be in [0, 1], got ${p} (x ${JSON.stringify(xt.shape)})`);
  const training = checkBool(op, 'training', o.training, true);
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isFinite(o.seed))) {
    throw rangeError(op, `seed must be a finite number, got ${String(o.seed)}`);
  }
  if (!training || p === 0) {
    const y = new Tensor(xt.data, xt.shape);
    if (needsGrad(xt)) record(op, y, [xt], (gy) => [gy]);
    return y;
  }
  const n = xt.size;
  const mask = new Float32Array(n);
  if (p < 1) {
    const next = o.seed !== undefined ? mulberry32(o.seed as number) : sharedRandom();
    const scale = 1 / (1 - p);
    for (let i = 0; i < n; i++) mask[i] = next() < p ? 0 : scale;
  }
  const y = new Tensor(new Float32Array(n), xt.shape);
  const xd = xt.data, yd = y.data;
  for (let i = 0; i < n; i++) yd[i] = xd[i] * mask[i];
  if (needsGrad(xt)) {
    record(op, y, [xt], (gy) => {
      const g = new Tensor(new Float32Array(n), gy.shape);
      for (let i = 0; i < n; i++) g.data[i] = gy.data[i] * mask[i];
      return [g];
    });
  }
  return y;
}
