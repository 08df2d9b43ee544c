// upsample2d (nearest, bilinear; PyTorch's F.interpolate) and its gradient.
import { backend } from '../backend/select';
import { rangeError, shapeStr } from '../errors';
import { allocate } from '../alloc';
import { checkTensor, Tensor } from '../tensor';
import { needsGrad, record } from '../autograd/record';
import { type Upsample2dInfo, upsample2dInfo, type Upsample2dOptions, upsample2dOutputShapeOf } from '../shape/upsample2d-info';
import { addBatch } from './conv2d';

export type { Upsample2dOptions };

/**
 * Resizes images, as PyTorch 1.13's `F.interpolate(x, size | scale_factor, mode,
 * align_corners)` with `recompute_scale_factor=None`:
 * - the output is `size`, or `floor(in * scale)` per side;
 * - `'nearest'`: output row i reads input row `min(floor(i * s), in - 1)`, where s is
 *   `1 / scale` when a scale was given, else `in / out` (in float32; out = in copies, out = 2 in
 *   reads `i >> 1`), likewise for columns;
 * - `'bilinear'`: the source coordinate is `max((i + 0.5) * s - 0.5, 0)` (s as for nearest), or
 *   `i * (in - 1) / (out - 1)` with `alignCorners`, blended from its two neighbours on each axis.
 *
 * Differentiable: the gradient adds each output's gradient to the input cells it read, times their weights.
 * @example
 * ```ts
 * upsample2d(randn([1, 3, 8, 8]), { scale: 2, mode: 'bilinear' }).shape;   // [1, 3, 16, 16]
 * ```
 * @param x - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc); rank 3 without N gives rank 3.
 * @param opts - exactly one of `scale` and `size`; `mode` (default `'nearest'`), `alignCorners`, `layout`.
 * @returns `[N, C, OH, OW]` (nchw) or `[N, OH, OW, C]` (nhwc).
 * @throws TypeError for a wrong argument type; RangeError for bad options or shapes, naming them.
 */
export function upsample2d(x: Tensor, opts: Upsample2dOptions): Tensor {
  const op = 'upsample2d';
  const xt = checkTensor(op, 'x', x);
  const { t4: x4, rank3 } = addBatch(op, 'x', xt);
  const info = upsample2dInfo(op, x4.shape, opts);
  const shape = upsample2dOutputShapeOf(info);
  const yShape = rank3 ? shape.slice(1) : shape;
  const data = allocate(op, info.batch * info.channels * info.outHeight * info.outWidth, () => ({ what: `the output ${shapeStr(yShape)}`, context: `(x ${shapeStr(xt.shape)})` }), (n) => backend().output(n));
  const y = new Tensor(data, yShape);
  backend().upsample2d(x4.data, y.data, info);
  if (needsGrad(xt)) {
    const xShape = xt.shape;
    record(op, y, [xt], (gy) => [backwardOf(gy, xShape, info)]);
  }
  return y;
}

function backwardOf(dy: Tensor, xShape: readonly number[], info: Upsample2dInfo): Tensor {
  const dx = new Tensor(backend().output(info.batch * info.channels * info.inHeight * info.inWidth), xShape);
  backend().upsample2dBackward(dy.data, dx.data, info);
  return dx;
}

/**
 * The gradient of {@link upsample2d}: each output gradient added to the input cells its value
 * was read from, times their interpolation weights.
 * @param dy - gradient of the loss with respect to upsample2d's output, its exact shape.
 * @param x - the forward input (for its shape).
 * @param opts - the forward's options.
 * @returns dx, x's shape.
 */
export function upsample2dBackward(dy: Tensor, x: Tensor, opts: Upsample2dOptions): Tensor {
  const op = 'upsample2dBackward';
  const dyt = checkTensor(op, 'dy', dy);
  const xt = checkTensor(op, 'x', x);
  const { t4: x4, rank3 } = addBatch(op, 'x', xt);
  const info = upsample2dInfo(op, x4.shape, opts);
  const shape = upsample2dOutputShapeOf(info);
  const yShape = rank3 ? shape.slice(1) : shape;
  if (dyt.rank !== yShape.length || dyt.shape.some((d, i) => d !== yShape[i])) {
    throw rangeError(op, `dy must have the forward output shape ${shapeStr(yShape)}, got dy ${shapeStr(dyt.shape)} (x ${shapeStr(xt.shape)})`);
  }
  return backwardOf(dyt, xt.shape, info);
}
