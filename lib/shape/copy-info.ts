// StridedCopyInfo and PadInfo: the descriptions of the data-movement kernels both backends
// consume (native/napi/copy.cc reads them into strided_copy_params and pad_params).
import { rangeError } from '../errors';

/** The most dimensions a strided copy or a pad takes. */
export const MAX_COPY_RANK = 6;

/**
 * One strided copy: for every index i of `shape`,
 * `y[yOffset + sum(i[d] * yStrides[d])] = x[xOffset + sum(i[d] * xStrides[d])]`.
 * x strides may be negative or zero; every index reached must lie inside x and y.
 */
export interface StridedCopyInfo {
  /** The index space, at most 6 (MAX_COPY_RANK) dimensions. */
  shape: number[];
  /** Where index 0 reads in x. */
  xOffset: number;
  /** x's step per dimension, in elements. */
  xStrides: number[];
  /** Where index 0 writes in y. */
  yOffset: number;
  /** y's step per dimension, in elements. */
  yStrides: number[];
}

/** The padding modes: constant `value`, mirror without repeating the edge, repeat the edge. */
export type PadMode = 'constant' | 'reflect' | 'edge';

/**
 * One pad: y `[inShape[d] + begins[d] + ends[d]]` from x `inShape`; negative pads crop.
 * Reflect needs pads smaller than their dimension; edge needs a non-empty padded dimension.
 */
export interface PadInfo {
  /** x's shape, 1 to 6 (MAX_COPY_RANK) dimensions. */
  inShape: number[];
  /** Elements added before each dimension (negative: removed). */
  begins: number[];
  /** Elements added after each dimension (negative: removed). */
  ends: number[];
  /** How the added elements are filled. */
  mode: PadMode;
  /** The fill of constant mode. */
  value: number;
}

/** Row-major strides of shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let t = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = t; t *= shape[d]; }
  return s;
}

/** The lowest and highest index a copy reaches on one side (lo > hi when it reaches none). */
export function copyExtent(shape: readonly number[], offset: number, strides: readonly number[]): [number, number] {
  let lo = offset, hi = offset;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] <= 0) return [1, 0];
    const span = (shape[d] - 1) * strides[d];
    if (span < 0) lo += span; else hi += span;
  }
  return [lo, hi];
}

/**
 * The output shape of a pad, after the rules both backends enforce: crops no larger than the
 * dimension, reflect pads smaller than it, edge pads only of non-empty dimensions.
 */
export function padOutputShape(op: string, inShape: readonly number[], begins: readonly number[], ends: readonly number[], mode: PadMode): number[] {
  return inShape.map((n, d) => {
    const b = begins[d], e = ends[d], at = `(dimension ${d}, size ${n}, pads ${b} and ${e})`;
    if (n + b + e < 0 || b < -n || e < -n) throw rangeError(op, `pads crop more than the input has ${at}`);
    const most = Math.max(b, e, 0);
    if (mode === 'reflect' && most > 0 && most > n - 1) throw rangeError(op, `reflect pads must be smaller than the dimension ${at}`);
    if (mode === 'edge' && most > 0 && n === 0) throw rangeError(op, `edge pads an empty dimension ${at}`);
    return n + b + e;
  });
}
