// native conv2d == ts conv2d on random shapes: odd sizes, channels not a multiple of the SIMD
// width, stride > kernel, asymmetric padding, dilation, groups and depthwise multipliers,
// bias and fused ReLU, batch > 1, both layouts; plus named shapes for every algorithm
// (Winograd, direct small-Cin, implicit GEMM, 1x1, depthwise, the reference for absurd
// geometry). Every call asserts the path it took (helpers/paths.ts) and the suite that
// every algorithm of this ISA level ran.
import { describe, expect, it } from 'vitest';
import { backends, info, type Conv2dInfo } from '../../lib/index';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { randomConvShapes } from '../helpers/configs';
import { prng, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';
import { type ConvPathCase, convPathCases } from '../helpers/conv2d-cases';
import { convPathsAt, expectedConvPath, lastPath, simdLevel } from '../helpers/paths';

const skip = !info().native.loaded && !nativeRequired();

type Config = { info: Conv2dInfo; x: Float32Array; w: Float32Array; b: Float32Array | null };

function randomConfig(seed: number): Config {
  const r = prng(seed);
  const { xShape, wShape, opts } = randomConvShapes(r);
  return config(r, xShape, wShape, opts, r() < 0.6);
}

function config(r: () => number, xShape: number[], wShape: number[], opts: Record<string, unknown>, bias: boolean): Config {
  const cout = wShape[0];
  const info = conv2dInfo('test', xShape, wShape, opts, bias ? [cout] : null);
  return {
    info,
    x: randomData(r, xShape.reduce((a, b) => a * b, 1)),
    w: randomData(r, wShape.reduce((a, b) => a * b, 1)),
    b: bias ? randomData(r, cout) : null,
  };
}

/** Shapes that reach each algorithm (the path named is the AVX-512 one; see conv2d.cc). */
const named: ConvPathCase[] = [
  // Winograd: 3x3, stride 1, groups 1, min(Cin, Cout) >= 24, >= 16 2x2 output tiles.
  { name: 'winograd nchw 32->40 12x12', path: 'winograd', x: [1, 32, 12, 12], w: [40, 32, 3, 3], opts: { padding: 1 } },
  { name: 'winograd nhwc 24->24 7x9 batch 2', path: 'winograd', x: [2, 7, 9, 24], w: [24, 3, 3, 24], opts: { padding: [1, 0, 1, 2], layout: 'nhwc', activation: 'relu' } },
  { name: 'winograd nchw 48->33 odd 9x7 valid', path: 'winograd', x: [1, 48, 11, 13], w: [33, 48, 3, 3], opts: {} },
  // Direct: Cin per group <= 16 (and Cin_g*KH*KW <= 1024), not 1x1.
  { name: 'direct nchw 3->16 3x3/2', path: 'direct', x: [2, 3, 17, 15], w: [16, 3, 3, 3], opts: { stride: 2, padding: 1 } },
  { name: 'direct grouped nchw 2x8 3x3 stride 1', path: 'direct', x: [1, 16, 10, 10], w: [12, 8, 3, 3], opts: { groups: 2, padding: 1 } },
  // Direct NHWC, implicit GEMM, 1x1, depthwise, reference: shared with the epilogue test.
  ...convPathCases,
];

describe.skipIf(skip)('conv2d parity native vs ts', () => {
  itRunsAtForcedIsa();
  const seen = new Set<string>();

  function check({ info, x, w, b }: Config): void {
    const size = info.batch * info.outChannels * info.outHeight * info.outWidth;
    const yts = new Float32Array(size);
    const ynat = new Float32Array(size).fill(NaN);
    backends.ts.conv2d(x, w, b, yts, info);
    lastPath('conv2d');
    backends.native.conv2d(x, w, b, ynat, info);
    const path = lastPath('conv2d');
    expect(path, `path of ${JSON.stringify(info)}`).toBe(expectedConvPath(info));
    seen.add(path);
    const k = (info.inChannels / info.groups) * info.kernelH * info.kernelW + 1;
    // Inputs in [-1, 1]: the conformance bound 4*eps*sqrt(K)*sum|terms| with sum|terms| <= K.
    const atol = 4 * 1.2e-7 * Math.sqrt(k) * k;
    expect(worstRatio(ynat, yts, atol), JSON.stringify(info)).toBeLessThanOrEqual(1);
  }

  const seeds = Array.from({ length: 120 }, (_, i) => 1000 + i);
  it.each(seeds)('random config %i', (seed) => check(randomConfig(seed)));

  it.each(named.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const cfg = config(prng(c.x.reduce((a, b) => a * 31 + b, 7)), c.x, c.w, c.opts, true);
    // The shape is one the AVX-512 driver sends down this path; other levels take theirs.
    expect(expectedConvPath(cfg.info, 'avx512')).toBe(c.path);
    check(cfg);
  });

  it('every algorithm of this ISA level ran', () => {
    expect([...seen].sort()).toEqual([...convPathsAt(simdLevel()), 'ref'].sort());
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
