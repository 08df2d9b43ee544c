// Prepacked conv2d weights (Backend.conv2dPrepack / conv2dPacked): on both backends the packed
// call gives bit for bit what conv2d gives on the weights it was packed from, on random shapes
// (both layouts, groups, depthwise, bias, residual, activation) and on the 1x1 shapes whose
// native packed form holds the GEMM's panels (B in NHWC, A in NCHW) (tiny products that take the small-GEMM
// paths, ragged channel counts, the model layers, 1 and 2 threads). The native path is
// asserted: 'pointwise-prepacked' for those, conv2d's own path for the rest. Wrong geometry or
// backend: RangeError.
import { afterAll, describe, expect, it } from 'vitest';
import { backends, getNumThreads, info, setNumThreads, type Conv2dInfo } from '../../lib/index';
import type { Backend } from '../../lib/backend/backend';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { randomConvShapes } from '../helpers/configs';
import { prng, randomData } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';
import { expectedConvPath, lastPath } from '../helpers/paths';

const skip = !info().native.loaded && !nativeRequired();

type Config = { info: Conv2dInfo; x: Float32Array; w: Float32Array; b: Float32Array | null; r: Float32Array | null };

function config(seed: number, xShape: number[], wShape: number[], opts: Record<string, unknown>): Config {
  const r = prng(seed);
  const bias = r() < 0.7, res = r() < 0.4;
  const acts = ['none', 'relu', 'relu6', 'silu', 'hardSwish', 'sigmoid'];
  const i = conv2dInfo('test', xShape, wShape, { activation: acts[Math.floor(r() * acts.length)], ...opts }, bias ? [wShape[0]] : null);
  const ySize = i.batch * i.outChannels * i.outHeight * i.outWidth;
  return {
    info: i,
    x: randomData(r, xShape.reduce((a, b) => a * b, 1)),
    w: randomData(r, wShape.reduce((a, b) => a * b, 1)),
    b: bias ? randomData(r, wShape[0]) : null,
    r: res ? randomData(r, ySize) : null,
  };
}

// The 1x1 GEMM's shapes (stride 1 on x, or unpadded strided on the gathered positions).
const pointwise = (i: Conv2dInfo) => expectedConvPath(i) === 'pointwise';
// Depthwise NHWC of multiplier 1 on the levels with the NHWC row kernel (AVX2, AVX-512): its
// transposed taps [KH * KW, C] are the packed form.
const depthwiseRows = (i: Conv2dInfo) => expectedConvPath(i) === 'depthwise' && i.layout === 'nhwc' &&
  i.outChannels === i.inChannels && (info().native.simd === 'avx512' || info().native.simd === 'avx2');

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function check(be: Backend, c: Config): Float32Array {
  const size = c.info.batch * c.info.outChannels * c.info.outHeight * c.info.outWidth;
  const y = new Float32Array(size), yp = new Float32Array(size).fill(NaN);
  be.conv2d(c.x, c.w, c.b, y, c.info, c.r);
  const pw = be.conv2dPrepack(c.w, c.info);
  expect(pw.backend).toBe(be.name);
  expect(pw.w).toBe(c.w);
  // Native panels: the 1x1 GEMM's, Winograd's transformed weights, the depthwise row kernel's taps.
  expect(pw.data.length > 0, JSON.stringify(c.info)).toBe(be.name === 'native' && (pointwise(c.info) || expectedConvPath(c.info) === 'winograd' || depthwiseRows(c.info)));
  if (depthwiseRows(c.info) && be.name === 'native') expect(pw.data.length).toBe(c.info.kernelH * c.info.kernelW * c.info.inChannels);
  if (be.name === 'native') lastPath('conv2d');
  be.conv2dPacked(c.x, pw, c.b, yp, c.info, c.r);
  if (be.name === 'native') {
    expect(lastPath('conv2d'), JSON.stringify(c.info)).toBe(pointwise(c.info) ? 'pointwise-prepacked' : expectedConvPath(c.info));
  }
  expect(bits(yp), JSON.stringify(c.info)).toEqual(bits(y));
  return yp;
}

