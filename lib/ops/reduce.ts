// Reductions: sum, mean, max, min over one axis, several or all; argmax along one axis.
import { backend } from '../backend/select';
import type { ReduceKind } from '../backend/backend';
import { isInt } from '../check';
import { checkOptions, checkBool } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';
import { needsGrad, record } from '../autograd/record';
import { expandTo } from './broadcast';
import { div, mul } from './arith';

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep each reduced axis as a dimension of size 1 (default false: drop it). */
  keepDims?: boolean;
}

/** The sorted, de-duplicated, non-negative axes to reduce: all for undefined. */
export function normalizeAxes(op: string, x: Tensor, axis: unknown): number[] {
  if (axis === undefined || axis === null) return x.shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) throw invalidType(op, 'axis', 'an integer, an array of integers or undefined', axis);
  const out = new Set<number>();
  for (const a of list) {
    if (typeof a !== 'number' || !isInt(a)) throw invalidType(op, 'axis', 'an integer', a);
    if (a < -x.rank || a >= x.rank) throw rangeError(op, `axis ${a} out of range for x ${shapeStr(x.shape)} (rank ${x.rank})`);
    const n = a < 0 ? a + x.rank : a;
    if (out.has(n)) throw rangeError(op, `axis ${a} repeated in ${JSON.stringify(list)}`);
    out.add(n);
  }
  return [...out].sort((p, q) => p - q);
}

/** x reduced over sorted axes with keepDims semantics (size-1 dims kept). */
export function reduceAxes(op: string, kind: ReduceKind, x: Tensor, axes: readonly number[]): Tensor {
  // Runs of adjacent axes reduce in one [outer, axis, inner] pass; separate runs one after
  // the other, the innermost first (mean of means is the mean: equal group sizes).
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === a) last[1] = a + 1;
    else runs.push([a, a + 1]);
  }
  let cur = x;
  for (let r = runs.length - 1; r >= 0; r--) {
    const [lo, hi] = runs[r];
    const shape = cur.shape;
    const len = shape.slice(lo, hi).reduce((p, d) => p * d, 1);
    const outer = shape.slice(0, lo).reduce((p, d) => p * d, 1);
    const inner = shape.slice(hi).reduce((p, d) => p * d, 1);
    const outShape = shape.map((d, i) => (i >= lo && i < hi ? 1 : d));
    if (len === 0 && (kind === 'max' || kind === 'min')) {
      throw rangeError(op, `cannot reduce x ${shapeStr(x.shape)} over its empty axis ${lo}`);
    }
    const y = new Tensor(backend().output(outer * inner), outShape);
    backend().reduce(kind, cur.data, y.data, outer, len, inner);
    cur = y;
  }
  return cur;
}

function reduceOp(op: ReduceKind, x: unknown, axis: unknown, opts: unknown): Tensor {
  const xt = checkTensor(op, 'x', x);
  const o = checkOptions(op, opts, ['keepDims']);
  const keepDims = checkBool(op, 'keepDims', o.keepDims, false);
  const axes = normalizeAxes(op, xt, axis);
  if (axes.length === 0) return xt.clone();
  const yk = reduceAxes(op, op, xt, axes);
  const y = keepDims ? yk : yk.reshape(xt.shape.filter((_, i) => !axes.includes(i)));
  if (needsGrad(xt)) recordReduce(op, y, xt, yk, axes);
  return y;
}

/**
 * A reduction on the tape. sum: gy broadcast back over the reduced axes; mean: that divided by
 * the count; max and min (amax/amin): gy shared evenly by the elements equal to the result.
 */
function recordReduce(op: ReduceKind, y: Tensor, xt: Tensor, yk: Tensor, axes: readonly number[]): void {
  const xShape = xt.shape;
  const kShape = yk.shape;
  const count = axes.reduce((p, a) => p * xShape[a], 1);
  const x = op === 'max' || op === 'min' ? xt.detach() : null;
  const ext = x ? yk.detach() : null;
  record(op, y, [xt], (gy) => {
    const g = gy.reshape(kShape);
    if (op === 'sum') return [expandTo(g, xShape)];
    if (op === 'mean') return [expandTo(mul(g, 1 / count), xShape)];
    const full = expandTo(ext!, xShape);
    const mask = new Float32Array(x!.size);
    for (let i = 0; i < mask.length; i++) mask[i] = x!.data[i] === full.data[i] ? 1 : 0;
    const m = new Tensor(mask, xShape);
    const ties = reduceAxes(op, 'sum', m, axes);
    return [mul(m, div(g, ties))];
  });
}

/**
 * The sum over `axis` (an axis, several, or all when undefined: a scalar `[]` result), the
 * reduced axes dropped unless keepDims. Negative axes count from the end.
 */
export function sum(x: Tensor, axis?: number | number[], opts?: ReduceOptions): Tensor { return reduceOp('sum', x, axis, opts); }
/** The mean over `axis` (as {@link sum}); NaN over an empty axis. */
export function mean(x: Tensor, axis?: number | number[], opts?: ReduceOptions): Tensor { return reduceOp('mean', x, axis, opts); }
/** The maximum over `axis` (as {@link sum}; PyTorch's amax): NaN when the values include one. */
export function max(x: Tensor, axis?: number | number[], opts?: ReduceOptions): Tensor { return reduceOp('max', x, axis, opts); }
/** The minimum over `axis` (as {@link sum}; PyTorch's amin): NaN when the values include one. */
export function min(x: Tensor, axis?: number | number[], opts?: ReduceOptions): Tensor { return reduceOp('min', x, axis, opts); }

/**
 * The index of the first maximum along `axis` (negative counts from the end), that axis
 * dropped; a NaN counts as the maximum (as PyTorch). An integer tensor (Int32Array data); not
 * differentiable.
 */
export function argmax(x: Tensor, axis: number): Tensor<Int32Array> {
  const { indices, shape } = argmaxIndices(x, axis);
  return new Tensor(indices, shape);
}

/** {@link argmax}'s indices and result shape, without the Tensor. */
export function argmaxIndices(x: Tensor, axis: number): { indices: Int32Array; shape: number[] } {
  const op = 'argmax';
  const xt = checkTensor(op, 'x', x);
  if (typeof axis !== 'number' || !isInt(axis)) throw invalidType(op, 'axis', 'an integer', axis);
  if (axis < -xt.rank || axis >= xt.rank) throw rangeError(op, `axis ${axis} out of range for x ${shapeStr(xt.shape)} (rank ${xt.rank})`);
  const a = axis < 0 ? axis + xt.rank : axis;
  const len = xt.shape[a];
  if (len === 0) throw rangeError(op, `axis ${axis} of x ${shapeStr(xt.shape)} is empty`);
  const outer = xt.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = xt.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const indices = new Int32Array(outer * inner);
  backend().argmax(xt.data, indices, outer, len, inner);
  return { indices, shape: xt.shape.filter((_, i) => i !== a) };
}
