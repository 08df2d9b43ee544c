// Pure-TypeScript convolution: the reference every native path is checked against, and the
// fallback where the addon cannot load. Loops are ordered so the innermost one walks a
// contiguous output row (NCHW) with bounds hoisted out of it.
import type { Activation, Conv2dInfo } from '../../shape/conv2d-info';
import { strides4, validRange, weightStrides, type Strides4 } from './strides';

/** Per-call geometry shared by the three loop nests: group sizes and element strides. */
type Geometry = ReturnType<typeof geometry>;
function geometry(info: Conv2dInfo) {
  const { layout, groups, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelH, kernelW } = info;
  const cinG = inChannels / groups;
  return {
    cinG,
    coutG: outChannels / groups,
    xs: strides4(layout, inChannels, inHeight, inWidth),
    ys: strides4(layout, outChannels, outHeight, outWidth),
    ws: weightStrides(layout, cinG, kernelH, kernelW),
  };
}

/**
 * Every tap of output channel `oc` in image `n`, as rows: visit(wv, xrow, yrow, owLo, owHi)
 * once per (input channel of its group, kh, kw, oh) that reaches the input, where the tap
 * pairs y[yrow + ow * ys.w] with x[xrow + ow * strideW * xs.w] for ow in [owLo, owHi] and wv
 * is the weight. Rows come in the order (icg, kh, kw, oh).
 */
function forEachTapRow(info: Conv2dInfo, geo: Geometry, w: Float32Array, n: number, oc: number,
  visit: (wv: number, xrow: number, yrow: number, owLo: number, owHi: number) => void): void {
  const { inHeight, inWidth, outHeight, outWidth, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = info;
  const { cinG, coutG, xs, ys, ws } = geo;
  const g = Math.floor(oc / coutG);
  const yb = n * ys.n + oc * ys.c;
  for (let icg = 0; icg < cinG; icg++) {
    const xb = n * xs.n + (g * cinG + icg) * xs.c;
    for (let kh = 0; kh < kernelH; kh++) {
      const [ohLo, ohHi] = validRange(outHeight, inHeight, strideH, padTop, kh * dilationH);
      for (let kw = 0; kw < kernelW; kw++) {
        const wv = w[oc * ws.n + icg * ws.c + kh * ws.h + kw * ws.w];
        const [owLo, owHi] = validRange(outWidth, inWidth, strideW, padLeft, kw * dilationW);
        for (let oh = ohLo; oh <= ohHi; oh++) {
          visit(wv, xb + tapOffset(info, xs, oh, kh, kw), yb + oh * ys.h, owLo, owHi);
        }
      }
    }
  }
}

/** Offset within an input channel of the input element under output row oh, column 0, for tap (kh, kw). */
function tapOffset(info: Conv2dInfo, xs: Strides4, oh: number, kh: number, kw: number): number {
  return (oh * info.strideH - info.padTop + kh * info.dilationH) * xs.h + (kw * info.dilationW - info.padLeft) * xs.w;
}

/**
 * The fused epilogue's activation of one value, in double (the native epilogues approximate
 * e^x to about 2e-7 relative): relu, relu6, sigmoid, silu = v * sigmoid(v),
 * hardSwish = v * relu6(v + 3) / 6; NaN stays NaN.
 */
export function activate(kind: Activation, v: number): number {
  switch (kind) {
    case 'relu': return v < 0 ? 0 : v;
    case 'relu6': return v < 0 ? 0 : v > 6 ? 6 : v;
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'silu': return v / (1 + Math.exp(-v));
    case 'hardSwish': { const t = v + 3; return (v * (t < 0 ? 0 : t > 6 ? 6 : t)) / 6; }
    default: return v;
  }
}

/**
 * y = act(conv(x, w) + b + r); r (y's size) or null is the residual. Each output plane is
 * finished (residual, activation) right after its sums, as the native epilogues do per tile.
 */
export function conv2d(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r: Float32Array | null = null): void {
  const { batch, outChannels, outHeight, outWidth, strideW, activation } = info;
  const geo = geometry(info);
  const { xs, ys } = geo;
  const xw = strideW * xs.w;
  const finish = r !== null || activation !== 'none';
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outChannels; oc++) {
      const yb = n * ys.n + oc * ys.c;
      const bias = b === null ? 0 : b[oc];
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) y[yb + oh * ys.h + ow * ys.w] = bias;
      }
      forEachTapRow(info, geo, w, n, oc, (wv, xrow, yrow, owLo, owHi) => {
        for (let ow = owLo; ow <= owHi; ow++) y[yrow + ow * ys.w] += wv * x[xrow + ow * xw];
      });
      if (!finish) continue;
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          const i = yb + oh * ys.h + ow * ys.w;
          // The sum rounded to float32 first, as the native epilogues add in float.
          y[i] = activate(activation, r === null ? y[i] : Math.fround(y[i] + r[i]));
        }
      }
    }
  }
}

