// Pure-TypeScript convolution: the reference every native path is checked against, and the
// fallback where the addon cannot load. Loops are ordered so the innermost one walks a
// contiguous output row (NCHW) with bounds hoisted out of it.
import type { Conv2dInfo } from '../../shape/conv2d-info';
import { strides4, validRange, weightStrides } from './strides';

export function conv2d(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo): void {
  const { batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelH, kernelW,
    strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, layout } = info;
  const cinG = inChannels / groups;
  const coutG = outChannels / groups;
  const xs = strides4(layout, inChannels, inHeight, inWidth);
  const ys = strides4(layout, outChannels, outHeight, outWidth);
  const ws = weightStrides(layout, cinG, kernelH, kernelW);
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outChannels; oc++) {
      const g = Math.floor(oc / coutG);
      const yb = n * ys.n + oc * ys.c;
      const bias = b === null ? 0 : b[oc];
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) y[yb + oh * ys.h + ow * ys.w] = bias;
      }
      for (let icg = 0; icg < cinG; icg++) {
        const xb = n * xs.n + (g * cinG + icg) * xs.c;
        for (let kh = 0; kh < kernelH; kh++) {
          const [ohLo, ohHi] = validRange(outHeight, inHeight, strideH, padTop, kh * dilationH);
          for (let kw = 0; kw < kernelW; kw++) {
            const wv = w[oc * ws.n + icg * ws.c + kh * ws.h + kw * ws.w];
            const [owLo, owHi] = validRange(outWidth, inWidth, strideW, padLeft, kw * dilationW);
            for (let oh = ohLo; oh <= ohHi; oh++) {
              const xrow = xb + (oh * strideH - padTop + kh * dilationH) * xs.h + (kw * dilationW - padLeft) * xs.w;
              const yrow = yb + oh * ys.h;
              for (let ow = owLo; ow <= owHi; ow++) {
                y[yrow + ow * ys.w] += wv * x[xrow + ow * strideW * xs.w];
              }
            }
          }
        }
      }
    }
  }
  if (info.activation === 'relu') {
    for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = 0;
  }
}

/** dx[n, ic, ih, iw] = sum over (oc, kh, kw) hitting it of w[oc, ic, kh, kw] * dy[n, oc, oh, ow]. */
export function conv2dBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2dInfo): void {
  const { batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelH, kernelW,
    strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, layout } = info;
  const cinG = inChannels / groups;
  const coutG = outChannels / groups;
  const xs = strides4(layout, inChannels, inHeight, inWidth);
  const ys = strides4(layout, outChannels, outHeight, outWidth);
  const ws = weightStrides(layout, cinG, kernelH, kernelW);
  dx.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outChannels; oc++) {
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
              const xrow = xb + (oh * strideH - padTop + kh * dilationH) * xs.h + (kw * dilationW - padLeft) * xs.w;
              const yrow = yb + oh * ys.h;
              for (let ow = owLo; ow <= owHi; ow++) {
                dx[xrow + ow * strideW * xs.w] += wv * dy[yrow + ow * ys.w];
              }
            }
          }
        }
      }
    }
  }
}

/** dw[oc, ic, kh, kw] = sum over n, oh, ow of dy * x at the tap; db[oc] = sum of dy. */
export function conv2dBackwardFilter(dy: Float32Array, x: Float32Array, dw: Float32Array, db: Float32Array | null, info: Conv2dInfo): void {
  const { batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelH, kernelW,
    strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, layout } = info;
  const cinG = inChannels / groups;
  const coutG = outChannels / groups;
  const xs = strides4(layout, inChannels, inHeight, inWidth);
  const ys = strides4(layout, outChannels, outHeight, outWidth);
  const ws = weightStrides(layout, cinG, kernelH, kernelW);
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
              const xrow = xb + (oh * strideH - padTop + kh * dilationH) * xs.h + (kw * dilationW - padLeft) * xs.w;
              const yrow = yb + oh * ys.h;
              for (let ow = owLo; ow <= owHi; ow++) s += dy[yrow + ow * ys.w] * x[xrow + ow * strideW * xs.w];
            }
          }
          dw[oc * ws.n + icg * ws.c + kh * ws.h + kw * ws.w] = s;
        }
      }
    }
  }
}
