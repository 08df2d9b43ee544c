// Losses: crossEntropy ({ loss, dlogits }, off the tape) and the differentiable
// crossEntropyLoss and mseLoss (scalar Tensors).
import { invalidType, rangeError, shapeStr } from '../errors';
import { types } from 'node:util';
import { checkTensor, isTensor, Tensor, typedLength } from '../tensor';
import { logSoftmax } from './activation';
import { noGrad } from '../autograd/grad-mode';
import { checkFinite, checkOneOf, checkOptions, isInt } from '../check';
import { metaOf, needsGrad, record } from '../autograd/record';

/** How a loss combines its per-element values: `'mean'` (default), `'sum'`, or `'none'` (one value per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Softmax cross-entropy over a batch, with its gradient: `loss = mean over n of
 * -logSoftmax(logits)[n, labels[n]]`, `dlogits = (softmax(logits) - onehot(labels)) / N`.
 * @param logits - `[N, C]`: one row of unnormalized class scores per example.
 * @param labels - N class indices, each in `[0, C)`.
 * @returns `loss`, the mean over the batch (a number), and `dlogits`, its gradient `[N, C]`.
 */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[]): {
  /** The mean cross-entropy over the batch. */
  loss: number;
  /** The gradient of loss with respect to logits, `[N, C]`. */
  dlogits: Tensor;
} {
  const op = 'crossEntropy';
  const lt = checkTensor(op, 'logits', logits);
  const isInt32 = types.isInt32Array(labels);
  if (!isInt32 && !Array.isArray(labels)) throw invalidType(op, 'labels', 'an Int32Array or number[]', labels);
  if (lt.rank !== 2) throw rangeError(op, `logits must be [N, C], got logits ${shapeStr(lt.shape)}`);
  const [n, c] = lt.shape;
  if (n === 0) throw rangeError(op, `the batch is empty (logits ${shapeStr(lt.shape)}): the mean over 0 rows is undefined`);
  if (c === 0) throw rangeError(op, `logits ${shapeStr(lt.shape)} has zero classes`);
  const count: unknown = isInt32 ? typedLength(labels as Int32Array) : labels.length;
  if (count !== n) throw rangeError(op, `logits has ${n} rows but there are ${String(count)} labels (logits ${shapeStr(lt.shape)})`);
  // One read per label: a getter or Proxy cannot pass the check with one value and index with another.
  const ls = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = labels[i];
    if (typeof v !== 'number' || !isInt(v) || v < 0 || v >= c) {
      throw rangeError(op, `label ${i} is ${String(v)}, out of range [0, ${c}) (logits ${shapeStr(lt.shape)})`);
    }
    ls[i] = v;
  }
  const logp = noGrad(() => logSoftmax(lt, -1));  // { loss, dlogits } form: not on the tape
  const dlogits = new Tensor(new Float32Array(n * c), [n, c]);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    loss -= logp.data[row + ls[i]];
    for (let j = 0; j < c; j++) {
      const p = Math.exp(logp.data[row + j]);
      dlogits.data[row + j] = (j === ls[i] ? p - 1 : p) / n;
    }
  }
  return { loss: loss / n, dlogits };
}

/** Options of {@link crossEntropyLoss}. */
export interface CrossEntropyLossOptions {
  /** `'mean'` (default) over every labelled element, `'sum'`, or `'none'`: the losses in labels' shape. */
  reduction?: Reduction;
  /** In [0, 1]: the target is `(1 - s) * onehot + s / C` (torch's label_smoothing). Default 0. */
  labelSmoothing?: number;
}

