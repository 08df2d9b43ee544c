// Pooling ops: max, avg (with backward) and global pools.
import { backend } from '../backend/select';
import { rangeError, shapeStr } from '../errors';
import { globalPool2dInfo, type Pool2dInfo, pool2dInfo, pool2dOutputShapeOf, type Pool2dOptions } from '../shape/pool2d-info';
import { checkTensor, Tensor, trustedTensor } from '../tensor';
import { addBatch } from './conv2d';
import { allocate } from '../alloc';
import { needsGrad, record } from '../autograd/record';

export type { Pool2dOptions };

// xt is checkTensor's snapshot: nothing below reads the caller's object again.
function check(op: string, kind: 'max' | 'avg', x: unknown, opts: unknown): { info: Pool2dInfo; xt: Tensor; x4: Tensor; yShape: number[] } {
  const xt = checkTensor(op, 'x', x);
  const { t4: x4, rank3 } = addBatch(op, 'x', xt);
  const info = pool2dInfo(op, kind, x4.shape, opts);
  const shape = pool2dOutputShapeOf(info);
  return { info, xt, x4, yShape: rank3 ? shape.slice(1) : shape };
}

function prepare(op: string, kind: 'max' | 'avg', x: unknown, opts: unknown): { info: Pool2dInfo; xt: Tensor; x4: Tensor; y: Tensor } {
  const { info, xt, x4, yShape } = check(op, kind, x, opts);
  const data = allocate(op, yShape.reduce((a, b) => a * b, 1), () => ({ what: `the output ${shapeStr(yShape)}`, context: `(x ${shapeStr(xt.shape)})` }), (n) => backend().output(n));
  // The info's checked dimensions, whose product is data's length.
  return { info, xt, x4, y: trustedTensor(data, Object.freeze(yShape)) };
}

// One forward pool, sync or async, for either kind: the backend entry is named for the kind.
function pool(op: string, kind: 'max' | 'avg', x: unknown, opts: unknown): Tensor {
  const { info, xt, x4, y } = prepare(op, kind, x, opts);
  if (kind === 'max') backend().maxPool2d(x4.data, y.data, info);
  else backend().avgPool2d(x4.data, y.data, info);
  if (needsGrad(xt)) recordPool(kind, y, xt, opts);
  return y;
}

async function poolAsync(op: string, kind: 'max' | 'avg', x: unknown, opts: unknown): Promise<Tensor> {
  const { info, xt, x4, yShape } = check(op, kind, x, opts);
  const grad = needsGrad(xt);  // decided at the call
  const b = backend();
  const data = kind === 'max' ? b.maxPool2dAsync(x4.data, null, info) : b.avgPool2dAsync(x4.data, null, info);
  const y = new Tensor(await data, yShape);
  if (grad) recordPool(kind, y, xt, opts);
  return y;
}

/** Puts a pool on the tape: max pooling's backward reads x (the first maximum wins), avg's only shapes. */
function recordPool(kind: 'max' | 'avg', y: Tensor, xt: Tensor, opts: unknown): void {
  const x = xt.detach();
  const o = { ...(opts as Pool2dOptions) };
  record(`${kind}Pool2d`, y, [xt], (gy) => [kind === 'max' ? maxPool2dBackward(gy, x, o) : avgPool2dBackward(gy, x, o)]);
}

/**
 * Max pooling: the largest value of each window, each channel alone.
 * @example
 * ```ts
 * maxPool2d(zeros([1, 6, 28, 28]), { kernel: 2 }).shape;   // [1, 6, 14, 14]
 * ```
 * @param x - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc); rank 3 without N gives rank 3.
 * @param opts - `kernel` is required; stride defaults to the kernel. See {@link Pool2dOptions}.
 * @returns `[N, C, OH, OW]` (nchw) or `[N, OH, OW, C]` (nhwc).
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return pool('maxPool2d', 'max', x, opts);
}

/** {@link maxPool2d} off the main thread (native backend); bad input rejects the promise. */
export function maxPool2dAsync(x: Tensor, opts: Pool2dOptions): Promise<Tensor> {
  return poolAsync('maxPool2dAsync', 'max', x, opts);
}

/**
 * Average pooling: the mean of each window, each channel alone. Padded cells count only with
 * `countIncludePad`.
 * @param x - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc); rank 3 without N gives rank 3.
 * @param opts - `kernel` is required; stride defaults to the kernel. See {@link Pool2dOptions}.
 * @returns `[N, C, OH, OW]` (nchw) or `[N, OH, OW, C]` (nhwc).
 */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return pool('avgPool2d', 'avg', x, opts);
}

