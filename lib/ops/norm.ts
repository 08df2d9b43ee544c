// batchNorm2d (PyTorch's F.batch_norm for [N, C, H, W] / [N, H, W, C]) and its gradient.
import { backend } from '../backend/select';
import { checkBool, checkOptions } from '../check';
import { invalidType, rangeError, shapeStr, typeError } from '../errors';
import { type BatchNorm2dInfo, batchNorm2dInfo } from '../shape/batch-norm-info';
import type { Layout } from '../shape/conv2d-info';
import { checkTensor, Tensor, trustedTensor } from '../tensor';
import { needsGrad, record } from '../autograd/record';

/** Options of {@link batchNorm2d}, as PyTorch's `F.batch_norm`. */
export interface BatchNorm2dOptions {
  /** `[C]`: the running mean; used in eval mode, updated in place in training mode. May be null in training mode (nothing tracked). */
  runningMean: Tensor | null;
  /** `[C]`: the running (unbiased) variance; used in eval mode, updated in place in training mode. May be null in training mode. */
  runningVar: Tensor | null;
  /** `[C]`: the scale (gamma). Default: ones. */
  weight?: Tensor | null;
  /** `[C]`: the shift (beta). Default: zeros. */
  bias?: Tensor | null;
  /** Normalize by the batch's statistics and update the running ones (true), or by the running ones (false). Required. */
  training: boolean;
  /**
   * Weight of the batch in the running update: `running = (1 - momentum) * running + momentum * batch`.
   * Default 0.1. (PyTorch's momentum=None, a cumulative average, is the module's business: it passes
   * 1 / batchesTracked.)
   */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Memory order of x: `'nchw'` (default) or `'nhwc'`. */
  layout?: Layout;
}

const KEYS = ['runningMean', 'runningVar', 'weight', 'bias', 'training', 'momentum', 'eps', 'layout'] as const;

/** batchNorm2d's result with what its gradient needs: the statistics it normalized by. */
export interface BatchNorm2dResult {
  /** The normalized output, x's shape. */
  y: Tensor;
  /** `[C]`: the mean normalized by (the batch's in training mode, the running one otherwise). */
  mean: Tensor;
  /** `[C]`: 1 / sqrt(variance + eps) of the variance normalized by. */
  invstd: Tensor;
}

function channelVector(op: string, name: string, v: unknown, c: number, info: BatchNorm2dInfo, optional: boolean): Tensor | null {
  if (v === undefined || v === null) {
    if (optional) return null;
    throw typeError(op, `${name} is required (a [${c}] Tensor)`);
  }
  const t = checkTensor(op, name, v);
  if (t.rank !== 1 || t.shape[0] !== c) {
    throw rangeError(op, `${name} must be [${c}] for x with ${c} channels (layout ${info.layout}), got ${shapeStr(t.shape)}`);
  }
  return t;
}

