// native pooling gradients == ts gradients on random windows: both layouts, ceil mode,
// asymmetric padding, dilation, overlapping windows, count_include_pad; max also with ties
// (the first maximum wins) and NaN / infinities (the first NaN wins).
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { pool2dInfo } from '../../lib/shape/pool2d-info';
import { randomPoolInfo } from '../helpers/configs';
import { prng, randomData, worstRatio } from '../helpers/random';
import { nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

function randomPool(seed: number, kind: 'max' | 'avg') {
  const r = prng(seed);
  const info = randomPoolInfo(r, kind, { maxBatch: 3, maxChannels: 80 });
  const { batch: n, channels: c, inHeight: h, inWidth: w } = info;
  const x = randomData(r, n * c * h * w);
  const special = r();
  if (special < 0.25) {
    for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 2);  // ties
  } else if (special < 0.4) {
    for (let i = 0; i < x.length; i++) {
      const u = r();
      if (u < 0.1) x[i] = NaN;
      else if (u < 0.2) x[i] = -Infinity;
      else if (u < 0.25) x[i] = Infinity;
    }
  }
  const dy = randomData(r, n * c * info.outHeight * info.outWidth);
  return { info, x, dy };
}

describe.skipIf(skip)('pool2d backward parity native vs ts', () => {
  it.each(Array.from({ length: 80 }, (_, i) => 700 + i))('maxPool2dBackward random config %i', (seed) => {
    const { info: pi, x, dy } = randomPool(seed, 'max');
    const a = new Float32Array(x.length);
    const b = new Float32Array(x.length).fill(NaN);
    backends.ts.maxPool2dBackward(dy, x, a, pi);
    backends.native.maxPool2dBackward(dy, x, b, pi);
    // Same cells, same order of additions per cell: equal up to float rounding of each sum.
    expect(worstRatio(b, a, 1e-6), JSON.stringify(pi)).toBeLessThanOrEqual(1);
  });
  it.each(Array.from({ length: 80 }, (_, i) => 900 + i))('avgPool2dBackward random config %i', (seed) => {
    const { info: pi, x, dy } = randomPool(seed, 'avg');
    const a = new Float32Array(x.length);
    const b = new Float32Array(x.length).fill(NaN);
    backends.ts.avgPool2dBackward(dy, a, pi);
    backends.native.avgPool2dBackward(dy, b, pi);
    const k = pi.kernelH * pi.kernelW;
    expect(worstRatio(b, a, 4 * 1.2e-7 * Math.sqrt(k) * k), JSON.stringify(pi)).toBeLessThanOrEqual(1);
  });
  it('max: the first of equal maxima and the first NaN take the gradient', () => {
    const pi = pool2dInfo('test', 'max', [1, 1, 1, 4], { kernel: [1, 4], stride: 1 });
    for (const [x, want] of [[[2, 2, 1, 2], [5, 0, 0, 0]], [[1, NaN, 9, NaN], [0, 5, 0, 0]], [[-Infinity, -Infinity, -Infinity, -Infinity], [5, 0, 0, 0]]]) {
      const dx = new Float32Array(4).fill(NaN);
      backends.native.maxPool2dBackward(Float32Array.of(5), Float32Array.from(x), dx, pi);
      expect(Array.from(dx)).toEqual(want);
    }
  });
});