/** dx[n, ic, ih, iw] = sum over (oc, kh, kw) hitting it of w[oc, ic, kh, kw] * dy[n, oc, oh, ow]. */
export function conv2dBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2dInfo): void {
  const { batch, outChannels, strideW } = info;
  const geo = geometry(info);
  const { xs, ys } = geo;
  const xw = strideW * xs.w;
  dx.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outChannels; oc++) {
      forEachTapRow(info, geo, w, n, oc, (wv, xrow, yrow, owLo, owHi) => {
        for (let ow = owLo; ow <= owHi; ow++) dx[xrow + ow * xw] += wv * dy[yrow + ow * ys.w];
      });
    }
  }
}

/** dw[oc, ic, kh, kw] = sum over n, oh, ow of dy * x at the tap; db[oc] = sum of dy. */
export function conv2dBackwardFilter(dy: Float32Array, x: Float32Array, dw: Float32Array, db: Float32Array | null, info: Conv2dInfo): void {
  const { batch, inHeight, inWidth, outChannels, outHeight, outWidth, kernelH, kernelW,
    strideH, strideW, padTop, padLeft, dilationH, dilationW } = info;
  const { cinG, coutG, xs, ys, ws } = geometry(info);
  const xw = strideW * xs.w;
  for (let oc = 0; oc < outChannels; oc++) {
    const g = Math.floor(oc / coutG);
    if (db !== null) {
      let s = 0;
      for (let n = 0; n < batch; n++) {
        const yb = n * ys.n + oc * ys.c;
        for (let oh = 0; oh < outHeight; oh++) for (let ow = 0; ow < outWidth; ow++) s += dy[yb + oh * ys.h + ow * ys.w];
      }
      db[oc] = s;
    }
    for (let icg = 0; icg < cinG; icg++) {
      for (let kh = 0; kh < kernelH; kh++) {
        const [ohLo, ohHi] = validRange(outHeight, inHeight, strideH, padTop, kh * dilationH);
        for (let kw = 0; kw < kernelW; kw++) {
          const [owLo, owHi] = validRange(outWidth, inWidth, strideW, padLeft, kw * dilationW);
          let s = 0;
          for (let n = 0; n < batch; n++) {
            const xb = n * xs.n + (g * cinG + icg) * xs.c;
            const yb = n * ys.n + oc * ys.c;
            for (let oh = ohLo; oh <= ohHi; oh++) {
              const xrow = xb + tapOffset(info, xs, oh, kh, kw);
              const yrow = yb + oh * ys.h;
              for (let ow = owLo; ow <= owHi; ow++) s += dy[yrow + ow * ys.w] * x[xrow + ow * xw];
            }
          }
          dw[oc * ws.n + icg * ws.c + kh * ws.h + kw * ws.w] = s;
        }
      }
    }
  }
}
