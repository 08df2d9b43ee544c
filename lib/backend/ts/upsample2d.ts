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

export function upsample2d(x: Float32Array, y: Float32Array, info: Upsample2dInfo): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth, layout } = info;
  const xs = strides4(layout, channels, inHeight, inWidth), ys = strides4(layout, channels, outHeight, outWidth);
  if (info.mode === 'nearest') {
    const rh = nearestTaps(inHeight, outHeight, info.scaleH), rw = nearestTaps(inWidth, outWidth, info.scaleW);
    for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) {
      const xb = n * xs.n + c * xs.c, yb = n * ys.n + c * ys.c;
      for (let oh = 0; oh < outHeight; oh++) {
        const xr = xb + rh[oh] * xs.h, yr = yb + oh * ys.h;
        for (let ow = 0; ow < outWidth; ow++) y[yr + ow * ys.w] = x[xr + rw[ow] * xs.w];
      }
    }
    return;
  }
  const th = linearTaps(inHeight, outHeight, info.scaleH, info.alignCorners);
  const tw = linearTaps(inWidth, outWidth, info.scaleW, info.alignCorners);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) {
    const xb = n * xs.n + c * xs.c, yb = n * ys.n + c * ys.c;
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = xb + th.i0[oh] * xs.h, r1 = xb + th.i1[oh] * xs.h, h0 = th.w0[oh], h1 = th.w1[oh];
      const yr = yb + oh * ys.h;
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = tw.i0[ow] * xs.w, c1 = tw.i1[ow] * xs.w, w0 = tw.w0[ow], w1 = tw.w1[ow];
        const top = f(f(w0 * x[r0 + c0]) + f(w1 * x[r0 + c1]));
        const bottom = f(f(w0 * x[r1 + c0]) + f(w1 * x[r1 + c1]));
        y[yr + ow * ys.w] = f(f(h0 * top) + f(h1 * bottom));
      }
    }
  }
}

/** dx (fully overwritten) from dy: each output's gradient added to the source cells it read, times their weights. */
export function upsample2dBackward(dy: Float32Array, dx: Float32Array, info: Upsample2dInfo): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth, layout } = info;
  const xs = strides4(layout, channels, inHeight, inWidth), ys = strides4(layout, channels, outHeight, outWidth);
  dx.fill(0);
  if (info.mode === 'nearest') {
    const rh = nearestTaps(inHeight, outHeight, info.scaleH), rw = nearestTaps(inWidth, outWidth, info.scaleW);
    for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) {
      const xb = n * xs.n + c * xs.c, yb = n * ys.n + c * ys.c;
      for (let oh = 0; oh < outHeight; oh++) {
        const xr = xb + rh[oh] * xs.h, yr = yb + oh * ys.h;
        for (let ow = 0; ow < outWidth; ow++) dx[xr + rw[ow] * xs.w] += dy[yr + ow * ys.w];
      }
    }
    return;
  }
  const th = linearTaps(inHeight, outHeight, info.scaleH, info.alignCorners);
  const tw = linearTaps(inWidth, outWidth, info.scaleW, info.alignCorners);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) {
    const xb = n * xs.n + c * xs.c, yb = n * ys.n + c * ys.c;
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = xb + th.i0[oh] * xs.h, r1 = xb + th.i1[oh] * xs.h, h0 = th.w0[oh], h1 = th.w1[oh];
      const yr = yb + oh * ys.h;
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = tw.i0[ow] * xs.w, c1 = tw.i1[ow] * xs.w, w0 = tw.w0[ow], w1 = tw.w1[ow];
        const g = dy[yr + ow * ys.w];
        // PyTorch's order: (h * w) * g, each product in float.
        dx[r0 + c0] += f(f(h0 * w0) * g);
        dx[r0 + c1] += f(f(h0 * w1) * g);
        dx[r1 + c0] += f(f(h1 * w0) * g);
        dx[r1 + c1] += f(f(h1 * w1) * g);
      }
    }
  }
}
