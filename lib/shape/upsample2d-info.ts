// Upsample2dInfo: the one description of an upsample2d call that both backends consume.
// native/include/convkit/upsample2d.h's upsample2d_params mirrors it field for field.
import { checkBool, checkOneOf, checkOptions, isInt, MAX_DIM } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkOutputElements } from '../alloc';
import { LAYOUTS, type Layout } from './conv2d-info';

/** How {@link upsample2d} reads the source: `'nearest'` (a copy of one pixel) or `'bilinear'` (a blend of four). */
export type UpsampleMode = 'nearest' | 'bilinear';

/** The complete, validated description of one upsample2d (resize) call. */
export interface Upsample2dInfo {
  /** N: images in the batch (1 for a rank-3 x). */
  batch: number;
  /** C: channels, each resized alone. */
  channels: number;
  /** Input height, in pixels. */
  inHeight: number;
  /** Input width, in pixels. */
  inWidth: number;
  /** Output height, in pixels. */
  outHeight: number;
  /** Output width, in pixels. */
  outWidth: number;
  /**
   * The scale factor the user gave for the height (PyTorch then maps output row i to source
   * `i / scaleH`), or 0 when the output size was given (source `i * inHeight / outHeight`).
   */
  scaleH: number;
  /** As scaleH, for the width. */
  scaleW: number;
  /** Nearest or bilinear. */
  mode: UpsampleMode;
  /** Bilinear only: the corner pixels of input and output are aligned (PyTorch's align_corners). */
  alignCorners: boolean;
  /** Memory order of x and the output. */
  layout: Layout;
}

/** Options of {@link upsample2d}: either `scale` or `size`, and the interpolation. */
export interface Upsample2dOptions {
  /** Factor on H and W: one number or `[sh, sw]` (> 0); the output is `floor(in * scale)`. */
  scale?: number | [number, number];
  /** The output size `[OH, OW]` (or one number for both). */
  size?: number | [number, number];
  /** `'nearest'` (default) or `'bilinear'`. */
  mode?: UpsampleMode;
  /** Bilinear only (PyTorch's align_corners): map the corner pixels onto each other. Default false. */
  alignCorners?: boolean;
  /** Memory order of x: `'nchw'` (default) or `'nhwc'`. */
  layout?: Layout;
}

export const UPSAMPLE2D_KEYS = ['scale', 'size', 'mode', 'alignCorners', 'layout'] as const;

function positivePair(op: string, name: string, v: unknown, integer: boolean): [number, number] {
  const one = (n: string, x: unknown): number => {
    if (typeof x !== 'number') throw invalidType(op, n, integer ? 'a positive integer' : 'a positive number', x);
    if (!Number.isFinite(x) || x <= 0 || (integer && (!isInt(x) || x > MAX_DIM))) {
      throw rangeError(op, `${n} must be ${integer ? `an integer in [1, ${MAX_DIM}]` : 'a finite number > 0'}, got ${x}`);
    }
    return x;
  };
  if (typeof v === 'number') return [one(name, v), one(name, v)];
  if (Array.isArray(v) && v.length === 2) return [one(`${name}[0]`, v[0]), one(`${name}[1]`, v[1])];
  throw invalidType(op, name, integer ? 'a number or [number, number]' : 'a number or [number, number]', v);
}

/**
 * Validates x's shape (rank 4, in layout's order) and the options; computes the output size
 * as PyTorch's F.interpolate: `size`, or `floor(in * scale)` (in double precision).
 */
export function upsample2dInfo(op: string, xShape: readonly number[], options: unknown): Upsample2dInfo {
  const o = checkOptions(op, options, UPSAMPLE2D_KEYS);
  const layout = checkOneOf(op, 'layout', o.layout, LAYOUTS, 'nchw');
  const mode = checkOneOf(op, 'mode', o.mode, ['nearest', 'bilinear'] as const, 'nearest');
  const alignCorners = checkBool(op, 'alignCorners', o.alignCorners, false);
  if (alignCorners && mode !== 'bilinear') throw rangeError(op, `alignCorners applies to mode 'bilinear' only, got mode '${mode}'`);
  if (xShape.length !== 4) throw rangeError(op, `x must be rank 4 (or 3), got x ${shapeStr(xShape)}`);
  const nhwc = layout === 'nhwc';
  const [batch, channels, inHeight, inWidth] = nhwc ? [xShape[0], xShape[3], xShape[1], xShape[2]] : xShape;
  if (batch < 1 || channels < 1 || inHeight < 1 || inWidth < 1) throw rangeError(op, `x must not be empty, got x ${shapeStr(xShape)} (layout ${layout})`);
  const hasScale = o.scale !== undefined && o.scale !== null, hasSize = o.size !== undefined && o.size !== null;
  if (hasScale === hasSize) throw rangeError(op, `give exactly one of scale and size (x ${shapeStr(xShape)})`);
  let outHeight: number, outWidth: number, scaleH = 0, scaleW = 0;
  if (hasSize) {
    [outHeight, outWidth] = positivePair(op, 'size', o.size, true);
  } else {
    [scaleH, scaleW] = positivePair(op, 'scale', o.scale, false);
    outHeight = Math.floor(inHeight * scaleH);
    outWidth = Math.floor(inWidth * scaleW);
    if (outHeight < 1 || outWidth < 1 || outHeight > MAX_DIM || outWidth > MAX_DIM) {
      throw rangeError(op, `scale [${scaleH}, ${scaleW}] gives an output of ${outHeight}x${outWidth} from x ${shapeStr(xShape)}; each side must be in [1, ${MAX_DIM}]`);
    }
  }
  const outShape = nhwc ? [batch, outHeight, outWidth, channels] : [batch, channels, outHeight, outWidth];
  checkOutputElements(op, batch * channels * outHeight * outWidth, () => ({ what: `the output ${shapeStr(outShape)}`, context: `(x ${shapeStr(xShape)})` }));
  return { batch, channels, inHeight, inWidth, outHeight, outWidth, scaleH, scaleW, mode, alignCorners, layout };
}

export function upsample2dOutputShapeOf(info: Upsample2dInfo): number[] {
  const { batch, channels, outHeight, outWidth } = info;
  return info.layout === 'nhwc' ? [batch, outHeight, outWidth, channels] : [batch, channels, outHeight, outWidth];
}
