// Pure-TypeScript upsample2d (nearest, bilinear) and its gradient, both layouts through one
// strided loop nest. The source indices and weights follow PyTorch 1.13's CPU kernels in
// float32 arithmetic (Math.fround at each step), as native/src/upsample2d does.
import type { Upsample2dInfo } from '../../shape/upsample2d-info';
import { strides4 } from './strides';

const f = Math.fround;

/** One axis's source taps: output i reads i0[i] (weight w0[i]) and i1[i] (weight w1[i]). */
export interface AxisTaps { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array }

/** PyTorch's nearest_idx: out = in copies, out = 2 in halves, else floor(i * s) with s = 1/scale or in/out (float). */
export function nearestTaps(inSize: number, outSize: number, scale: number): Int32Array {
  const idx = new Int32Array(outSize);
  const s = scale > 0 ? f(1 / scale) : f(inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    if (outSize === inSize) idx[i] = i;
    else if (outSize === 2 * inSize) idx[i] = i >> 1;
    else idx[i] = Math.min(Math.floor(f(i * s)), inSize - 1);
  }
  return idx;
}

/** PyTorch's linear taps (area_pixel_compute_scale / _source_index, non-cubic). */
export function linearTaps(inSize: number, outSize: number, scale: number, alignCorners: boolean): AxisTaps {
  const t: AxisTaps = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Float32Array(outSize), w1: new Float32Array(outSize) };
  const s = alignCorners ? (outSize > 1 ? f(f(inSize - 1) / f(outSize - 1)) : 0) : (scale > 0 ? f(1 / scale) : f(inSize / outSize));
  for (let i = 0; i < outSize; i++) {
    const src = alignCorners ? f(s * i) : f(Math.max(s * (i + 0.5) - 0.5, 0));
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f(src - i0), 0), 1);
    t.i0[i] = i0;
    t.i1[i] = i0 + (i0 < inSize - 1 ? 1 : 0);
    t.w1[i] = lambda;
    t.w0[i] = f(1 - lambda);
  }
  return t;
}

/**
 * Every output cell of info in order, with flat indices into x (or dx) and y (or dy): nearest
 * calls nearest(xi, yi); bilinear calls bilinear(yi, r0, r1, c0, c1, h0, h1, w0, w1), rows r0,
 * r1 and columns c0, c1 being the offsets of the four source cells (x[r + c]) and h, w their weights.
 */
function forEachCell(info: Upsample2dInfo, nearest: (xi: number, yi: number) => void,
  bilinear: (yi: number, r0: number, r1: number, c0: number, c1: number, h0: number, h1: number, w0: number, w1: number) => void): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth, layout } = info;
  const xs = strides4(layout, channels, inHeight, inWidth), ys = strides4(layout, channels, outHeight, outWidth);
  const isNearest = info.mode === 'nearest';
  const rh = isNearest ? nearestTaps(inHeight, outHeight, info.scaleH) : null;
  const rw = isNearest ? nearestTaps(inWidth, outWidth, info.scaleW) : null;
  const th = isNearest ? null : linearTaps(inHeight, outHeight, info.scaleH, info.alignCorners);
  const tw = isNearest ? null : linearTaps(inWidth, outWidth, info.scaleW, info.alignCorners);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) {
    const xb = n * xs.n + c * xs.c, yb = n * ys.n + c * ys.c;
    for (let oh = 0; oh < outHeight; oh++) {
      const yr = yb + oh * ys.h;
      if (rh && rw) {
        const xr = xb + rh[oh] * xs.h;
        for (let ow = 0; ow < outWidth; ow++) nearest(xr + rw[ow] * xs.w, yr + ow * ys.w);
        continue;
      }
      const r0 = xb + th!.i0[oh] * xs.h, r1 = xb + th!.i1[oh] * xs.h, h0 = th!.w0[oh], h1 = th!.w1[oh];
      for (let ow = 0; ow < outWidth; ow++) {
        bilinear(yr + ow * ys.w, r0, r1, tw!.i0[ow] * xs.w, tw!.i1[ow] * xs.w, h0, h1, tw!.w0[ow], tw!.w1[ow]);
      }
    }
  }
}

export function upsample2d(x: Float32Array, y: Float32Array, info: Upsample2dInfo): void {
  forEachCell(info, (xi, yi) => { y[yi] = x[xi]; }, (yi, r0, r1, c0, c1, h0, h1, w0, w1) => {
    const top = f(f(w0 * x[r0 + c0]) + f(w1 * x[r0 + c1]));
    const bottom = f(f(w0 * x[r1 + c0]) + f(w1 * x[r1 + c1]));
    y[yi] = f(f(h0 * top) + f(h1 * bottom));
  });
}

/** dx (fully overwritten) from dy: each output's gradient added to the source cells it read, times their weights. */
export function upsample2dBackward(dy: Float32Array, dx: Float32Array, info: Upsample2dInfo): void {
  dx.fill(0);
  forEachCell(info, (xi, yi) => { dx[xi] += dy[yi]; }, (yi, r0, r1, c0, c1, h0, h1, w0, w1) => {
    const g = dy[yi];
    // PyTorch's order: (h * w) * g, each product in float.
    dx[r0 + c0] += f(f(h0 * w0) * g);
    dx[r0 + c1] += f(f(h0 * w1) * g);
    dx[r1 + c0] += f(f(h1 * w0) * g);
    dx[r1 + c1] += f(f(h1 * w1) * g);
  });
}
