// Finite-difference gradient checks: L = sum(f(x) * r) for a fixed random r, so dL/dy = r.
// Central differences in float32 need a coarse step; the checks compare a sample of entries
// with a relative tolerance that such a step allows.
import { noGrad, Tensor } from '../../lib/index';
import { prng, randomData } from './random';

export function weightedSum(y: Tensor, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += y.data[i] * r[i];
  return s;
}

export function randomLike(t: { size: number; shape: readonly number[] }, seed: number): Tensor {
  return new Tensor(randomData(prng(seed), t.size), t.shape);
}

/**
 * Compares analytic[i] with (L(x + h e_i) - L(x - h e_i)) / 2h for up to `samples` entries.
 * Returns the worst |num - ana| / max(1, |num|, |ana|) (so large gradients are compared
 * relatively and small ones absolutely).
 */
export function maxGradError(x: Tensor, analytic: Float32Array, loss: () => number, samples = 40, h = 1e-2, seed = 1): number {
  const r = prng(seed);
  let worst = 0;
  const idx = x.size <= samples ? [...Array(x.size).keys()] : Array.from({ length: samples }, () => Math.floor(r() * x.size));
  for (const i of idx) {
    const old = x.data[i];
    x.data[i] = old + h;
    const lp = loss();
    x.data[i] = old - h;
    const lm = loss();
    x.data[i] = old;
    const num = (lp - lm) / (2 * h);
    const err = Math.abs(num - analytic[i]) / Math.max(1, Math.abs(num), Math.abs(analytic[i]));
    worst = Math.max(worst, err);
  }
  return worst;
}

/**
 * The tape's gradients against finite differences: marks `inputs` requiresGrad, runs y = f()
 * and y.backward(r) for a fixed random r, then compares each input's .grad with central
 * differences of sum(f() * r) computed with recording off. Returns the worst error over the
 * inputs (see maxGradError).
 */
export function tapeGradError(f: () => Tensor, inputs: Tensor[], opts: { seed?: number; h?: number; samples?: number } = {}): number {
  for (const t of inputs) { t.grad = null; t.requiresGrad = true; }
  const y = f();
  const r = randomLike(y, opts.seed ?? 7);
  y.backward(r);
  const loss = () => noGrad(() => weightedSum(f(), r.data));
  let worst = 0;
  inputs.forEach((t, i) => {
    if (t.grad === null) throw new Error(`input ${i} got no gradient`);
    worst = Math.max(worst, maxGradError(t, t.grad.data, loss, opts.samples ?? 30, opts.h ?? 1e-2, i + 1));
  });
  return worst;
}
