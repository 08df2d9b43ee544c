// conv2d writing a channel slice of a wider tensor (Conv2dInfo.yChannels: an ONNX Concat's
// output written in place by its producers). On both backends, every forward entry (conv2d,
// conv2dPacked at fp32 / bf16 / int8, conv2dBf16, conv2dInt8) writes into the slice exactly
// the bits it writes as a plain output, and not one element outside the slice (the rest of the
// wider tensor keeps its sentinel). Native's own slice writers (NHWC 1x1 GEMM without a
// residual, NHWC Winograd) and the plain-output route (everything else) both run, at 1 and 2
// threads; the path taken is asserted. Bad yChannels and the async forms: RangeError.
import { afterAll, describe, expect, it } from 'vitest';
import { backends, getNumThreads, info, setNumThreads, type Conv2dInfo } from '../../lib/index';
import type { Backend } from '../../lib/backend/backend';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { randomConvShapes } from '../helpers/configs';
import { prng, randomData } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';
import { expectedConvPath, lastPath } from '../helpers/paths';

const skip = !info().native.loaded && !nativeRequired();
const SENTINEL = -12345.5;
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

interface Case { info: Conv2dInfo; x: Float32Array; w: Float32Array; b: Float32Array | null; r: Float32Array | null }

function makeCase(seed: number, xShape: number[], wShape: number[], opts: Record<string, unknown>, residual: boolean): Case {
  const r = prng(seed);
  const bias = r() < 0.7;
  const i = conv2dInfo('test', xShape, wShape, opts, bias ? [wShape[0]] : null);
  return {
    info: i,
    x: randomData(r, xShape.reduce((a, b) => a * b, 1)),
    w: randomData(r, wShape.reduce((a, b) => a * b, 1)),
    b: bias ? randomData(r, wShape[0]) : null,
    r: residual ? randomData(r, i.batch * i.outChannels * i.outHeight * i.outWidth) : null,
  };
}

type Entry = 'conv2d' | 'packed' | 'bf16' | 'packed-bf16' | 'int8' | 'packed-int8';

function run(be: Backend, entry: Entry, c: Case, y: Float32Array, i: Conv2dInfo): void {
  switch (entry) {
    case 'conv2d': return be.conv2d(c.x, c.w, c.b, y, i, c.r);
    case 'bf16': return be.conv2dBf16(c.x, c.w, c.b, y, i, c.r);
    case 'int8': return be.conv2dInt8(c.x, c.w, c.b, y, i, c.r);
    default: {
      const precision = entry === 'packed' ? 'fp32' : entry === 'packed-bf16' ? 'bf16' : 'int8';
      return be.conv2dPacked(c.x, be.conv2dPrepack(c.w, c.info, precision), c.b, y, i, c.r);
    }
  }
}

// The slice [c0, c0 + Cout) of a tensor of Cout + extra channels: y's bits there equal the plain
// output's, every other element keeps the sentinel.
function check(be: Backend, entry: Entry, c: Case, c0: number, extra: number): void {
  expect(c0 <= extra).toBe(true);
  const i = c.info, p = i.outHeight * i.outWidth, co = i.outChannels, yc = co + extra;
  const plain = new Float32Array(i.batch * co * p);
  run(be, entry, c, plain, i);
  const wide = new Float32Array(i.batch * yc * p).fill(SENTINEL);
  const start = i.layout === 'nhwc' ? c0 : c0 * p;
  const span = i.layout === 'nhwc' ? (i.batch * p - 1) * yc + co : ((i.batch - 1) * yc + co) * p;
  run(be, entry, c, wide.subarray(start, start + span), { ...i, yChannels: yc });
  const got = new Float32Array(plain.length);
  const outside: number[] = [];
  for (let n = 0; n < i.batch; n++) {
    for (let ch = 0; ch < yc; ch++) {
      for (let q = 0; q < p; q++) {
        const at = i.layout === 'nhwc' ? (n * p + q) * yc + ch : (n * yc + ch) * p + q;
        if (ch >= c0 && ch < c0 + co) {
          got[i.layout === 'nhwc' ? (n * p + q) * co + ch - c0 : (n * co + ch - c0) * p + q] = wide[at];
        } else if (wide[at] !== SENTINEL) outside.push(at);
      }
    }
  }
  expect(outside.length, `${entry} wrote outside its slice ${JSON.stringify(i)}`).toBe(0);
  expect(bits(got), `${entry} ${JSON.stringify(i)}`).toEqual(bits(plain));
}

