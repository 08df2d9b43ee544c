// The textbook output-size formula (W - F + 2P)/S + 1, generalised: floor((in + pb + pa - d*(k-1) - 1)/s) + 1.
// With dilation 1 and symmetric padding P it is (W - F + 2P)/S + 1.
import { checkIntAtLeast, checkOptions } from '../check';
import { rangeError } from '../errors';

export function outputSize(inSize: number, kernel: number, stride: number, padBefore: number, padAfter: number, dilation: number, ceilMode = false): number {
  const span = inSize + padBefore + padAfter - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch: with ceil_mode the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= inSize + padBefore) out--;
  return out;
}

/**
 * The output size of a convolution or pooling window along one spatial dimension:
 * `floor((size + padBefore + padAfter - dilation*(kernel-1) - 1) / stride) + 1`, which with
 * dilation 1 and symmetric padding P is the textbook `(W - F + 2P)/S + 1`.
 *
 * @example
 * ```ts
 * convOutputSize(64, 5, { padding: 2 });   // 64
 * convOutputSize(32, 3, { stride: 2 });    // 15
 * ```
 * @param size - the input size W, in pixels.
 * @param kernel - the kernel size F, in pixels.
 * @param opts - `stride` S (default 1), `padding` P in pixels (default 0; a number for both
 *   sides or `[before, after]`), `dilation` (default 1).
 * @throws RangeError if the result would be less than 1.
 */
export function convOutputSize(size: number, kernel: number, opts?: {
  /** Step between windows, in pixels. Default 1. */
  stride?: number;
  /** Padding in pixels: one number for both sides, or `[before, after]`. Default 0. */
  padding?: number | [number, number];
  /** Spacing between kernel taps. Default 1. */
  dilation?: number;
}): number {
  const op = 'convOutputSize';
  const o = checkOptions(op, opts, ['stride', 'padding', 'dilation']);
  checkIntAtLeast(op, 'size', size, 1);
  checkIntAtLeast(op, 'kernel', kernel, 1);
  const stride = o.stride === undefined ? 1 : checkIntAtLeast(op, 'stride', o.stride, 1);
  const dilation = o.dilation === undefined ? 1 : checkIntAtLeast(op, 'dilation', o.dilation, 1);
  let before = 0;
  let after = 0;
  if (Array.isArray(o.padding)) {
    before = checkIntAtLeast(op, 'padding[0]', o.padding[0], 0);
    after = checkIntAtLeast(op, 'padding[1]', o.padding[1], 0);
  } else if (o.padding !== undefined) {
    before = after = checkIntAtLeast(op, 'padding', o.padding, 0);
  }
  const out = outputSize(size, kernel, stride, before, after, dilation);
  if (out < 1) {
    throw rangeError(op, `output size ${out} < 1 (size ${size}, kernel ${kernel}, stride ${stride}, padding [${before}, ${after}], dilation ${dilation})`);
  }
  return out;
}
