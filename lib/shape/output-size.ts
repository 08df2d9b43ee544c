// The output-size formula of the slides, generalised: floor((in + pb + pa - d*(k-1) - 1)/s) + 1.
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

/** Public helper: `convOutputSize(64, 5, { padding: 2 })` = 64. padding may be [before, after]. */
export function convOutputSize(size: number, kernel: number, opts?: { stride?: number; padding?: number | [number, number]; dilation?: number }): number {
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