/** The labels as an Int32Array of `count` indices in [0, c), read once each. */
function readLabels(op: string, labels: unknown, lt: Tensor, count: number, c: number): Int32Array {
  const ls = new Int32Array(count);
  const expected = [lt.shape[0], ...lt.shape.slice(2)];
  let source: ArrayLike<unknown>;
  if (isTensor(labels)) {
    const { data, shape } = labels as { data: unknown; shape: unknown };
    const sh = Array.isArray(shape) ? [...shape] as number[] : null;
    if (!(types.isInt32Array(data) || types.isFloat32Array(data))) throw invalidType(op, 'labels.data', 'an Int32Array or Float32Array', data);
    if (sh === null || sh.length !== expected.length || sh.some((d, i) => d !== expected[i]) || typedLength(data as Int32Array) !== count) {
      throw rangeError(op, `labels must have shape ${shapeStr(expected)} for logits ${shapeStr(lt.shape)}, got labels ${sh ? shapeStr(sh) : String(shape)}`);
    }
    source = data as ArrayLike<number>;
  } else if (types.isInt32Array(labels) || Array.isArray(labels)) {
    const len: unknown = types.isInt32Array(labels) ? typedLength(labels) : labels.length;
    if (len !== count) throw rangeError(op, `logits ${shapeStr(lt.shape)} needs ${count} labels (${shapeStr(expected)}), got ${String(len)}`);
    source = labels as ArrayLike<unknown>;
  } else {
    throw invalidType(op, 'labels', 'an Int32Array, number[] or Tensor of class indices', labels);
  }
  for (let i = 0; i < count; i++) {
    const v: unknown = source[i];
    if (typeof v !== 'number' || !isInt(v) || v < 0 || v >= c) {
      throw rangeError(op, `label ${i} is ${String(v)}, out of range [0, ${c}) (logits ${shapeStr(lt.shape)})`);
    }
    ls[i] = v;
  }
  return ls;
}

/** The reduced loss tensor: `[]` for mean and sum, `shape` for none. */
function reduced(values: Float64Array, reduction: Reduction, shape: readonly number[]): Tensor {
  if (reduction === 'none') return new Tensor(Float32Array.from(values), shape);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return new Tensor(Float32Array.of(reduction === 'mean' ? s / values.length : s), []);
}

/** Per-element upstream gradient: gy broadcast (mean: / count) or gy itself (none). */
function upstream(gy: Tensor, reduction: Reduction, count: number): (i: number) => number {
  if (reduction === 'none') return (i) => gy.data[i];
  const g = reduction === 'mean' ? gy.data[0] / count : gy.data[0];
  return () => g;
}

/**
 * Softmax cross-entropy between logits and class indices, as torch's `F.cross_entropy` (no
 * class weights, no ignore_index): each element's loss is
 * `-(1 - s) * logp[label] - (s / C) * sum over c of logp[c]`, logp = logSoftmax over the class
 * axis (1), s = labelSmoothing; then the mean (default), the sum, or none. Differentiable in
 * logits (the gradient is `softmax - target`, scaled by the upstream gradient).
 * @example
 * ```ts
 * const loss = crossEntropyLoss(logits, [3, 0, 1]);   // logits [3, C]: loss.shape is []
 * loss.backward();
 * ```
 * @param logits - `[N, C]`, or `[N, C, d1, ...]` for a class score per position (segmentation).
 * @param labels - class indices in [0, C): an Int32Array or number[] of N*d1*... entries, or a
 *   Tensor (Int32Array- or Float32Array-backed, integer values) of shape `[N, d1, ...]`.
 * @param opts - `reduction` (`'mean'`, `'sum'`, `'none'`), `labelSmoothing` in [0, 1].
 * @returns a scalar Tensor (shape `[]`), or `[N, d1, ...]` with reduction `'none'`.
 * @throws TypeError for a wrong argument type; RangeError for shapes or labels that do not fit.
 */
