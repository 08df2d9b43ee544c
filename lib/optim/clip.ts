// optim.clipGradNorm, torch.nn.utils.clip_grad_norm_: scales every gradient in place so that
// their joint norm is at most maxNorm; returns the norm before scaling.
import { checkFinite } from '../check';
import { rangeError } from '../errors';
import { normalizeParams, type ParamLike } from './params';

/**
 * Scales the parameters' gradients in place so that their total norm (the norm of the vector
 * of all gradient elements) is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_:
 * `grad *= min(1, maxNorm / (total + 1e-6))`. Parameters whose grad is null are ignored.
 * @param params - the parameters, e.g. `model.parameters()` (Tensors carrying `.grad`, or
 *   `{ name, value, grad }` records).
 * @param maxNorm - the largest total norm allowed (>= 0).
 * @param normType - p of the p-norm (> 0), or `Infinity` for the largest absolute value. Default 2.
 * @returns the total norm of the gradients before clipping (0 when no parameter has a grad).
 * @example
 * ```ts
 * loss.backward();
 * const norm = optim.clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm(params: readonly ParamLike[], maxNorm: number, normType = 2): number {
  const op = 'optim.clipGradNorm';
  const refs = normalizeParams(op, params);
  const max = checkFinite(op, 'maxNorm', maxNorm);
  if (max < 0) throw rangeError(op, `maxNorm must be >= 0, got ${max}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw rangeError(op, `normType must be a number > 0 or Infinity, got ${String(normType)}`);
  const grads: Float32Array[] = [];
  for (const r of refs) {
    const { g } = r.read(op, 0);
    if (g !== null) grads.push(g);
  }
  if (grads.length === 0) return 0;
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (let i = 0; i < g.length; i++) total = Math.max(total, Math.abs(g[i]));
  } else {
    // The norm of the per-parameter norms, as torch (the same value, up to rounding).
    let acc = 0;
    for (const g of grads) {
      let s = 0;
      for (let i = 0; i < g.length; i++) s += Math.abs(g[i]) ** normType;
      acc += s;
    }
    total = acc ** (1 / normType);
  }
  const coef = max / (total + 1e-6);
  if (coef < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return total;
}