const named: { name: string; x: number[]; w: number[]; opts: Record<string, unknown> }[] = [
  { name: '1x1 nhwc 7x7x320->1280', x: [1, 7, 7, 320], w: [1280, 1, 1, 320], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc 14x14x96->576', x: [1, 14, 14, 96], w: [576, 1, 1, 96], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc batch 2 ragged 5x7x37->45', x: [2, 5, 7, 37], w: [45, 1, 1, 37], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc grouped 3x(12->20)', x: [1, 9, 11, 36], w: [60, 1, 1, 12], opts: { layout: 'nhwc', groups: 3 } },
  { name: '1x1 nhwc 1x2 image (gemv rows)', x: [1, 1, 2, 40], w: [33, 1, 1, 40], opts: { layout: 'nhwc' } },
  // The edge tiles (16 rows of a half panel, masked stores) and the epilogue on finished blocks.
  { name: '1x1 nhwc 40x37x32->16 (half panel, 16-row edge tiles)', x: [1, 40, 37, 32], w: [16, 1, 1, 32], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc batch 3 13x11x40->24', x: [3, 13, 11, 40], w: [24, 1, 1, 40], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc 17x19x24->48 (32 + 16)', x: [1, 17, 19, 24], w: [48, 1, 1, 24], opts: { layout: 'nhwc' } },
  // One B panel, 729 positions: two ranges per thread would fall under the GEMM's one-k-block
  // cut (m <= 256), one per thread does not, and runs them in parallel.
  { name: '1x1 nhwc 27x27x256->32 (one range per thread)', x: [1, 27, 27, 256], w: [32, 1, 1, 256], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc 7x7x96->9 (one ragged vector)', x: [1, 7, 7, 96], w: [9, 1, 1, 96], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc 4 outputs (small gemm)', x: [1, 6, 6, 24], w: [4, 1, 1, 24], opts: { layout: 'nhwc' } },
  { name: '1x1 nhwc k 700 (several k blocks)', x: [1, 6, 5, 700], w: [70, 1, 1, 700], opts: { layout: 'nhwc' } },
  { name: '1x1 nchw 40->24 batch 2', x: [2, 40, 7, 9], w: [24, 40, 1, 1], opts: {} },
  { name: '1x1 / 2 nhwc 56x56x64->128 (downsample)', x: [1, 15, 13, 64], w: [128, 1, 1, 64], opts: { layout: 'nhwc', stride: 2 } },
  { name: '1x1 / 2 nchw batch 2 33->20', x: [2, 33, 9, 10], w: [20, 33, 1, 1], opts: { stride: 2 } },
  { name: '1x1 nchw 13x13x64->256 (squeezenet)', x: [1, 64, 13, 13], w: [256, 64, 1, 1], opts: {} },
  { name: '1x1 nchw grouped, ragged 2x(21->19), k 700', x: [1, 1400, 3, 5], w: [38, 700, 1, 1], opts: { groups: 2 } },
  { name: '3x3 nhwc igemm (no panels)', x: [1, 9, 9, 24], w: [32, 3, 3, 24], opts: { layout: 'nhwc', stride: 2, padding: 1 } },
  { name: '3x3 nhwc 14x14x64->64 (Winograd, few tiles)', x: [1, 14, 14, 64], w: [64, 3, 3, 64], opts: { layout: 'nhwc', padding: 1 } },
  // Depthwise NHWC (the row kernel's transposed taps prepacked): MobileNetV2's and
  // EfficientNet's layers, ragged channels, strided, asymmetric padding, multiplier 2 (not packed).
  { name: 'depthwise 3x3 nhwc 7x7x960', x: [1, 7, 7, 960], w: [960, 3, 3, 1], opts: { layout: 'nhwc', groups: 960, padding: 1 } },
  { name: 'depthwise 5x5 / 2 nhwc batch 2 15x15x37', x: [2, 15, 15, 37], w: [37, 5, 5, 1], opts: { layout: 'nhwc', groups: 37, padding: 2, stride: 2 } },
  { name: 'depthwise 3x3 nhwc 9x8x21 pads [0, 2, 1, 0]', x: [1, 9, 8, 21], w: [21, 3, 3, 1], opts: { layout: 'nhwc', groups: 21, padding: [0, 2, 1, 0] } },
  { name: 'depthwise x2 3x3 nhwc 6x6x5 (multiplier 2)', x: [1, 6, 6, 5], w: [10, 3, 3, 1], opts: { layout: 'nhwc', groups: 5, padding: 1 } },
  { name: 'depthwise 3x3 nchw 2x12x10x10', x: [2, 12, 10, 10], w: [12, 1, 3, 3], opts: { groups: 12, padding: 1 } },
  { name: '3x3 nchw 2x28x28x32->40 (Winograd)', x: [2, 32, 28, 28], w: [40, 32, 3, 3], opts: { padding: 1 } },
];

// Panels shared between geometries (conv2dPrepack's `like`, what onnx.load does for a model's
// plans): the native panels of one w are the same for any batch and spatial size on the same
// path, and a packing made with `like` shares them and still gives conv2d's bits.
describe.skipIf(skip)('conv2d prepacked weights shared across geometries', () => {
  const be = backends.native;
  const cases: { name: string; w: number[]; a: number[]; b: number[]; opts: Record<string, unknown> }[] = [
    { name: 'Winograd nhwc', w: [48, 3, 3, 40], a: [1, 28, 28, 40], b: [3, 20, 24, 40], opts: { layout: 'nhwc', padding: 1 } },
    { name: 'Winograd nchw', w: [40, 32, 3, 3], a: [1, 32, 28, 28], b: [2, 32, 17, 30], opts: { padding: 1 } },
    { name: '1x1 nhwc', w: [96, 1, 1, 40], a: [1, 14, 14, 40], b: [4, 7, 9, 40], opts: { layout: 'nhwc' } },
    { name: '1x1 nchw', w: [24, 40, 1, 1], a: [1, 40, 7, 9], b: [3, 40, 13, 13], opts: {} },
    { name: 'depthwise nhwc', w: [40, 3, 3, 1], a: [1, 14, 14, 40], b: [2, 9, 11, 40], opts: { layout: 'nhwc', groups: 40, padding: 1 } },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const r = prng(77);
    const w = randomData(r, c.w.reduce((p, q) => p * q, 1));
    const ia = conv2dInfo('test', c.a, c.w, c.opts, null), ib = conv2dInfo('test', c.b, c.w, c.opts, null);
    const pa = be.conv2dPrepack(w, ia), pbFresh = be.conv2dPrepack(w, ib);
    // Where the level's config does not take Winograd for the 3x3 cases (no vectorized
    // transforms, or other thresholds): no panels to share there.
    if (!pointwise(ia) && expectedConvPath(ia) !== 'winograd' && !depthwiseRows(ia)) {
      expect(pa.data.length).toBe(0);
      return;
    }
    expect(pa.data.length).toBeGreaterThan(0);
    expect(pbFresh.data.length).toBe(pa.data.length);
    expect(bits(pbFresh.data)).toEqual(bits(pa.data));   // the assumption sharing rests on
    const pb = be.conv2dPrepack(w, ib, 'fp32', pa);
    expect(pb.data).toBe(pa.data);
    expect(pb.key).toBe(pbFresh.key);
    const x = randomData(r, c.b.reduce((p, q) => p * q, 1));
    const n = ib.batch * ib.outChannels * ib.outHeight * ib.outWidth;
    const y = new Float32Array(n), yp = new Float32Array(n).fill(NaN);
    be.conv2d(x, w, null, y, ib);
    be.conv2dPacked(x, pb, null, yp, ib);
    expect(bits(yp)).toEqual(bits(y));
    // Not shared: another w (even with the same values), another channel count, another precision.
    expect(be.conv2dPrepack(w.slice(), ib, 'fp32', pa).data).not.toBe(pa.data);
    const depthwise = c.opts.groups !== undefined;  // then 8 more channels in x and groups too
    const wider = [c.w[0] + 8, ...c.w.slice(1)];
    const xWider = depthwise ? [...c.b.slice(0, 3), c.b[3] + 8] : c.b;
    const iw = conv2dInfo('test', xWider, wider, depthwise ? { ...c.opts, groups: c.w[0] + 8 } : c.opts, null);
    const w2 = randomData(r, wider.reduce((p, q) => p * q, 1));
    expect(be.conv2dPrepack(w2, iw, 'fp32', pa).data).not.toBe(pa.data);
    expect(be.conv2dPrepack(w, ib, 'bf16', pa).precision).toBe('bf16');
  });
});

