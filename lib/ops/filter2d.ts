// filter2d: textbook image filtering, each channel alone, as a depthwise conv2d.
import { checkOneOf, checkOptions } from '../check';
import { rangeError, shapeStr } from '../errors';
import { LAYOUTS } from '../shape/conv2d-info';
import { checkTensor, Tensor } from '../tensor';
import { conv2d } from './conv2d';

/** Options of {@link filter2d}. */
export interface Filter2dOptions {
  /** `'same'` (default): zero padding keeps the image size (odd kernels only); `'valid'`: no padding, the result shrinks by kh-1 rows and kw-1 columns. */
  padding?: 'same' | 'valid';
  /** `'convolution'` (default), the textbook definition, flips the kernel: `G[i,j] = sum H[u,v] F[i-u, j-v]`; `'correlation'` does not flip it: `G[i,j] = sum H[u,v] F[i+u, j+v]`. */
  mode?: 'convolution' | 'correlation';
  /** Where a rank-3 image keeps its channels: `'nhwc'` (`[H, W, C]`, the default for rank 3, as {@link image}.readPng returns) or `'nchw'` (`[C, H, W]`). Ignored for `[H, W]`. */
  layout?: 'nchw' | 'nhwc';
}

/**
 * Filters an image with a 2-D kernel, each channel alone (the image-processing operation:
 * blur, sharpen, edge detection), by convolution (default: the kernel is flipped) or
 * cross-correlation.
 * @example
 * ```ts
 * const edges = filter2d(image.readPng('photo.png'), filters.sobelX());   // [H, W, C]
 * ```
 * @param image - `[H, W]`, `[H, W, C]` (layout 'nhwc', the default for rank 3) or `[C, H, W]` (layout 'nchw').
 * @param kernel - `[kh, kw]`, e.g. from {@link filters}.
 * @param opts - padding (default 'same'), mode (default 'convolution'), layout; see {@link Filter2dOptions}.
 * @returns the filtered image, in image's layout: same size with 'same', smaller with 'valid'.
 */
export function filter2d(image: Tensor, kernel: Tensor, opts?: Filter2dOptions): Tensor {
  const op = 'filter2d';
  const img = checkTensor(op, 'image', image);
  const k = checkTensor(op, 'kernel', kernel);
  const o = checkOptions(op, opts, ['padding', 'mode', 'layout']);
  const padding = checkOneOf(op, 'padding', o.padding, ['same', 'valid'] as const, 'same');
  const mode = checkOneOf(op, 'mode', o.mode, ['convolution', 'correlation'] as const, 'convolution');
  // A rank-3 image is [H, W, C] unless told otherwise: what image.readPng returns.
  const layout = checkOneOf(op, 'layout', o.layout, LAYOUTS, img.rank === 3 ? 'nhwc' : 'nchw');
  if (k.rank !== 2) throw rangeError(op, `kernel must be [kh, kw], got kernel ${shapeStr(k.shape)}`);
  const [kh, kw] = k.shape;
  if (kh < 1 || kw < 1) throw rangeError(op, `kernel must not be empty, got kernel ${shapeStr(k.shape)}`);
  if (padding === 'same' && (kh % 2 === 0 || kw % 2 === 0)) {
    throw rangeError(op, `padding 'same' needs an odd kernel, got kernel ${shapeStr(k.shape)}`);
  }
  let x: Tensor;
  let channels: number;
  if (img.rank === 2) { x = img.reshape([1, 1, ...img.shape]); channels = 1; }
  else if (img.rank === 3) { x = img.reshape([1, ...img.shape]); channels = layout === 'nhwc' ? img.shape[2] : img.shape[0]; }
  else throw rangeError(op, `image must be [H, W], [C, H, W] or [H, W, C], got image ${shapeStr(img.shape)}`);
  const [h, wd] = layout === 'nhwc' || img.rank === 2 ? [x.shape[1 + (img.rank === 2 ? 1 : 0)], x.shape[2 + (img.rank === 2 ? 1 : 0)]] : [x.shape[2], x.shape[3]];
  if (padding === 'valid' && (kh > h || kw > wd)) {
    throw rangeError(op, `kernel ${shapeStr(k.shape)} is larger than the image ${shapeStr(img.shape)} with padding 'valid'`);
  }
  const taps = new Float32Array(kh * kw);
  for (let i = 0; i < taps.length; i++) taps[i] = mode === 'convolution' ? k.data[taps.length - 1 - i] : k.data[i];
  // Depthwise weight, one copy of the taps per channel: [C, 1, kh, kw] or [C, kh, kw, 1], same bytes.
  const w = new Float32Array(channels * taps.length);
  for (let c = 0; c < channels; c++) w.set(taps, c * taps.length);
  const wShape = layout === 'nhwc' && img.rank === 3 ? [channels, kh, kw, 1] : [channels, 1, kh, kw];
  const pad = padding === 'same' ? [(kh - 1) / 2, (kh - 1) / 2, (kw - 1) / 2, (kw - 1) / 2] as [number, number, number, number] : 0;
  const y = conv2d(x, new Tensor(w, wShape), { groups: channels, padding: pad, layout: img.rank === 3 ? layout : 'nchw' });
  return y.reshape(y.shape.slice(1 + (img.rank === 2 ? 1 : 0)));
}
