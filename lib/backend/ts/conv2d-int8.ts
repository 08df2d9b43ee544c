// conv2d on int8 operands, the ts backend's exact reference of native conv2d_int8
// (native/include/convkit/conv2d.h): x quantized with one scale, each output channel's filter
// with its own (both as the int8 GEMM quantizes: lib/backend/ts/qgemm.ts), the products of the
// taps inside the image summed exactly (a padded tap is the zero point, q = 0), the sum
// dequantized d = fl(fl(q) * fl(sx * sw_o)), then the epilogue as conv2d's: fl(d + b), fl(+ r),
// the activation.
import type { Conv2dInfo } from '../../shape/conv2d-info';
import { activate } from './conv2d';
import { quantize, scaleOfRange } from './qgemm';

const f32 = Math.fround;

export function conv2dInt8(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r: Float32Array | null = null): void {
  const { batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: O, outHeight: OH, outWidth: OW, kernelH: KH, kernelW: KW, groups: G } = info;
  const nhwc = info.layout === 'nhwc';
  const cinG = C / G, coutG = O / G, taps = cinG * KH * KW, P = OH * OW;
  const sx = scaleOfRange(x, 0, N * C * H * W);
  const xq = new Int32Array(N * C * H * W);
  for (let i = 0; i < xq.length; i++) xq[i] = quantize(x[i], Number.isNaN(sx) ? 0 : sx);
  const xAt = nhwc ? (n: number, c: number, h: number, wi: number) => ((n * H + h) * W + wi) * C + c
    : (n: number, c: number, h: number, wi: number) => ((n * C + c) * H + h) * W + wi;
  const wAt = nhwc ? (o: number, ci: number, kh: number, kw: number) => ((o * KH + kh) * KW + kw) * cinG + ci
    : (o: number, ci: number, kh: number, kw: number) => ((o * cinG + ci) * KH + kh) * KW + kw;
  const wq = new Int32Array(taps);
  for (let o = 0; o < O; o++) {
    // A filter is contiguous in both layouts: [Cin/G, KH, KW] or [KH, KW, Cin/G].
    const sw = scaleOfRange(w, o * taps, taps);
    for (let t = 0; t < taps; t++) wq[t] = quantize(w[o * taps + t], Number.isNaN(sw) ? 0 : sw);
    const s = f32(sx * sw);
    const g = Math.floor(o / coutG);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let q = 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * info.strideH - info.padTop + kh * info.dilationH;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * info.strideW - info.padLeft + kw * info.dilationW;
              if (iw < 0 || iw >= W) continue;
              for (let ci = 0; ci < cinG; ci++) q += xq[xAt(n, g * cinG + ci, ih, iw)] * wq[wAt(o, ci, kh, kw) - o * taps];
            }
          }
          const at = nhwc ? (n * P + oh * OW + ow) * O + o : (n * O + o) * P + oh * OW + ow;
          let v = f32(f32(q) * s);
          if (b !== null) v = f32(v + b[o]);
          if (r !== null) v = f32(v + r[at]);
          y[at] = info.activation === 'none' ? v : activate(info.activation, v);
        }
      }
    }
  }
}
