// native pooling == ts pooling on random windows, both layouts, ceil mode, padding, dilation.
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { globalPool2dInfo, pool2dInfo } from '../../lib/shape/pool2d-info';
import { pick, prng, randInt, randomData, worstRatio } from '../helpers/random';
import { nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

function randomPool(seed: number, kind: 'max' | 'avg') {
  const r = prng(seed);
  const layout = pick(r, ['nchw', 'nhwc'] as const);
  const kh = randInt(r, 1, 4);
  const kw = randInt(r, 1, 4);
  const dil: [number, number] = kind === 'max' && r() < 0.3 ? [randInt(r, 1, 2), randInt(r, 1, 2)] : [1, 1];
  const pad: [number, number, number, number] = [randInt(r, 0, kh >> 1), randInt(r, 0, kh >> 1), randInt(r, 0, kw >> 1), randInt(r, 0, kw >> 1)];
  const n = randInt(r, 1, 2);
  const c = randInt(r, 1, 35);
  const h = randInt(r, dil[0] * (kh - 1) + 1, 19);
  const w = randInt(r, dil[1] * (kw - 1) + 1, 21);
  const xShape = layout === 'nchw' ? [n, c, h, w] : [n, h, w, c];
  const info = pool2dInfo('test', kind, xShape, {
    kernel: [kh, kw], stride: [randInt(r, 1, 3), randInt(r, 1, 3)], padding: pad, dilation: dil,
    ceilMode: r() < 0.4, countIncludePad: r() < 0.5, layout,
  });
  return { info, x: randomData(r, n * c * h * w) };
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
