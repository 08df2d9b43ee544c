// Conv2dInfo: the one description of a convolution that both backends consume.
// native/include/convkit/conv2d.h's conv2d_params mirrors it field for field.
import { checkIntAtLeast, checkOneOf, checkOptions, checkPadding, checkPair } from '../check';
import { rangeError, shapeStr } from '../errors';
import { outputSize } from './output-size';
import { checkOutputElements } from '../alloc';
/**
 * The memory order of images and weights.
 * - `'nchw'` (the default; PyTorch, ONNX): x `[N, C, H, W]`, conv weight `[Cout, Cin/groups, KH, KW]` (OIHW).
 * - `'nhwc'` (TensorFlow, image buffers): x `[N, H, W, C]`, conv weight `[Cout, KH, KW, Cin/groups]` (OHWI).
 *
 * A rank-3 x (no batch dimension: `[C, H, W]` or `[H, W, C]`) is accepted and gives a rank-3 result.
 */
export type Layout = 'nchw' | 'nhwc';
/**
 * A fused epilogue applied to conv2d's output after the bias and the residual:
 * `'none'` (the default), `'relu'` max(0, v), `'relu6'` min(max(0, v), 6),
 * `'sigmoid'` 1 / (1 + e^-v), `'silu'` v * sigmoid(v), `'hardSwish'` v * relu6(v + 3) / 6.
 */
export type Activation = 'none' | 'relu' | 'relu6' | 'sigmoid' | 'silu' | 'hardSwish';

/** Every {@link Activation}, in the order the error messages list them. */
export const ACTIVATIONS: readonly Activation[] = ['none', 'relu', 'relu6', 'sigmoid', 'silu', 'hardSwish'];

/** The sliding-window geometry that convolutions and pools share (one spatial plane). */
export interface Window2dInfo {
  /** Input height H, in pixels. */
  inHeight: number;
  /** Input width W, in pixels. */
  inWidth: number;
  /** Output height: floor((H + padTop + padBottom - dilationH*(kernelH-1) - 1) / strideH) + 1. */
  outHeight: number;
  /** Output width: floor((W + padLeft + padRight - dilationW*(kernelW-1) - 1) / strideW) + 1. */
  outWidth: number;
  /** Kernel (window) height KH, in pixels. */
  kernelH: number;
  /** Kernel (window) width KW, in pixels. */
  kernelW: number;
  /** Vertical step between windows, in pixels. */
  strideH: number;
  /** Horizontal step between windows, in pixels. */
  strideW: number;
  /** Rows of padding above the input. */
  padTop: number;
  /** Rows of padding below the input. */
  padBottom: number;
  /** Columns of padding left of the input. */
  padLeft: number;
  /** Columns of padding right of the input. */
  padRight: number;
  /** Vertical spacing between kernel taps (1 = dense). */
  dilationH: number;
  /** Horizontal spacing between kernel taps (1 = dense). */
  dilationW: number;
}

/**
 * The complete, validated description of one convolution that both backends consume (the
 * native `conv2d_params` mirrors it field for field). Lengths are in pixels or elements.
 */
export interface Conv2dInfo extends Window2dInfo {
  /** N: images in the batch (1 for a rank-3 x). */
  batch: number;
  /** Cin: channels of x. */
  inChannels: number;
  /** Cout: channels of the output (w's first dimension). */
  outChannels: number;
  /** Channel groups: Cin and Cout split into `groups` independent convolutions (Cin = groups is depthwise). */
  groups: number;
  /** Memory order of x, w and the output. */
  layout: Layout;
  /** Whether a bias `[Cout]` is added. */
  hasBias: boolean;
  /** The fused epilogue after the bias (and the residual, which is an argument of the call, not part of the info). */
  activation: Activation;
  /**
   * Forward calls only: y is a channel slice of a wider tensor with `yChannels` channels (an
   * ONNX Concat's output, written in place by its producers). y starts at the slice's first
   * channel and holds output channel c of pixel q of image n at `(n*OH*OW + q)*yChannels + c`
   * (NHWC) or `(n*yChannels + c)*OH*OW + q` (NCHW); nothing outside the slice is written, and
   * y's length is exactly the span to its last element. The residual keeps the plain output's
   * shape. Absent (or equal to outChannels): y is the plain output. Not for the async calls.
   */
  yChannels?: number;
}

