// Pure-TypeScript batch normalization: the native kernels' twin (native/src/norm). Sums in
// double (JS numbers) around a per-channel shift, as natively.
import type { BatchNorm2dInfo } from '../../shape/batch-norm-info';

/** [count, plane/row stride] view of a BatchNorm2dInfo: channel c's elements, in order. */
function forEachOfChannel(info: BatchNorm2dInfo, c: number, f: (i: number) => void): void {
  const { batch: n, channels: C } = info, hw = info.height * info.width;
  if (info.layout === 'nhwc') {
    for (let r = 0, rows = n * hw; r < rows; r++) f(r * C + c);
  } else {
    for (let b = 0; b < n; b++) {
      const base = (b * C + c) * hw;
      for (let i = 0; i < hw; i++) f(base + i);
    }
  }
}

export function batchNorm2dStats(x: Float32Array, mean: Float32Array, variance: Float32Array, info: BatchNorm2dInfo): void {
  const count = info.batch * info.height * info.width;
  for (let c = 0; c < info.channels; c++) {
    const shift = x[info.layout === 'nhwc' ? c : c * info.height * info.width];
    let s = 0, q = 0;
    forEachOfChannel(info, c, (i) => { const d = Math.fround(x[i] - shift); s += d; q += d * d; });
    const m = s / count;
    mean[c] = shift + m;
    variance[c] = Math.max(0, q / count - m * m);
  }
}

export function batchNorm2dApply(x: Float32Array, scale: Float32Array, shift: Float32Array, y: Float32Array, info: BatchNorm2dInfo): void {
  for (let c = 0; c < info.channels; c++) {
    const a = scale[c], b = shift[c];
    forEachOfChannel(info, c, (i) => { y[i] = x[i] * a + b; });
  }
}

export function batchNorm2dBackward(dy: Float32Array, x: Float32Array, mean: Float32Array, invstd: Float32Array, scale: Float32Array,
  dx: Float32Array, dweight: Float32Array, dbias: Float32Array, info: BatchNorm2dInfo, training: boolean): void {
  const count = info.batch * info.height * info.width;
  for (let c = 0; c < info.channels; c++) {
    const m = mean[c], is = invstd[c], k = scale[c] * is;
    let sdy = 0, sdyx = 0;
    forEachOfChannel(info, c, (i) => { sdy += dy[i]; sdyx += Math.fround(dy[i] * Math.fround(x[i] - m)); });
    dbias[c] = sdy;
    dweight[c] = sdyx * is;
    const b = training ? -k * is * (sdyx * is) / count : 0, d = training ? -k * sdy / count : 0;
    forEachOfChannel(info, c, (i) => { dx[i] = dy[i] * k + ((x[i] - m) * b + d); });
  }
}