export function crossEntropyLoss(logits: Tensor, labels: Int32Array | readonly number[] | Tensor<Int32Array> | Tensor, opts?: CrossEntropyLossOptions): Tensor {
  const op = 'crossEntropyLoss';
  const lt = checkTensor(op, 'logits', logits);
  const o = checkOptions(op, opts, ['reduction', 'labelSmoothing']);
  const reduction = checkOneOf(op, 'reduction', o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
  const eps = o.labelSmoothing === undefined ? 0 : checkFinite(op, 'labelSmoothing', o.labelSmoothing);
  if (eps < 0 || eps > 1) throw rangeError(op, `labelSmoothing must be in [0, 1], got ${eps}`);
  if (lt.rank < 2) throw rangeError(op, `logits must be [N, C] or [N, C, d1, ...], got logits ${shapeStr(lt.shape)}`);
  const c = lt.shape[1];
  const inner = lt.shape.slice(2).reduce((a, b) => a * b, 1);
  const count = lt.shape[0] * inner;
  if (c === 0) throw rangeError(op, `logits ${shapeStr(lt.shape)} has zero classes`);
  if (count === 0 && reduction === 'mean') throw rangeError(op, `logits ${shapeStr(lt.shape)} has no elements: the mean over 0 is undefined`);
  const ls = readLabels(op, labels, lt, count, c);
  const logp = noGrad(() => logSoftmax(lt, 1)).data;
  const values = new Float64Array(count);
  for (let e = 0; e < count; e++) {
    const n = Math.floor(e / inner), k = e - n * inner, base = n * c * inner + k;
    let all = 0;
    if (eps > 0) for (let j = 0; j < c; j++) all += logp[base + j * inner];
    values[e] = -(1 - eps) * logp[base + ls[e] * inner] - (eps / c) * all;
  }
  const y = reduced(values, reduction, [lt.shape[0], ...lt.shape.slice(2)]);
  if (needsGrad(lt)) {
    const shape = lt.shape;
    record(op, y, [lt], (gy) => {
      const g = upstream(gy, reduction, count);
      const d = new Float32Array(logp.length);
      for (let e = 0; e < count; e++) {
        const n = Math.floor(e / inner), k = e - n * inner, base = n * c * inner + k, ge = g(e);
        for (let j = 0; j < c; j++) d[base + j * inner] = ge * (Math.exp(logp[base + j * inner]) - eps / c - (j === ls[e] ? 1 - eps : 0));
      }
      return [new Tensor(d, shape)];
    });
  }
  return y;
}

/**
 * Mean squared error, as torch's `F.mse_loss`: `(a - b)^2` per element, then the mean
 * (default), the sum, or none. Differentiable in a and b.
 * @param a - any shape (the prediction).
 * @param b - a's shape (the target).
 * @param opts - `reduction`: `'mean'` (default), `'sum'` or `'none'`.
 * @returns a scalar Tensor (shape `[]`), or a's shape with reduction `'none'`.
 * @throws TypeError for a wrong argument type; RangeError when the shapes differ.
 */
export function mseLoss(a: Tensor, b: Tensor, opts?: {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}): Tensor {
  const op = 'mseLoss';
  const at = checkTensor(op, 'a', a), bt = checkTensor(op, 'b', b);
  const o = checkOptions(op, opts, ['reduction']);
  const reduction = checkOneOf(op, 'reduction', o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
  if (at.rank !== bt.rank || at.shape.some((d, i) => d !== bt.shape[i])) {
    throw rangeError(op, `a ${shapeStr(at.shape)} and b ${shapeStr(bt.shape)} must have the same shape`);
  }
  const n = at.size;
  if (n === 0 && reduction === 'mean') throw rangeError(op, `a ${shapeStr(at.shape)} has no elements: the mean over 0 is undefined`);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) { const d = at.data[i] - bt.data[i]; values[i] = d * d; }
  const y = reduced(values, reduction, at.shape);
  if (needsGrad(at, bt)) {
    const [ga, gb] = [metaOf(at) !== null, metaOf(bt) !== null];
    const ad = at.data, bd = bt.data, shape = at.shape;
    record(op, y, [at, bt], (gy) => {
      const g = upstream(gy, reduction, n);
      const da = new Float32Array(n);
      for (let i = 0; i < n; i++) da[i] = 2 * (ad[i] - bd[i]) * g(i);
      let db: Tensor | null = null;
      if (gb) {
        const d = new Float32Array(n);
        for (let i = 0; i < n; i++) d[i] = -da[i];
        db = new Tensor(d, shape);
      }
      return [ga ? new Tensor(da, shape) : null, db];
    });
  }
  return y;
}