/** Whether y is a channel slice of a wider tensor (Conv2dInfo.yChannels). */
export function ySlice(i: Conv2dInfo): boolean {
  return i.yChannels !== undefined && i.yChannels !== i.outChannels;
}

/** Elements from y's first to its last: the plain output's, or a slice's span over the wider tensor. */
export function ySpan(i: Conv2dInfo): number {
  return sliceSpan(i.layout, i.batch, i.outHeight * i.outWidth, i.outChannels, i.yChannels ?? i.outChannels);
}

/**
 * Elements from the first to the last of `channels` channels of a `[batch, pixels, wide]`
 * (NHWC) or `[batch, wide, pixels]` (NCHW) tensor, from the slice's first element.
 */
export function sliceSpan(layout: Layout, batch: number, pixels: number, channels: number, wide: number): number {
  return layout === 'nhwc' ? (batch * pixels - 1) * wide + channels : ((batch - 1) * wide + channels) * pixels;
}

/**
 * conv2d padding, in pixels of zeros around the input:
 * - `p`: p on every side; `[ph, pw]`: ph above and below, pw left and right;
 * - `[top, bottom, left, right]`: each side alone;
 * - `'valid'`: none (the default, 0);
 * - `'same'`: output size = ceil(input / stride), the odd pixel after (ONNX SAME_UPPER), any stride.
 */
export type Padding = number | [number, number] | [number, number, number, number] | 'valid' | 'same';

/** The geometry options every conv2d entry takes (op, shape helper, layer). */
export interface Conv2dGeometryOptions {
  /** Step between windows, in pixels: one number or `[sh, sw]`. Default 1. */
  stride?: number | [number, number];
  /** Zeros around the input (see {@link Padding}). Default 0 (`'valid'`). */
  padding?: Padding;
  /** Spacing between kernel taps, in pixels: one number or `[dh, dw]`. Default 1 (dense). */
  dilation?: number | [number, number];
  /** Channel groups; must divide Cin and Cout. Default 1; `groups = Cin` is a depthwise convolution. */
  groups?: number;
  /** Memory order of x, w and the output: `'nchw'` (default) or `'nhwc'`. */
  layout?: Layout;
}

/** What conv2dInfo reads from the user's options (bias only as its shape). */
export interface Conv2dShapeOptions extends Conv2dGeometryOptions {
  /** Fused epilogue applied after the bias and the residual (see {@link Activation}). Default `'none'`. */
  activation?: Activation;
}

export const LAYOUTS: readonly Layout[] = ['nchw', 'nhwc'];

/** The option names of conv2d's geometry, of its shape helper and of the op itself. */
export const CONV2D_GEOMETRY_KEYS = ['stride', 'padding', 'dilation', 'groups', 'layout'] as const;
export const CONV2D_SHAPE_KEYS = [...CONV2D_GEOMETRY_KEYS, 'activation'] as const;
export const CONV2D_KEYS = [...CONV2D_SHAPE_KEYS, 'bias', 'residual', 'precision'] as const;

/** 'same' = ONNX SAME_UPPER: out = ceil(in / stride), the odd pixel of padding goes after. */
function samePadding(inSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - inSize);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Validates shapes and options and computes the one Conv2dInfo both backends consume.
 * xShape is rank 4 (rank 3 handled by the caller), wShape rank 4, both in `layout`'s order.
 */