function number(op: string, name: string, v: unknown, dflt: number, lo: number, hi: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw invalidType(op, name, 'a number', v);
  if (!(v >= lo && v <= hi)) throw rangeError(op, `${name} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

/**
 * {@link batchNorm2d} that also returns the mean and inverse standard deviation it normalized
 * by, for {@link batchNorm2dBackward}.
 */
export function batchNorm2dWithStats(x: Tensor, options: BatchNorm2dOptions): BatchNorm2dResult {
  const op = 'batchNorm2d';
  const xt = checkTensor(op, 'x', x);
  if (options === undefined || options === null) throw typeError(op, 'options with runningMean, runningVar and training are required');
  const o = checkOptions(op, options, KEYS);
  const info = batchNorm2dInfo(op, xt.shape, o.layout);
  const C = info.channels;
  if (typeof o.training !== 'boolean') throw invalidType(op, 'training', 'a boolean', o.training);
  const training = checkBool(op, 'training', o.training, false);
  const rm = channelVector(op, 'runningMean', o.runningMean, C, info, training);
  const rv = channelVector(op, 'runningVar', o.runningVar, C, info, training);
  if ((rm === null) !== (rv === null)) throw typeError(op, 'runningMean and runningVar must both be given or both be null');
  const w = channelVector(op, 'weight', o.weight, C, info, true);
  const b = channelVector(op, 'bias', o.bias, C, info, true);
  const momentum = number(op, 'momentum', o.momentum, 0.1, 0, 1);
  const eps = number(op, 'eps', o.eps, 1e-5, 0, Infinity);
  const be = backend();
  const count = info.batch * info.height * info.width;
  // Per-channel vectors the kernels read or write share one allocation (two halves of one
  // buffer): on the native backend every array it gets is a malloc'd backing store (V8
  // moves a small one off its heap when the addon reads it), which a background thread frees,
  // contending for the heap lock: for tiny inputs these allocations cost more than the kernel.
  // The others (invstd, eval's mean) stay plain: only JS reads them.
  let mean: Float32Array;
  const invstd = new Float32Array(C);
  if (training) {
    if (count < 2) throw rangeError(op, `training needs more than 1 value per channel, got x ${shapeStr(xt.shape)}`);
    const stats = be.output(2 * C);
    mean = stats.subarray(0, C);
    const variance = stats.subarray(C);
    be.batchNorm2dStats(xt.data, mean, variance, info);
    for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(variance[c] + eps);
    if (rm !== null && rv !== null) {
      const unbias = count / (count - 1);
      for (let c = 0; c < C; c++) {
        rm.data[c] = (1 - momentum) * rm.data[c] + momentum * mean[c];
        rv.data[c] = (1 - momentum) * rv.data[c] + momentum * variance[c] * unbias;
      }
    }
  } else {
    mean = new Float32Array(C);
    for (let c = 0; c < C; c++) { mean[c] = rm!.data[c]; invstd[c] = 1 / Math.sqrt(rv!.data[c] + eps); }
  }
  // One backend output (the native one carves small ones from a shared slab: no backing store
  // of their own), written whole here; two views of it rather than subarray (a species lookup each).
  const ss = be.output(2 * C);
  const scale = new Float32Array(ss.buffer, ss.byteOffset, C), shift = new Float32Array(ss.buffer, ss.byteOffset + 4 * C, C);
  for (let c = 0; c < C; c++) {
    scale[c] = (w === null ? 1 : w.data[c]) * invstd[c];
    shift[c] = (b === null ? 0 : b.data[c]) - mean[c] * scale[c];
  }
  const y = trustedTensor(be.output(xt.size), xt.shape);  // xt's frozen shape, checked
  be.batchNorm2dApply(xt.data, scale, shift, y.data, info);
  const cShape = Object.freeze([C]);
  const stats = { mean: trustedTensor(mean, cShape), invstd: trustedTensor(invstd, cShape) };
  if (needsGrad(xt, w, b)) {
    const xd = xt.detach();
    const wd = w === null ? null : w.detach();
    const layout = info.layout;
    record(op, y, [xt, w, b], (gy, [gx, gw, gb]) => {
      const g = batchNorm2dBackward(gy, xd, { ...stats, weight: wd, training, layout });
      return [gx ? g.dx : null, gw ? g.dweight : null, gb ? g.dbias : null];
    });
  }
  return { y, mean: stats.mean, invstd: stats.invstd };
}

/**
 * Batch normalization over `[N, C, H, W]` (or `[N, H, W, C]`, or rank 3 without N), per
 * channel: `y = (x - mean) / sqrt(var + eps) * weight + bias`. Training mode normalizes by the
 * batch's mean and biased variance and updates `runningMean` and `runningVar` in place
 * (`running = (1 - momentum) * running + momentum * batch`, the variance unbiased by n/(n-1)),
 * as PyTorch; eval mode normalizes by the running statistics.
 */
export function batchNorm2d(x: Tensor, options: BatchNorm2dOptions): Tensor {
  return batchNorm2dWithStats(x, options).y;
}

/** Options of {@link batchNorm2dBackward}. */
export interface BatchNorm2dBackwardOptions {
  /** `[C]`: the mean the forward normalized by ({@link BatchNorm2dResult.mean}). */
  mean: Tensor;
  /** `[C]`: the inverse standard deviation the forward normalized by ({@link BatchNorm2dResult.invstd}). */
  invstd: Tensor;
  /** `[C]`: the forward's weight. Default: ones. */
  weight?: Tensor | null;
  /** Whether the forward used the batch statistics (their gradient flows into dx). Required. */
  training: boolean;
  /** Memory order of x and dy. Default `'nchw'`. */
  layout?: Layout;
}

/** The gradients of {@link batchNorm2d}. */
export interface BatchNorm2dGrad {
  /** x's gradient, x's shape. */
  dx: Tensor;
  /** `[C]`: the weight's gradient, sum(dy * xhat). */
  dweight: Tensor;
  /** `[C]`: the bias's gradient, sum(dy). */
  dbias: Tensor;
}

/**
 * The gradient of {@link batchNorm2d} from dy (x's shape) and the forward's statistics:
 * training mode `dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))`, eval mode
 * `dx = w * invstd * dy`; dweight = sum(dy * xhat), dbias = sum(dy) per channel.
 */
export function batchNorm2dBackward(dy: Tensor, x: Tensor, options: BatchNorm2dBackwardOptions): BatchNorm2dGrad {
  const op = 'batchNorm2dBackward';
  const dyt = checkTensor(op, 'dy', dy), xt = checkTensor(op, 'x', x);
  if (options === undefined || options === null) throw typeError(op, 'options with mean, invstd and training are required');
  const o = checkOptions(op, options, ['mean', 'invstd', 'weight', 'training', 'layout']);
  const info = batchNorm2dInfo(op, xt.shape, o.layout);
  if (dyt.rank !== xt.rank || dyt.shape.some((d, i) => d !== xt.shape[i])) {
    throw rangeError(op, `dy ${shapeStr(dyt.shape)} must have x's shape ${shapeStr(xt.shape)}`);
  }
  if (typeof o.training !== 'boolean') throw invalidType(op, 'training', 'a boolean', o.training);
  const C = info.channels;
  const mean = channelVector(op, 'mean', o.mean, C, info, false)!;
  const invstd = channelVector(op, 'invstd', o.invstd, C, info, false)!;
  const w = channelVector(op, 'weight', o.weight, C, info, true);
  const be = backend();
  const dx = new Tensor(be.output(xt.size), xt.shape);
  const dweight = new Float32Array(C), dbias = new Float32Array(C);
  be.batchNorm2dBackward(dyt.data, xt.data, mean.data, invstd.data, w === null ? new Float32Array(C).fill(1) : w.data,
    dx.data, dweight, dbias, info, o.training);
  return { dx, dweight: new Tensor(dweight, [C]), dbias: new Tensor(dbias, [C]) };
}
