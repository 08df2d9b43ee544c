// Pure-TypeScript strided copy and pad: the native kernels' twin (native/src/copy).
import type { PadInfo, StridedCopyInfo } from '../../shape/copy-info';

export function copyStrided(x: Float32Array, y: Float32Array, info: StridedCopyInfo): void {
  const { shape, xStrides, yStrides } = info, r = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const idx = new Array<number>(r).fill(0);
  let xo = info.xOffset, yo = info.yOffset;
  for (let t = 0; t < total; t++) {
    y[yo] = x[xo];
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) { xo += xStrides[d]; yo += yStrides[d]; break; }
      idx[d] = 0;
      xo -= (shape[d] - 1) * xStrides[d];
      yo -= (shape[d] - 1) * yStrides[d];
    }
  }
}

/** The input index output index o of a dimension reads, or -1 (the constant fill). */
function source(mode: PadInfo['mode'], n: number, begin: number, o: number): number {
  const i = o - begin;
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  return i < 0 ? -i : 2 * (n - 1) - i;
}

export function pad(x: Float32Array, y: Float32Array, info: PadInfo): void {
  const { inShape, begins, ends, mode, value } = info, r = inShape.length;
  const out = inShape.map((n, d) => n + begins[d] + ends[d]);
  const total = out.reduce((a, b) => a * b, 1);
  const xs = new Array<number>(r);
  for (let d = r - 1, s = 1; d >= 0; d--) { xs[d] = s; s *= inShape[d]; }
  const idx = new Array<number>(r).fill(0);
  for (let t = 0; t < total; t++) {
    let xo = 0, fill = false;
    for (let d = 0; d < r; d++) {
      const i = source(mode, inShape[d], begins[d], idx[d]);
      if (i < 0) { fill = true; break; }
      xo += i * xs[d];
    }
    y[t] = fill ? value : x[xo];
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}
