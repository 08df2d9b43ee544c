// native pooling gradients == ts gradients on random windows: both layouts, ceil mode,
// asymmetric padding, dilation, overlapping windows, count_include_pad; max also with ties
// (the first maximum wins) and NaN / infinities (the first NaN wins).
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { pool2dInfo, type Pool2dInfo } from '../../lib/shape/pool2d-info';
import { randomPoolInfo } from '../helpers/configs';
import { prng, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';
import { expectedPoolPath, lastPath, simdLevel } from '../helpers/paths';

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

/** Windows for every backward kernel kind (2x2/2 tiling windows, stride 1, general, clamped), both layouts. */
const named: { name: string; x: number[]; opts: Record<string, unknown> }[] = [
  { name: '2x2/2', x: [2, 17, 12, 10], opts: { kernel: 2, stride: 2 } },
  { name: '2x2/2 odd size', x: [1, 3, 9, 7], opts: { kernel: 2, stride: 2 } },
  { name: 'stride 1 3x3 pad 1', x: [2, 5, 11, 13], opts: { kernel: 3, stride: 1, padding: 1 } },
  { name: 'general 3x3/2 pad 1 ceil', x: [1, 20, 15, 17], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true } },
  { name: 'general 4x1/3', x: [1, 70, 14, 19], opts: { kernel: [4, 1], stride: [2, 3] } },
  { name: 'clamped: a 70-row window over a 1-row image', x: [1, 2, 1, 3], opts: { kernel: [70, 1], stride: 1, padding: [35, 35, 0, 0] } },
];

describe.skipIf(skip)('pool2d backward parity native vs ts', () => {
  itRunsAtForcedIsa();
  const seen = new Set<string>();
  function runNative(kind: 'max' | 'avg', pi: Pool2dInfo, f: () => void): void {
    lastPath('pool');
    f();
    const path = lastPath('pool');
    expect(path, `path of ${JSON.stringify(pi)}`).toBe(expectedPoolPath(kind === 'max' ? 'maxBackward' : 'avgBackward', pi));
    seen.add(`${kind}:${path}`);
  }
  for (const kind of ['max', 'avg'] as const) {
    for (const layout of ['nchw', 'nhwc'] as const) {
      it.each(named.map((c) => [c.name, c] as const))(`${kind} ${layout} %s`, (_name, c) => {
        const xShape = layout === 'nchw' ? c.x : [c.x[0], c.x[2], c.x[3], c.x[1]];
        const pi = pool2dInfo('test', kind, xShape, { ...c.opts, layout });
        const r = prng(xShape.reduce((a, v) => a * 31 + v, 5));
        const x = randomData(r, xShape.reduce((a, v) => a * v, 1));
        const dy = randomData(r, pi.batch * pi.channels * pi.outHeight * pi.outWidth);
        const a = new Float32Array(x.length);
        const b = new Float32Array(x.length).fill(NaN);
        if (kind === 'max') {
          backends.ts.maxPool2dBackward(dy, x, a, pi);
          runNative(kind, pi, () => backends.native.maxPool2dBackward(dy, x, b, pi));
        } else {
          backends.ts.avgPool2dBackward(dy, a, pi);
          runNative(kind, pi, () => backends.native.avgPool2dBackward(dy, b, pi));
        }
        const k = pi.kernelH * pi.kernelW;
        expect(worstRatio(b, a, 4 * 1.2e-7 * Math.sqrt(k) * k + 1e-6), JSON.stringify(pi)).toBeLessThanOrEqual(1);
      });
    }
  }
  it.each(Array.from({ length: 80 }, (_, i) => 700 + i))('maxPool2dBackward random config %i', (seed) => {
    const { info: pi, x, dy } = randomPool(seed, 'max');
    const a = new Float32Array(x.length);
    const b = new Float32Array(x.length).fill(NaN);
    backends.ts.maxPool2dBackward(dy, x, a, pi);
    runNative('max', pi, () => backends.native.maxPool2dBackward(dy, x, b, pi));
    // Same cells, same order of additions per cell: equal up to float rounding of each sum.
    expect(worstRatio(b, a, 1e-6), JSON.stringify(pi)).toBeLessThanOrEqual(1);
  });
  it.each(Array.from({ length: 80 }, (_, i) => 900 + i))('avgPool2dBackward random config %i', (seed) => {
    const { info: pi, x, dy } = randomPool(seed, 'avg');
    const a = new Float32Array(x.length);
    const b = new Float32Array(x.length).fill(NaN);
    backends.ts.avgPool2dBackward(dy, a, pi);
    runNative('avg', pi, () => backends.native.avgPool2dBackward(dy, b, pi));
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
  it('every backward kernel kind of this ISA level ran', () => {
    const level = simdLevel() === 'avx512' ? '-avx512' : '';
    const want = ['max', 'avg'].flatMap((k) => [`${k}:nchw${level}`, `${k}:nhwc${level}`, `${k}:clamped`]);
    if (level) want.push('max:max-backward-2x2s2-nchw-avx512', 'max:max-backward-2x2s2-nhwc-avx512');
    expect([...seen].sort()).toEqual(want.sort());
  });
});