/** {@link avgPool2d} off the main thread (native backend); bad input rejects the promise. */
export function avgPool2dAsync(x: Tensor, opts: Pool2dOptions): Promise<Tensor> {
  return poolAsync('avgPool2dAsync', 'avg', x, opts);
}

function prepareBackward(op: string, kind: 'max' | 'avg', dy: unknown, x: unknown, opts: unknown): { info: Pool2dInfo; dyt: Tensor; x4: Tensor; dx: Tensor } {
  const dyt = checkTensor(op, 'dy', dy);
  const { info, xt, x4, yShape } = check(op, kind, x, opts);
  if (dyt.rank !== yShape.length || dyt.shape.some((d, i) => d !== yShape[i])) {
    throw rangeError(op, `dy must have the forward output shape ${shapeStr(yShape)}, got dy ${shapeStr(dyt.shape)} (x ${shapeStr(xt.shape)})`);
  }
  return { info, dyt, x4, dx: new Tensor(backend().output(xt.size), xt.shape) };
}

/**
 * The gradient of {@link maxPool2d}: each output gradient goes to its window's first maximum
 * in scan order (row by row).
 * @param dy - gradient of the loss with respect to the pooled output, its exact shape.
 * @param x - the forward input.
 * @param opts - the forward's options.
 * @returns dx, x's shape.
 */
export function maxPool2dBackward(dy: Tensor, x: Tensor, opts: Pool2dOptions): Tensor {
  const { info, dyt, x4, dx } = prepareBackward('maxPool2dBackward', 'max', dy, x, opts);
  backend().maxPool2dBackward(dyt.data, x4.data, dx.data, info);
  return dx;
}

/**
 * The gradient of {@link avgPool2d}: each output gradient is spread evenly over its window's cells.
 * @param dy - gradient of the loss with respect to the pooled output, its exact shape.
 * @param x - the forward input (for its shape).
 * @param opts - the forward's options.
 * @returns dx, x's shape.
 */
export function avgPool2dBackward(dy: Tensor, x: Tensor, opts: Pool2dOptions): Tensor {
  const { info, dyt, dx } = prepareBackward('avgPool2dBackward', 'avg', dy, x, opts);
  backend().avgPool2dBackward(dyt.data, dx.data, info);
  return dx;
}

function globalPool(op: string, x: unknown, opts: unknown, max: boolean): Tensor {
  const xt = checkTensor(op, 'x', x);
  const { t4: x4, rank3 } = addBatch(op, 'x', xt);
  const info = globalPool2dInfo(op, x4.shape, opts);
  const shape = info.layout === 'nhwc' ? [info.batch, 1, 1, info.channels] : [info.batch, info.channels, 1, 1];
  const y = new Tensor(backend().output(info.batch * info.channels), rank3 ? shape.slice(1) : shape);
  if (max) backend().globalMaxPool2d(x4.data, y.data, info);
  else backend().globalAvgPool2d(x4.data, y.data, info);
  if (needsGrad(xt)) {
    // A global pool is the pool whose window is the whole plane.
    const x = xt.detach();
    const [h, w] = info.layout === 'nhwc' ? [x4.shape[1], x4.shape[2]] : [x4.shape[2], x4.shape[3]];
    const o = { kernel: [h, w] as [number, number], layout: info.layout };
    record(op, y, [xt], (gy) => [max ? maxPool2dBackward(gy, x, o) : avgPool2dBackward(gy, x, o)]);
  }
  return y;
}

/**
 * Global average pooling: the mean over H and W of each channel, keeping H = W = 1.
 * @param x - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc), or rank 3 without N.
 * @returns `[N, C, 1, 1]` (nchw) or `[N, 1, 1, C]` (nhwc).
 */
export function globalAvgPool2d(x: Tensor, opts?: {
  /** Memory order of x: 'nchw' (default) or 'nhwc'. */
  layout?: 'nchw' | 'nhwc';
}): Tensor {
  return globalPool('globalAvgPool2d', x, opts, false);
}

/**
 * Global max pooling: the maximum over H and W of each channel, keeping H = W = 1.
 * @param x - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc), or rank 3 without N.
 * @returns `[N, C, 1, 1]` (nchw) or `[N, 1, 1, C]` (nhwc).
 */
export function globalMaxPool2d(x: Tensor, opts?: {
  /** Memory order of x: 'nchw' (default) or 'nhwc'. */
  layout?: 'nchw' | 'nhwc';
}): Tensor {
  return globalPool('globalMaxPool2d', x, opts, true);
}
