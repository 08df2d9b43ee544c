// NumPy broadcasting of two shapes, and the compact loop nest the element-wise kernels run.
import { rangeError, shapeStr } from '../errors';

/**
 * Two shapes broadcast together (NumPy rules), described for a kernel: the output shape, and the
 * output viewed as a row-major loop nest `dims` (outermost first) in which adjacent dimensions
 * that broadcast the same way are merged and size-1 dimensions dropped. `aStrides[k]` and
 * `bStrides[k]` are the element strides of a and b along `dims[k]`: 0 where that input is
 * broadcast. Same shapes give one dim; a scalar operand gives one dim with stride 0; a `[C, 1, 1]`
 * bias over `[N, C, H, W]` gives dims `[N, C, H*W]`, b strides `[0, 1, 0]`.
 */
export interface BroadcastInfo {
  /** The broadcast output shape. */
  readonly shape: readonly number[];
  /** Elements of the output (the product of shape). */
  readonly size: number;
  /** Elements of a. */
  readonly aSize: number;
  /** Elements of b. */
  readonly bSize: number;
  /** The collapsed loop nest, outermost first; empty when the output has one element or none. */
  readonly dims: readonly number[];
  /** a's stride (elements) along each of dims; 0 where a is broadcast. */
  readonly aStrides: readonly number[];
  /** b's stride (elements) along each of dims; 0 where b is broadcast. */
  readonly bStrides: readonly number[];
}

/** The NumPy broadcast of shapes a and b; `op: a [..] and b [..] do not broadcast` otherwise. */
export function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = new Array(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) throw rangeError(op, `a ${shapeStr(a)} and b ${shapeStr(b)} do not broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Broadcasts a and b (see {@link BroadcastInfo}); throws a RangeError naming op when they do not. */
export function broadcastInfo(op: string, a: readonly number[], b: readonly number[]): BroadcastInfo {
  const shape = broadcastShape(op, a, b);
  const rank = shape.length;
  const size = shape.reduce((p, d) => p * d, 1);
  const aSize = a.reduce((p, d) => p * d, 1), bSize = b.reduce((p, d) => p * d, 1);
  // Per output dim: is a (b) present there (not broadcast)? Merge runs with the same pattern.
  const dims: number[] = [], aBc: boolean[] = [], bBc: boolean[] = [];
  if (size > 1) {
    for (let i = 0; i < rank; i++) {
      const d = shape[i];
      if (d === 1) continue;
      const ai = i - (rank - a.length), bi = i - (rank - b.length);
      const ah = ai >= 0 && a[ai] !== 1, bh = bi >= 0 && b[bi] !== 1;
      const k = dims.length - 1;
      if (k >= 0 && aBc[k] === ah && bBc[k] === bh) dims[k] *= d;
      else { dims.push(d); aBc.push(ah); bBc.push(bh); }
    }
  }
  const aStrides = new Array<number>(dims.length), bStrides = new Array<number>(dims.length);
  let sa = 1, sb = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    aStrides[k] = aBc[k] ? sa : 0;
    bStrides[k] = bBc[k] ? sb : 0;
    if (aBc[k]) sa *= dims[k];
    if (bBc[k]) sb *= dims[k];
  }
  return { shape, size, aSize, bSize, dims, aStrides, bStrides };
}