const named: { name: string; x: number[]; w: number[]; opts: Record<string, unknown>; residual?: boolean; path: string }[] = [
  // SqueezeNet's fire modules: the 1x1 and 3x3 expands writing the two halves of the Concat.
  { name: '1x1 nhwc 13x13x32->128 (fire expand1x1)', x: [1, 13, 13, 32], w: [128, 1, 1, 32], opts: { layout: 'nhwc' }, path: 'pointwise' },
  { name: '3x3 nhwc 13x13x32->128 (fire expand3x3, Winograd)', x: [1, 13, 13, 32], w: [128, 3, 3, 32], opts: { layout: 'nhwc', padding: 1 }, path: 'winograd' },
  { name: '3x3 nhwc batch 2 27x27x16->64 (direct)', x: [2, 27, 27, 16], w: [64, 3, 3, 16], opts: { layout: 'nhwc', padding: 1 }, path: 'direct' },
  { name: '1x1 nhwc ragged 7x5x37->45, residual (plain route)', x: [2, 7, 5, 37], w: [45, 1, 1, 37], opts: { layout: 'nhwc', activation: 'relu' }, residual: true, path: 'pointwise' },
  { name: '1x1 / 2 nhwc 15x13x24->40', x: [1, 15, 13, 24], w: [40, 1, 1, 24], opts: { layout: 'nhwc', stride: 2 }, path: 'pointwise' },
  { name: '3x3 nhwc Winograd with residual 14x14x40->48', x: [1, 14, 14, 40], w: [48, 3, 3, 40], opts: { layout: 'nhwc', padding: 1, activation: 'relu' }, residual: true, path: 'winograd' },
  { name: 'depthwise 3x3 nhwc 9x9x33', x: [1, 9, 9, 33], w: [33, 3, 3, 1], opts: { layout: 'nhwc', padding: 1, groups: 33 }, path: 'depthwise' },
  { name: '1x1 nchw batch 2 9x7x24->20', x: [2, 24, 9, 7], w: [20, 24, 1, 1], opts: {}, path: 'pointwise' },
  { name: '3x3 nchw 2x28x28x32->40 (Winograd)', x: [2, 32, 28, 28], w: [40, 32, 3, 3], opts: { padding: 1 }, path: 'winograd' },
];

describe.skipIf(skip)('conv2d into a channel slice (yChannels)', () => {
  itRunsAtForcedIsa();
  const threads = getNumThreads();
  afterAll(() => setNumThreads(threads));

  // The ts backend neither depends on CONVKIT_ISA nor uses threads: it runs in the main project
  // only, at one thread count (its 6 named cases took 15 s of each project's run twice over).
  for (const name of process.env.CONVKIT_ISA === undefined ? (['native', 'ts'] as const) : (['native'] as const)) {
    const be = backends[name];
    it.each(named.map((c) => [c.name, c] as const))(`${name}: %s`, (_n, c) => {
      const k = makeCase(c.x.reduce((a, b) => a * 7 + b, 3), c.x, c.w, c.opts, c.residual === true);
      // At the AVX-512 level the cases take the paths they are named for (others may not have Winograd or direct).
      if (info().native.simd === 'avx512') expect(expectedConvPath(k.info)).toBe(c.path);
      for (const t of name === 'native' ? [1, 2] : [1]) {
        setNumThreads(t);
        check(be, 'conv2d', k, 5, 11);
        if (name === 'native') expect(lastPath('conv2d')).toBe(expectedConvPath(k.info));
        check(be, 'packed', k, 0, 3);
        check(be, 'packed-bf16', k, 2, 2);
        check(be, 'bf16', k, 1, 1);
        if (k.info.inChannels / k.info.groups * k.info.kernelH * k.info.kernelW <= 65536) {
          check(be, 'int8', k, 3, 7);
          check(be, 'packed-int8', k, 7, 8);
        }
      }
      setNumThreads(threads);
    });
    it.each(Array.from({ length: 24 }, (_, i) => 5100 + i))(`${name}: random config %i`, (seed) => {
      const { xShape, wShape, opts } = randomConvShapes(prng(seed));
      const k = makeCase(seed, xShape, wShape, opts, seed % 3 === 0);
      check(be, 'conv2d', k, seed % 4, 3 + (seed % 9));
      check(be, 'packed', k, 1, 2);
    });
    it(`${name}: refuses a yChannels under outChannels, a y shorter than the slice's span, and the async forms`, async () => {
      const k = makeCase(1, [1, 5, 5, 8], [6, 3, 3, 8], { layout: 'nhwc', padding: 1 }, false);
      const span = (25 - 1) * 10 + 6;
      expect(() => be.conv2d(k.x, k.w, k.b, new Float32Array(span), { ...k.info, yChannels: 5 }, null)).toThrow(RangeError);
      expect(() => be.conv2d(k.x, k.w, k.b, new Float32Array(span - 1), { ...k.info, yChannels: 10 }, null)).toThrow(/y/);
      be.conv2d(k.x, k.w, k.b, new Float32Array(span), { ...k.info, yChannels: 10 }, null);
      await expect(be.conv2dAsync(k.x, k.w, k.b, new Float32Array(span), { ...k.info, yChannels: 10 }, null)).rejects.toThrow(/yChannels/);
      await expect(be.conv2dAsync(k.x, k.w, k.b, null, { ...k.info, yChannels: 10 }, null)).rejects.toThrow(/yChannels/);
      // yChannels = outChannels is the plain output.
      const y = new Float32Array(150), yp = new Float32Array(150);
      be.conv2d(k.x, k.w, k.b, y, k.info, null);
      be.conv2d(k.x, k.w, k.b, yp, { ...k.info, yChannels: 6 }, null);
      expect(bits(yp)).toEqual(bits(y));
    });
  }
});
