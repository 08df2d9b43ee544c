// Pool2dInfo: the one description of a pooling window that both backends consume.
// native/include/convkit/pool2d.h's pool2d_params mirrors it field for field.
import { checkBool, checkKeys, checkOneOf, checkOptions, checkPadding, checkPair } from '../check';
import { invalidType, rangeError, shapeStr, typeError } from '../errors';
import { LAYOUTS, type Layout, type Window2dInfo } from './conv2d-info';
import { outputSize } from './output-size';
import { checkOutputElements } from '../alloc';

/** The complete, validated description of one pooling call that both backends consume (mirrored by the native `pool2d_params`). */
export interface Pool2dInfo extends Window2dInfo {
  /** N: images in the batch (1 for a rank-3 x). */
  batch: number;
  /** C: channels, each pooled alone. */
  channels: number;
  /** Average pooling only: whether padded cells count in the divisor. */
  countIncludePad: boolean;
  /** Memory order of x and the output. */
  layout: Layout;
}

/** The validated description of a global (whole-plane) pooling call. */
export interface GlobalPool2dInfo {
  /** N: images in the batch. */
  batch: number;
  /** C: channels, each pooled alone. */
  channels: number;
  /** H: input height, in pixels. */
  height: number;
  /** W: input width, in pixels. */
  width: number;
  /** Memory order of x and the output. */
  layout: Layout;
}

/**
 * Options of {@link maxPool2d}, {@link avgPool2d}, their async and backward forms and
 * {@link pool2dOutputShape}. Output size per spatial dimension:
 * `floor((in + padBefore + padAfter - dilation*(kernel-1) - 1) / stride) + 1` (ceil with `ceilMode`).
 * Padding never wins a max: padded cells are -Infinity for max pooling, and count in an
 * average only with `countIncludePad`.
 */
export interface Pool2dOptions {
  /** Window size in pixels, one number or `[kh, kw]`. Required. */
  kernel: number | [number, number];
  /** Step between windows in pixels, one number or `[sh, sw]`. Default: the kernel size (windows do not overlap). */
  stride?: number | [number, number];
  /** Padding in pixels: `p`, `[ph, pw]` (symmetric) or `[top, bottom, left, right]`; at most half the kernel on each side. Default 0. */
  padding?: number | [number, number] | [number, number, number, number];
  /** Spacing between window taps (max pooling only), one number or `[dh, dw]`. Default 1. */
  dilation?: number | [number, number];
  /** Round the output size up instead of down; a window that would start in the right or bottom padding only is dropped (PyTorch rule). Default false. */
  ceilMode?: boolean;
  /** Average pooling only: divide by the whole window, padded cells included, rather than by the input cells it covers. Default false. */
  countIncludePad?: boolean;
  /** Memory order of x: `'nchw'` (`[N, C, H, W]`, default) or `'nhwc'` (`[N, H, W, C]`). */
  layout?: Layout;
}

export const POOL2D_KEYS = ['kernel', 'stride', 'padding', 'dilation', 'ceilMode', 'countIncludePad', 'layout'] as const;

/**
 * Validates and computes Pool2dInfo. kind 'avg' rejects dilation != 1 (PyTorch has none).
 * Padding may not exceed half the kernel on any side (PyTorch's rule): otherwise a window
 * could see only padding, and a max over nothing is undefined.
 */
