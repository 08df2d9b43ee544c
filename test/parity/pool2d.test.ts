// native pooling == ts pooling on random windows, both layouts, ceil mode, padding, dilation;
// plus named windows for every kernel kind (stride 1, 2x2/2, general; NHWC with overlapping
// windows and without; windows far larger than the image; global). Every call asserts the
// kernel kind the driver chose (helpers/paths.ts) and the suite that every kind ran.
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { globalPool2dInfo, pool2dInfo, type Pool2dInfo } from '../../lib/shape/pool2d-info';
import { randomPoolInfo } from '../helpers/configs';
import { prng, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';
import { expectedGlobalPoolPath, expectedPoolPath, lastPath, simdLevel } from '../helpers/paths';

const skip = !info().native.loaded && !nativeRequired();

function randomPool(seed: number, kind: 'max' | 'avg') {
  const r = prng(seed);
  const info = randomPoolInfo(r, kind);
  return { info, x: randomData(r, info.batch * info.channels * info.inHeight * info.inWidth) };
}

/** Windows that reach each kernel kind of the AVX-512 plane/row kernels, in both layouts. */
const named: { name: string; x: number[]; opts: Record<string, unknown> }[] = [
  { name: 'stride 1 3x3 pad 1', x: [2, 5, 11, 13], opts: { kernel: 3, stride: 1, padding: 1 } },
  { name: 'stride 1 2x5 dilation 2x3', x: [1, 3, 9, 30], opts: { kernel: [2, 5], stride: 1, dilation: [2, 3] } },
  { name: '2x2/2', x: [2, 17, 12, 10], opts: { kernel: 2, stride: 2 } },
  { name: '2x2/2 odd size ceil mode', x: [1, 3, 9, 7], opts: { kernel: 2, stride: 2, ceilMode: true } },
  { name: 'general 3x3/2 pad 1', x: [1, 20, 15, 17], opts: { kernel: 3, stride: 2, padding: 1 } },
  { name: 'general 4x1/3 (stride > kernel along W)', x: [1, 4, 14, 19], opts: { kernel: [4, 1], stride: [2, 3] } },
  { name: 'general 3x3/2 pad 1 ceil, no count_include_pad', x: [2, 70, 8, 8], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false } },
  { name: 'clamped: a 70-row window over a 1-row image', x: [1, 2, 1, 3], opts: { kernel: [70, 1], stride: 1, padding: [35, 35, 0, 0] } },
];

function checkPool(kind: 'max' | 'avg', info: Pool2dInfo, x: Float32Array, seen: Set<string>): void {
  const size = info.batch * info.channels * info.outHeight * info.outWidth;
  const a = new Float32Array(size);
  const b = new Float32Array(size).fill(NaN);
  backends.ts[kind === 'max' ? 'maxPool2d' : 'avgPool2d'](x, a, info);
  lastPath('pool');
  backends.native[kind === 'max' ? 'maxPool2d' : 'avgPool2d'](x, b, info);
  const path = lastPath('pool');
  expect(path, `path of ${JSON.stringify(info)}`).toBe(expectedPoolPath(kind, info));
  seen.add(`${kind}:${path}`);
  if (kind === 'max') expect(Array.from(b)).toEqual(Array.from(a));
  else expect(worstRatio(b, a, 1e-6), JSON.stringify(info)).toBeLessThanOrEqual(1);
}

describe.skipIf(skip)('pool2d parity native vs ts', () => {
  itRunsAtForcedIsa();
  const seen = new Set<string>();
  for (const kind of ['max', 'avg'] as const) {
    it.each(Array.from({ length: 60 }, (_, i) => 500 + i))(`${kind} random config %i`, (seed) => {
      const { info, x } = randomPool(seed, kind);
      checkPool(kind, info, x, seen);
    });
    for (const layout of ['nchw', 'nhwc'] as const) {
      it.each(named.map((c) => [c.name, c] as const))(`${kind} ${layout} %s`, (_name, c) => {
        const xShape = layout === 'nchw' ? c.x : [c.x[0], c.x[2], c.x[3], c.x[1]];
        // Dilation is for max pooling only: avg takes the same window undilated.
        const info = pool2dInfo('test', kind, xShape, { ...c.opts, layout, dilation: kind === 'max' ? c.opts.dilation : undefined });
        checkPool(kind, info, randomData(prng(xShape.reduce((a, v) => a * 31 + v, 3)), xShape.reduce((a, v) => a * v, 1)), seen);
      });
    }
  }
  it.each([[1, 3, 7, 7], [2, 33, 5, 3], [1, 2048, 7, 7], [3, 17, 1, 1], [1, 45, 50, 50], [2, 16, 48, 48]])('global pools %i x %i x %i x %i', (n, c, h, w) => {
    for (const layout of ['nchw', 'nhwc'] as const) {
      const x = randomData(prng(n * c * h * w), n * c * h * w);
      const info = globalPool2dInfo('test', layout === 'nchw' ? [n, c, h, w] : [n, h, w, c], { layout });
      for (const op of ['globalAvgPool2d', 'globalMaxPool2d'] as const) {
        const a = new Float32Array(n * c);
        const b = new Float32Array(n * c).fill(NaN);
        backends.ts[op](x, a, info);
        lastPath('pool');
        backends.native[op](x, b, info);
        const path = lastPath('pool');
        expect(path).toBe(expectedGlobalPoolPath(op, layout));
        seen.add(`${op}:${path}`);
        expect(worstRatio(b, a, 1e-6)).toBeLessThanOrEqual(1);
      }
    }
  });
  it('every kernel kind of this ISA level ran', () => {
    const level = simdLevel() === 'avx512' ? '-avx512' : '';
    const want = ['max', 'avg'].flatMap((k) => [`${k}:nchw${level}`, `${k}:nhwc${level}`, `${k}:clamped`]);
    for (const l of ['nchw', 'nhwc']) want.push(`globalAvgPool2d:global-${l}${level}`, `globalMaxPool2d:global-${l}`);
    expect([...seen].sort()).toEqual(want.sort());
  });
});