export function conv2dInfo(op: string, xShape: readonly number[], wShape: readonly number[], options: unknown, biasShape: readonly number[] | null): Conv2dInfo {
  const o = checkOptions(op, options);
  const layout = checkOneOf(op, 'layout', o.layout, LAYOUTS, 'nchw');
  const activation = checkOneOf(op, 'activation', o.activation, ACTIVATIONS, 'none');
  const [strideH, strideW] = checkPair(op, 'stride', o.stride, 1, 1);
  const [dilationH, dilationW] = checkPair(op, 'dilation', o.dilation, 1, 1);
  const groups = o.groups === undefined ? 1 : checkIntAtLeast(op, 'groups', o.groups, 1);
  if (xShape.length !== 4) throw rangeError(op, `x must be rank 4 (or 3), got x ${shapeStr(xShape)}`);
  if (wShape.length !== 4) throw rangeError(op, `w must be rank 4 ${layout === 'nchw' ? '[Cout, Cin/groups, KH, KW]' : '[Cout, KH, KW, Cin/groups]'}, got w ${shapeStr(wShape)}`);
  const nhwc = layout === 'nhwc';
  const [batch, inChannels, inHeight, inWidth] = nhwc ? [xShape[0], xShape[3], xShape[1], xShape[2]] : xShape;
  const [outChannels, wInChannels, kernelH, kernelW] = nhwc ? [wShape[0], wShape[3], wShape[1], wShape[2]] : wShape;
  // Built only for a message: this runs on every call.
  const shapes = (): string => `(x ${shapeStr(xShape)}, w ${shapeStr(wShape)}, groups ${groups}, layout ${layout})`;
  if (inChannels < 1 || inHeight < 1 || inWidth < 1) throw rangeError(op, `x must have at least one channel, row and column ${shapes()}`);
  if (outChannels < 1 || wInChannels < 1 || kernelH < 1 || kernelW < 1) throw rangeError(op, `w must have at least one output channel, input channel and kernel cell ${shapes()}`);
  if (batch < 1) throw rangeError(op, `x has an empty batch ${shapes()}`);
  if (inChannels % groups !== 0) throw rangeError(op, `x has ${inChannels} channels, not divisible by groups ${groups} ${shapes()}`);
  if (outChannels % groups !== 0) throw rangeError(op, `w has ${outChannels} output channels, not divisible by groups ${groups} ${shapes()}`);
  if (wInChannels * groups !== inChannels) {
    throw rangeError(op, `x has ${inChannels} channels but w expects ${wInChannels * groups} ${shapes()}`);
  }
  let pad: [number, number, number, number];
  if (o.padding === 'same') {
    pad = [...samePadding(inHeight, kernelH, strideH, dilationH), ...samePadding(inWidth, kernelW, strideW, dilationW)] as typeof pad;
  } else if (o.padding === 'valid') {
    pad = [0, 0, 0, 0];
  } else if (typeof o.padding === 'string') {
    throw rangeError(op, `padding must be a number, an array, 'same' or 'valid', got '${o.padding}'`);
  } else {
    pad = checkPadding(op, o.padding);
  }
  const [padTop, padBottom, padLeft, padRight] = pad;
  const outHeight = outputSize(inHeight, kernelH, strideH, padTop, padBottom, dilationH);
  const outWidth = outputSize(inWidth, kernelW, strideW, padLeft, padRight, dilationW);
  if (outHeight < 1 || outWidth < 1) {
    throw rangeError(op, `output would be ${Math.max(outHeight, 0)}x${Math.max(outWidth, 0)}: the dilated kernel ${dilationH * (kernelH - 1) + 1}x${dilationW * (kernelW - 1) + 1} exceeds the padded input ${inHeight + padTop + padBottom}x${inWidth + padLeft + padRight} ${shapes()}`);
  }
  const outShape = nhwc ? [batch, outHeight, outWidth, outChannels] : [batch, outChannels, outHeight, outWidth];
  checkOutputElements(op, batch * outChannels * outHeight * outWidth, () => ({
    what: `the output ${shapeStr(outShape)}`,
    context: `(x ${shapeStr(xShape)}, w ${shapeStr(wShape)}, stride [${strideH}, ${strideW}], padding [${pad.join(', ')}], dilation [${dilationH}, ${dilationW}], layout ${layout})`,
  }));
  if (biasShape !== null && (biasShape.length !== 1 || biasShape[0] !== outChannels)) {
    throw rangeError(op, `bias must be [${outChannels}], got b ${shapeStr(biasShape)} ${shapes()}`);
  }
  return {
    batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelH, kernelW,
    strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups,
    layout, hasBias: biasShape !== null, activation,
  };
}

export function conv2dOutputShapeOf(info: Conv2dInfo): number[] {
  const { batch, outChannels, outHeight, outWidth } = info;
  return info.layout === 'nhwc' ? [batch, outHeight, outWidth, outChannels] : [batch, outChannels, outHeight, outWidth];
}

