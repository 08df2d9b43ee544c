// BatchNorm2dInfo: the one description of a batch-norm call that both backends consume
// (native/napi/norm.cc reads it field by field into batch_norm_shape).
import { rangeError, shapeStr } from '../errors';
import { LAYOUTS, type Layout } from './conv2d-info';
import { checkOneOf } from '../check';

/** The validated shape of one batch-norm call: x is `[batch, channels, height, width]` in `layout` order. */
export interface BatchNorm2dInfo {
  /** N: images in the batch (1 for a rank-3 x). */
  batch: number;
  /** C: channels, each normalized alone. */
  channels: number;
  /** H: height, in pixels. */
  height: number;
  /** W: width, in pixels. */
  width: number;
  /** Memory order of x and the output. */
  layout: Layout;
}

/** Validates x's shape (rank 4, or rank 3 without the batch) and layout into a BatchNorm2dInfo. */
export function batchNorm2dInfo(op: string, xShape: readonly number[], layout: unknown): BatchNorm2dInfo {
  const l = checkOneOf(op, 'layout', layout, LAYOUTS, 'nchw');
  if (xShape.length !== 4 && xShape.length !== 3) {
    throw rangeError(op, `x must be [N, C, H, W] or [C, H, W] (layout ${l}), got ${shapeStr(xShape)}`);
  }
  const s = xShape.length === 3 ? [1, ...xShape] : xShape;
  const [batch, channels, height, width] = l === 'nhwc' ? [s[0], s[3], s[1], s[2]] : s;
  if (batch < 1 || channels < 1 || height < 1 || width < 1) {
    throw rangeError(op, `x ${shapeStr(xShape)} has an empty dimension`);
  }
  return { batch, channels, height, width, layout: l };
}
