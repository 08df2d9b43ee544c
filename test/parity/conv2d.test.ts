// native conv2d == ts conv2d on random shapes: odd sizes, channels not a multiple of the SIMD
// width, stride > kernel, asymmetric padding, dilation, groups and depthwise multipliers,
// bias and fused ReLU, batch > 1, both layouts.
import { describe, expect, it } from 'vitest';
import { backends, info, type Conv2dInfo } from '../../lib/index';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { randomConvShapes } from '../helpers/configs';
import { prng, randomData, worstRatio } from '../helpers/random';
import { nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

function randomConfig(seed: number): { info: Conv2dInfo; x: Float32Array; w: Float32Array; b: Float32Array | null } {
  const r = prng(seed);
  const { xShape, wShape, opts } = randomConvShapes(r);
  const bias = r() < 0.6;
  const cout = wShape[0];
  const info = conv2dInfo('test', xShape, wShape, opts, bias ? [cout] : null);
  return {
    info,
    x: randomData(r, xShape.reduce((a, b) => a * b, 1)),
    w: randomData(r, wShape.reduce((a, b) => a * b, 1)),
    b: bias ? randomData(r, cout) : null,
  };
}

describe.skipIf(skip)('conv2d parity native vs ts', () => {
  const seeds = Array.from({ length: 120 }, (_, i) => 1000 + i);
  it.each(seeds)('random config %i', (seed) => {
    const { info, x, w, b } = randomConfig(seed);
    const size = info.batch * info.outChannels * info.outHeight * info.outWidth;
    const yts = new Float32Array(size);
    const ynat = new Float32Array(size).fill(NaN);
    backends.ts.conv2d(x, w, b, yts, info);
    backends.native.conv2d(x, w, b, ynat, info);
    const k = (info.inChannels / info.groups) * info.kernelH * info.kernelW + 1;
    // Inputs in [-1, 1]: the conformance bound 4*eps*sqrt(K)*sum|terms| with sum|terms| <= K.
    const atol = 4 * 1.2e-7 * Math.sqrt(k) * k;
    expect(worstRatio(ynat, yts, atol), JSON.stringify(info)).toBeLessThanOrEqual(1);
  });

  it('conv2dAsync matches conv2d on native', async () => {
    const { info, x, w, b } = randomConfig(77);
    const size = info.batch * info.outChannels * info.outHeight * info.outWidth;
    const ys = new Float32Array(size);
    const ya = new Float32Array(size);
    backends.native.conv2d(x, w, b, ys, info);
    await backends.native.conv2dAsync(x, w, b, ya, info);
    expect(Array.from(ya)).toEqual(Array.from(ys));
  });
});
