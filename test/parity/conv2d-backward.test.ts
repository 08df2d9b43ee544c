// native conv2d gradients == ts gradients on random shapes: odd sizes, channels not a multiple
// of the SIMD width, stride > kernel, asymmetric padding, dilation, groups and depthwise
// multipliers, 1x1 direct GEMMs, batch > 1, both layouts; plus images large enough for
// several col tiles. The addon's async forms equal the sync ones.
import { describe, expect, it } from 'vitest';
import { backends, info, type Conv2dInfo } from '../../lib/index';
import { loadAddon } from '../../lib/backend/native/addon';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { randomConvShapes } from '../helpers/configs';
import { prng, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();
const EPS = 1.2e-7;

interface Config { info: Conv2dInfo; x: Float32Array; w: Float32Array; dy: Float32Array }

function makeConfig(r: () => number, xShape: number[], wShape: number[], opts: Record<string, unknown>): Config {
  const info = conv2dInfo('test', xShape, wShape, opts, r() < 0.5 ? [wShape[0]] : null);
  const ySize = info.batch * info.outChannels * info.outHeight * info.outWidth;
  return {
    info,
    x: randomData(r, xShape.reduce((a, b) => a * b, 1)),
    w: randomData(r, wShape.reduce((a, b) => a * b, 1)),
    dy: randomData(r, ySize),
  };
}

function randomConfig(seed: number): Config {
  const r = prng(seed);
  const { xShape, wShape, opts } = randomConvShapes(r, { maxBatch: 4, minDepthwise: 2 });
  return makeConfig(r, xShape, wShape, opts);
}

/** Inputs in [-1, 1]: the conformance bound 4*eps*sqrt(K)*sum|terms| with sum|terms| <= K. */
const atolFor = (k: number) => 4 * EPS * Math.sqrt(k) * k;

function checkBoth(c: Config, withDb: boolean): void {
  const { info: ci, x, w, dy } = c;
  const dxTs = new Float32Array(x.length);
  const dxNat = new Float32Array(x.length).fill(NaN);
  backends.ts.conv2dBackwardData(dy, w, dxTs, ci);
  backends.native.conv2dBackwardData(dy, w, dxNat, ci);
  const kData = (ci.outChannels / ci.groups) * ci.kernelH * ci.kernelW;
  expect(worstRatio(dxNat, dxTs, atolFor(kData)), `dx ${JSON.stringify(ci)}`).toBeLessThanOrEqual(1);

  const dwTs = new Float32Array(w.length);
  const dwNat = new Float32Array(w.length).fill(NaN);
  const dbTs = withDb ? new Float32Array(ci.outChannels) : null;
  const dbNat = withDb ? new Float32Array(ci.outChannels).fill(NaN) : null;
  backends.ts.conv2dBackwardFilter(dy, x, dwTs, dbTs, ci);
  backends.native.conv2dBackwardFilter(dy, x, dwNat, dbNat, ci);
  const kFilter = ci.batch * ci.outHeight * ci.outWidth;
  expect(worstRatio(dwNat, dwTs, atolFor(kFilter)), `dw ${JSON.stringify(ci)}`).toBeLessThanOrEqual(1);
  if (dbTs && dbNat) expect(worstRatio(dbNat, dbTs, atolFor(kFilter)), `db ${JSON.stringify(ci)}`).toBeLessThanOrEqual(1);
}

describe.skipIf(skip)('conv2d backward parity native vs ts', () => {
  itRunsAtForcedIsa();
  const seeds = Array.from({ length: 120 }, (_, i) => 3000 + i);
  it.each(seeds)('random config %i', (seed) => {
    checkBoth(randomConfig(seed), seed % 3 !== 0);
  });

  // Kd = 64*9 = 576: col tiles of ~900 positions, so these images take several tiles.
  it.each([
    ['nchw', 1], ['nhwc', 1], ['nchw', 3], ['nhwc', 3],
  ] as const)('3x3 64->24 on 37x41, %s, batch %i (several col tiles)', (layout, n) => {
    const r = prng(n * 17 + (layout === 'nchw' ? 0 : 1));
    const xShape = layout === 'nchw' ? [n, 64, 37, 41] : [n, 37, 41, 64];
    const wShape = layout === 'nchw' ? [24, 64, 3, 3] : [24, 3, 3, 64];
    checkBoth(makeConfig(r, xShape, wShape, { padding: 1, layout }), true);
  });

  it('the addon\'s async gradients equal the sync ones', async () => {
    const { addon } = loadAddon();
    if (!addon) return;
    for (const seed of [11, 12, 13, 14]) {
      const { info: ci, x, w, dy } = randomConfig(seed);
      const dxs = new Float32Array(x.length);
      const dxa = new Float32Array(x.length);
      addon.conv2dBackwardData(dy, w, dxs, ci);
      await addon.conv2dBackwardDataAsync(dy, w, dxa, ci);
      expect(Array.from(dxa)).toEqual(Array.from(dxs));
      const dws = new Float32Array(w.length);
      const dwa = new Float32Array(w.length);
      const dbs = new Float32Array(ci.outChannels);
      const dba = new Float32Array(ci.outChannels);
      addon.conv2dBackwardFilter(dy, x, dws, dbs, ci);
      await addon.conv2dBackwardFilterAsync(dy, x, dwa, dba, ci);
      expect(Array.from(dwa)).toEqual(Array.from(dws));
      expect(Array.from(dba)).toEqual(Array.from(dbs));
    }
  });
});
