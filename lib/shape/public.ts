// The textbook shape arithmetic, exported: output shapes and parameter counts.
import { checkBool, checkIntAtLeast, checkOptions, checkPair } from '../check';
import { shapeSize } from '../tensor';
import { CONV2D_SHAPE_KEYS, conv2dInfo, conv2dOutputShapeOf, type Conv2dShapeOptions } from './conv2d-info';
import { pool2dInfo, pool2dOutputShapeOf, type Pool2dOptions } from './pool2d-info';

function withBatch(op: string, shape: readonly number[]): { s4: readonly number[]; rank3: boolean } {
  shapeSize(op, shape, 'xShape');
  return shape.length === 3 ? { s4: [1, ...shape], rank3: true } : { s4: shape, rank3: false };
}

/**
 * The shape {@link conv2d} would return, without computing it.
 * @param xShape - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc); rank 3 without N gives a rank-3 result.
 * @param wShape - `[Cout, Cin/groups, KH, KW]` (nchw) or `[Cout, KH, KW, Cin/groups]` (nhwc).
 * @param opts - the geometry options of {@link Conv2dOptions} (stride, padding, dilation, groups, layout).
 * @throws RangeError on shapes conv2d would refuse.
 */
export function conv2dOutputShape(xShape: readonly number[], wShape: readonly number[], opts?: Conv2dShapeOptions): number[] {
  const op = 'conv2dOutputShape';
  const { s4, rank3 } = withBatch(op, xShape);
  shapeSize(op, wShape, 'wShape');
  const o = checkOptions(op, opts, CONV2D_SHAPE_KEYS);
  const out = conv2dOutputShapeOf(conv2dInfo(op, s4, wShape, o, null));
  return rank3 ? out.slice(1) : out;
}

/**
 * The shape {@link maxPool2d} / {@link avgPool2d} would return, without computing it.
 * @param xShape - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc), or rank 3 without N.
 * @param opts - the pooling options; `kernel` is required.
 */
export function pool2dOutputShape(xShape: readonly number[], opts: Pool2dOptions): number[] {
  const op = 'pool2dOutputShape';
  const { s4, rank3 } = withBatch(op, xShape);
  const o = checkOptions(op, opts);
  const out = pool2dOutputShapeOf(pool2dInfo(op, 'max', s4, o));
  return rank3 ? out.slice(1) : out;
}

/**
 * The number of learnable parameters of a conv layer: `cout*kh*kw*cin/groups` weights plus
 * `cout` biases (for a square kernel k without groups, the textbook `m*k*k*d + m`, m = cout, d = cin).
 * @example
 * ```ts
 * conv2dParamCount(3, 8, 5);   // 608 = 8*5*5*3 + 8
 * ```
 * @param cin - input channels.
 * @param cout - output channels (filters).
 * @param kernel - kernel size, one number or `[kh, kw]`.
 * @param opts - `groups` (default 1), `bias` (default true).
 */
export function conv2dParamCount(cin: number, cout: number, kernel: number | [number, number], opts?: {
  /** Channel groups; must divide cin and cout. Default 1. */
  groups?: number;
  /** Whether the layer has a bias per output channel. Default true. */
  bias?: boolean;
}): number {
  const op = 'conv2dParamCount';
  const o = checkOptions(op, opts, ['groups', 'bias']);
  checkIntAtLeast(op, 'cin', cin, 1);
  checkIntAtLeast(op, 'cout', cout, 1);
  const [kh, kw] = checkPair(op, 'kernel', kernel, 1, 1);
  const groups = o.groups === undefined ? 1 : checkIntAtLeast(op, 'groups', o.groups, 1);
  const bias = checkBool(op, 'bias', o.bias, true);
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new RangeError(`${op}: groups ${groups} must divide cin ${cin} and cout ${cout}`);
  }
  return cout * kh * kw * (cin / groups) + (bias ? cout : 0);
}