describe.skipIf(skip)('conv2d prepacked weights', () => {
  itRunsAtForcedIsa();
  const threads = getNumThreads();
  afterAll(() => setNumThreads(threads));

  for (const name of ['native', 'ts'] as const) {
    const be = backends[name];
    it.each(Array.from({ length: 40 }, (_, i) => 3000 + i))(`${name}: random config %i`, (seed) => {
      const { xShape, wShape, opts } = randomConvShapes(prng(seed));
      check(be, config(seed, xShape, wShape, opts));
    });
    it.each(named.map((c) => [c.name, c] as const))(`${name}: %s`, (_n, c) => {
      const ys: Float32Array[] = [];
      for (const t of [1, 2]) {
        setNumThreads(t);
        ys.push(check(be, config(c.x.reduce((a, b) => a * 31 + b, 5), c.x, c.w, c.opts)));
      }
      expect(bits(ys[1]), 'the same bits on 1 and 2 threads').toEqual(bits(ys[0]));
      setNumThreads(threads);
    });
    it(`${name}: refuses weights packed for another geometry or by the other backend`, () => {
      const c = config(1, [1, 5, 5, 16], [8, 1, 1, 16], { layout: 'nhwc' });
      const other = conv2dInfo('test', [2, 5, 5, 16], [8, 1, 1, 16], { layout: 'nhwc' }, c.b ? [8] : null);
      const y = new Float32Array(2 * 5 * 5 * 8);
      expect(() => be.conv2dPacked(c.x, be.conv2dPrepack(c.w, other), c.b, y.subarray(0, 200), c.info, null)).toThrow(/^conv2dPacked: pw was packed for/);
      const theirs = backends[name === 'native' ? 'ts' : 'native'].conv2dPrepack(c.w, c.info);
      expect(() => be.conv2dPacked(c.x, theirs, c.b, y.subarray(0, 200), c.info, null)).toThrow(RangeError);
    });
  }
});