export function pool2dInfo(op: string, kind: 'max' | 'avg', xShape: readonly number[], options: unknown): Pool2dInfo {
  const required = (): string => `the kernel option is required, e.g. ${op.replace(/Backward$/, '')}(x, { kernel: 2 })`;
  if (options === undefined || options === null) throw typeError(op, required());
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalidType(op, 'options', 'an options object with a kernel', options);
  }
  const o = options as Record<string, unknown>;
  checkKeys(op, o, POOL2D_KEYS);
  const layout = checkOneOf(op, 'layout', o.layout, LAYOUTS, 'nchw');
  if (o.kernel === undefined) throw typeError(op, required());
  const [kernelH, kernelW] = checkPair(op, 'kernel', o.kernel, 1, 1);
  const [strideH, strideW] = o.stride === undefined ? [kernelH, kernelW] : checkPair(op, 'stride', o.stride, 1, 1);
  const [dilationH, dilationW] = checkPair(op, 'dilation', o.dilation, 1, 1);
  if (kind === 'avg' && (dilationH !== 1 || dilationW !== 1)) throw rangeError(op, `dilation is for max pooling only, got [${dilationH}, ${dilationW}]`);
  const [padTop, padBottom, padLeft, padRight] = checkPadding(op, o.padding);
  const ceilMode = checkBool(op, 'ceilMode', o.ceilMode, false);
  const countIncludePad = checkBool(op, 'countIncludePad', o.countIncludePad, false);
  if (xShape.length !== 4) throw rangeError(op, `x must be rank 4 (or 3), got x ${shapeStr(xShape)}`);
  const nhwc = layout === 'nhwc';
  const [batch, channels, inHeight, inWidth] = nhwc ? [xShape[0], xShape[3], xShape[1], xShape[2]] : xShape;
  // Built only for a message: this runs on every call.
  const shapes = (): string => `(x ${shapeStr(xShape)}, kernel [${kernelH}, ${kernelW}], stride [${strideH}, ${strideW}], padding [${padTop}, ${padBottom}, ${padLeft}, ${padRight}], layout ${layout})`;
  if (batch < 1 || channels < 1 || inHeight < 1 || inWidth < 1) throw rangeError(op, `x must not be empty ${shapes()}`);
  if (Math.max(padTop, padBottom) * 2 > kernelH || Math.max(padLeft, padRight) * 2 > kernelW) {
    throw rangeError(op, `padding must be at most half the kernel ${shapes()}`);
  }
  const outHeight = outputSize(inHeight, kernelH, strideH, padTop, padBottom, dilationH, ceilMode);
  const outWidth = outputSize(inWidth, kernelW, strideW, padLeft, padRight, dilationW, ceilMode);
  if (outHeight < 1 || outWidth < 1) {
    throw rangeError(op, `output would be ${Math.max(outHeight, 0)}x${Math.max(outWidth, 0)}: the window exceeds the padded input ${shapes()}`);
  }
  const outShape = nhwc ? [batch, outHeight, outWidth, channels] : [batch, channels, outHeight, outWidth];
  checkOutputElements(op, batch * channels * outHeight * outWidth, () => ({ what: `the output ${shapeStr(outShape)}`, context: shapes() }));
  return {
    batch, channels, inHeight, inWidth, outHeight, outWidth, kernelH, kernelW, strideH, strideW,
    padTop, padBottom, padLeft, padRight, dilationH, dilationW,
    countIncludePad: kind === 'avg' && countIncludePad, layout,
  };
}

export function pool2dOutputShapeOf(info: Pool2dInfo): number[] {
  const { batch, channels, outHeight, outWidth } = info;
  return info.layout === 'nhwc' ? [batch, outHeight, outWidth, channels] : [batch, channels, outHeight, outWidth];
}

export function globalPool2dInfo(op: string, xShape: readonly number[], options: unknown): GlobalPool2dInfo {
  const o = checkOptions(op, options, ['layout']);
  const layout = checkOneOf(op, 'layout', o.layout, LAYOUTS, 'nchw');
  if (xShape.length !== 4) throw rangeError(op, `x must be rank 4 (or 3), got x ${shapeStr(xShape)}`);
  const [batch, channels, height, width] = layout === 'nhwc' ? [xShape[0], xShape[3], xShape[1], xShape[2]] : xShape;
  if (batch < 1 || channels < 1 || height < 1 || width < 1) {
    throw rangeError(op, `x must not be empty, got x ${shapeStr(xShape)} (layout ${layout})`);
  }
  return { batch, channels, height, width, layout };
}
