// Pure-TypeScript pooling, forward and backward, both layouts through one strided loop nest.
import type { GlobalPool2dInfo, Pool2dInfo } from '../../shape/pool2d-info';
import { strides4, validTaps } from './strides';

/** Window bounds along one axis, PyTorch's rules: [start, end) clipped to the input, and the cip divisor span. */
function window(o: number, stride: number, pad: number, kernel: number, size: number, padAfter: number): [number, number, number] {
  const start = o * stride - pad;
  const end = Math.min(start + kernel, size + padAfter);
  return [Math.max(start, 0), Math.min(end, size), end - start];
}

export function maxPool2d(x: Float32Array, y: Float32Array, info: Pool2dInfo): void {
  forEachMaxWindow(x, info, (yi, xi) => { y[yi] = xi < 0 ? -Infinity : x[xi]; });
}

export function maxPool2dBackward(dy: Float32Array, x: Float32Array, dx: Float32Array, info: Pool2dInfo): void {
  dx.fill(0);
  forEachMaxWindow(x, info, (yi, xi) => { if (xi >= 0) dx[xi] += dy[yi]; });
}

/** Calls visit(outputIndex, indexOfFirstMaxInScanOrder) for every output cell (-1: no real cell). */
function forEachMaxWindow(x: Float32Array, info: Pool2dInfo, visit: (yi: number, xi: number) => void): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth, kernelH, kernelW, strideH, strideW,
    padTop, padLeft, dilationH, dilationW, layout } = info;
  const xs = strides4(layout, channels, inHeight, inWidth);
  const ys = strides4(layout, channels, outHeight, outWidth);
  // The taps inside the input, per output row and column, computed once for all (n, c).
  const rows = Array.from({ length: outHeight }, (_, oh) => validTaps(oh * strideH - padTop, dilationH, kernelH, inHeight));
  const cols = Array.from({ length: outWidth }, (_, ow) => validTaps(ow * strideW - padLeft, dilationW, kernelW, inWidth));
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const xb = n * xs.n + c * xs.c;
      const yb = n * ys.n + c * ys.c;
      for (let oh = 0; oh < outHeight; oh++) {
        const h0 = oh * strideH - padTop;
        const [khFirst, khLast] = rows[oh];
        for (let ow = 0; ow < outWidth; ow++) {
          const w0 = ow * strideW - padLeft;
          const [kwFirst, kwLast] = cols[ow];
          let best = -Infinity;
          let bestIdx = -1;
          for (let kh = khFirst; kh <= khLast; kh++) {
            const ih = h0 + kh * dilationH;
            for (let kw = kwFirst; kw <= kwLast; kw++) {
              const iw = w0 + kw * dilationW;
              const xi = xb + ih * xs.h + iw * xs.w;
              const v = x[xi];
              // NaN wins (and stays), as in PyTorch; otherwise the first strict maximum.
              if (v > best || bestIdx < 0 || (v !== v && best === best)) {
                best = v;
                bestIdx = xi;
              }
            }
          }
          visit(yb + oh * ys.h + ow * ys.w, bestIdx);
        }
      }
    }
  }
}

function forEachAvgWindow(info: Pool2dInfo, visit: (yi: number, xb: number, h0: number, h1: number, w0: number, w1: number, divisor: number) => void): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth, kernelH, kernelW, strideH, strideW,
    padTop, padBottom, padLeft, padRight, countIncludePad, layout } = info;
  const xs = strides4(layout, channels, inHeight, inWidth);
  const ys = strides4(layout, channels, outHeight, outWidth);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const xb = n * xs.n + c * xs.c;
      const yb = n * ys.n + c * ys.c;
      for (let oh = 0; oh < outHeight; oh++) {
        const [h0, h1, hSpan] = window(oh, strideH, padTop, kernelH, inHeight, padBottom);
        for (let ow = 0; ow < outWidth; ow++) {
          const [w0, w1, wSpan] = window(ow, strideW, padLeft, kernelW, inWidth, padRight);
          const divisor = countIncludePad ? hSpan * wSpan : (h1 - h0) * (w1 - w0);
          visit(yb + oh * ys.h + ow * ys.w, xb, h0, h1, w0, w1, divisor);
        }
      }
    }
  }
}

export function avgPool2d(x: Float32Array, y: Float32Array, info: Pool2dInfo): void {
  const xs = strides4(info.layout, info.channels, info.inHeight, info.inWidth);
  forEachAvgWindow(info, (yi, xb, h0, h1, w0, w1, divisor) => {
    let s = 0;
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[xb + ih * xs.h + iw * xs.w];
    y[yi] = s / divisor;
  });
}

export function avgPool2dBackward(dy: Float32Array, dx: Float32Array, info: Pool2dInfo): void {
  const xs = strides4(info.layout, info.channels, info.inHeight, info.inWidth);
  dx.fill(0);
  forEachAvgWindow(info, (yi, xb, h0, h1, w0, w1, divisor) => {
    const g = dy[yi] / divisor;
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[xb + ih * xs.h + iw * xs.w] += g;
  });
}

function globalPool(x: Float32Array, y: Float32Array, info: GlobalPool2dInfo, max: boolean): void {
  const { batch, channels, height, width, layout } = info;
  const xs = strides4(layout, channels, height, width);
  const hw = height * width;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const xb = n * xs.n + c * xs.c;
      const step = layout === 'nchw' ? 1 : channels;
      let acc = max ? -Infinity : 0;
      for (let i = 0; i < hw; i++) {
        const v = x[xb + i * step];
        if (max) { if (v > acc || v !== v) acc = v; } else acc += v;
      }
      y[n * channels + c] = max ? acc : acc / hw;
    }
  }
}

export function globalAvgPool2d(x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void {
  globalPool(x, y, info, false);
}

export function globalMaxPool2d(x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void {
  globalPool(x, y, info, true);
}
