// Element strides of a [N, C, H, W]-indexed view over either layout, so one TS loop nest
// serves both NCHW and NHWC.
import type { Layout } from '../../shape/conv2d-info';

export interface Strides4 { n: number; c: number; h: number; w: number }

/** Strides for a tensor indexed (n, c, h, w) whose memory is in `layout` order. */
export function strides4(layout: Layout, c: number, h: number, w: number): Strides4 {
  return layout === 'nchw'
    ? { n: c * h * w, c: h * w, h: w, w: 1 }
    : { n: h * w * c, c: 1, h: w * c, w: c };
}

/** Conv weight strides indexed (o, i, kh, kw): OIHW for nchw, OHWI for nhwc. */
export function weightStrides(layout: Layout, cinG: number, kh: number, kw: number): Strides4 {
  return layout === 'nchw'
    ? { n: cinG * kh * kw, c: kh * kw, h: kw, w: 1 }
    : { n: kh * kw * cinG, c: 1, h: kw * cinG, w: cinG };
}

/** [lo, hi] output positions whose input index o*stride - pad + offset falls in [0, size). */
export function validRange(outSize: number, size: number, stride: number, pad: number, offset: number): [number, number] {
  const shift = pad - offset;
  const lo = Math.max(0, Math.ceil(shift / stride));
  const hi = Math.min(outSize - 1, Math.floor((size - 1 + shift) / stride));
  return [lo, hi];
}

/**
 * [first, last] tap indices k in [0, kernel) whose input index start + k*dilation lies in
 * [0, size), in O(1): the window loops visit only these, so the work never scales with the
 * kernel or the padding (kernel 2^31-1 with padding 2^30-1 over 9 cells is 9 taps, not 2^31).
 * first > last when no tap lands inside. Scan order is unchanged, so results are bit-identical.
 */
export function validTaps(start: number, dilation: number, kernel: number, size: number): [number, number] {
  const first = start >= 0 ? 0 : Math.ceil(-start / dilation);
  const last = Math.min(kernel - 1, Math.floor((size - 1 - start) / dilation));
  return [first, last];
}
