// native pooling == ts pooling on random windows, both layouts, ceil mode, padding, dilation.
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { globalPool2dInfo } from '../../lib/shape/pool2d-info';
import { randomPoolInfo } from '../helpers/configs';
import { prng, randomData, worstRatio } from '../helpers/random';
import { nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

function randomPool(seed: number, kind: 'max' | 'avg') {
  const r = prng(seed);
  const info = randomPoolInfo(r, kind);
  return { info, x: randomData(r, info.batch * info.channels * info.inHeight * info.inWidth) };
}

describe.skipIf(skip)('pool2d parity native vs ts', () => {
  for (const kind of ['max', 'avg'] as const) {
    it.each(Array.from({ length: 60 }, (_, i) => 500 + i))(`${kind} random config %i`, (seed) => {
      const { info, x } = randomPool(seed, kind);
      const size = info.batch * info.channels * info.outHeight * info.outWidth;
      const a = new Float32Array(size);
      const b = new Float32Array(size).fill(NaN);
      backends.ts[kind === 'max' ? 'maxPool2d' : 'avgPool2d'](x, a, info);
      backends.native[kind === 'max' ? 'maxPool2d' : 'avgPool2d'](x, b, info);
      if (kind === 'max') expect(Array.from(b)).toEqual(Array.from(a));
      else expect(worstRatio(b, a, 1e-6), JSON.stringify(info)).toBeLessThanOrEqual(1);
    });
  }
  it.each([[1, 3, 7, 7], [2, 33, 5, 3], [1, 2048, 7, 7], [3, 17, 1, 1]])('global pools %i x %i x %i x %i', (n, c, h, w) => {
    for (const layout of ['nchw', 'nhwc'] as const) {
      const x = randomData(prng(n * c * h * w), n * c * h * w);
      const info = globalPool2dInfo('test', layout === 'nchw' ? [n, c, h, w] : [n, h, w, c], { layout });
      for (const op of ['globalAvgPool2d', 'globalMaxPool2d'] as const) {
        const a = new Float32Array(n * c);
        const b = new Float32Array(n * c).fill(NaN);
        backends.ts[op](x, a, info);
        backends.native[op](x, b, info);
        expect(worstRatio(b, a, 1e-6)).toBeLessThanOrEqual(1);
      }
    }
  });
});
