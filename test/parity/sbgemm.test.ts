// precision 'bf16': native sbgemm == the ts backend's exact reference (operands rounded to
// bf16, fp32 products) within fp32 accumulation error, on every transpose, partial tiles, odd
// K (the last pair half padding), several k blocks, strided leading dimensions, alpha / beta;
// conv2d with precision 'bf16' (the bf16 GEMM for 1x1 kernels and NHWC k x k ones, the
// rounded operands' fp32 conv elsewhere) against the ts reference, both layouts, with the fused
// epilogue, at 1 and 2 threads (tiles of positions, chunks of channels) and which path ran;
// which path ran (bf16 instructions where /proc/cpuinfo lists avx512_bf16 at the AVX-512
// level, the emulated fp32 product elsewhere); the public ops' precision option; bad values.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backends, conv2d, conv2dAsync, gemm, gemmAsync, getBackend, getNumThreads, info, linear, matmul, matmulAsync, sbgemm, setBackend, setNumThreads, Tensor } from '../../lib/index';
import { lastPath } from '../helpers/paths';
import { bf16Round } from '../../lib/backend/ts/sbgemm';
import { prng, randomData, worstRatio } from '../helpers/random';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { gemmParityCases } from '../helpers/gemm-parity';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

const shapes: [number, number, number][] = [
  [1, 1, 1], [2, 37, 19], [7, 33, 17], [8, 32, 2], [17, 1, 9], [64, 64, 1001], [65, 129, 31], [300, 97, 64],
  [13, 300, 7], [257, 130, 520],
];

function cpuHasBf16(): boolean {
  try {
    return /\bavx512_bf16\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(skip)('sbgemm parity native vs ts', () => {
  itRunsAtForcedIsa();
  it('runs the bf16 instructions exactly where the CPU has them at the AVX-512 level', () => {
    const n = info().native;
    const want = n.simd === 'avx512' && cpuHasBf16() && process.env.CONVKIT_BF16 !== 'emulate' ? 'avx512_bf16' : 'emulated';
    expect(n.bf16).toBe(want);
  });
  gemmParityCases('sbgemm', shapes);
});

describe.skipIf(skip)('precision option', () => {
  const r = prng(42);
  const a = new Tensor(randomData(r, 24 * 40), [24, 40]);
  const b = new Tensor(randomData(r, 40 * 36), [40, 36]);

  it('bf16 rounds as the hardware: nearest even, denormals to zero, NaN quiet', () => {
    expect(bf16Round(1 + 2 ** -10)).toBe(1);
    expect(bf16Round(1 + 2 ** -8 + 2 ** -12)).toBe(1 + 2 ** -7);
    expect(bf16Round(1 + 2 ** -8)).toBe(1);                 // tie to even (down)
    expect(bf16Round(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);   // tie to even (up)
    expect(bf16Round(3.4e38)).toBe(Infinity);
    expect(Object.is(bf16Round(-1e-40), -0)).toBe(true);
    expect(bf16Round(NaN)).toBeNaN();
  });

  it('gemm, matmul, linear: bf16 differs from fp32 by the rounding, and equals the rounded operands\' fp32 product', () => {
    for (const be of ['native', 'ts'] as const) {
      const ar = new Tensor(a.data.map(bf16Round), a.shape), br = new Tensor(b.data.map(bf16Round), b.shape);
      const want = gemm(ar, br);
      const check = (y: Tensor) => expect(worstRatio(y.data, want.data, 1e-5)).toBeLessThanOrEqual(1);
      setBackend(be);
      try {
        expect(getBackend()).toBe(be);
        const y = gemm(a, b, { precision: 'bf16' });
        check(y);
        check(matmul(a, b, { precision: 'bf16' }));
        // linear: x @ w^T, w = b^T as [out, in].
        const w = new Tensor(new Float32Array(36 * 40), [36, 40]);
        for (let i = 0; i < 40; i++) for (let j = 0; j < 36; j++) w.data[j * 40 + i] = b.data[i * 36 + j];
        check(linear(a, w, null, { precision: 'bf16' }));
        const fp32 = gemm(a, b);
        let diff = 0;
        for (let i = 0; i < y.size; i++) diff = Math.max(diff, Math.abs(y.data[i] - fp32.data[i]));
        expect(diff).toBeGreaterThan(1e-4);  // the rounding shows
        expect(diff).toBeLessThan(0.05);
      } finally {
        setBackend('native');
      }
    }
  });

  it('async variants agree with the sync ones', async () => {
    const y = gemm(a, b, { precision: 'bf16' });
    expect(Array.from((await gemmAsync(a, b, { precision: 'bf16' })).data)).toEqual(Array.from(y.data));
    const a3 = new Tensor(randomData(r, 2 * 24 * 40), [2, 24, 40]);
    const y3 = matmul(a3, b, { precision: 'bf16' });
    expect(Array.from((await matmulAsync(a3, b, { precision: 'bf16' })).data)).toEqual(Array.from(y3.data));
  });

  it('sbgemm: BLAS arguments as sgemm, bf16 operands', () => {
    const c = new Float32Array(24 * 36);
    sbgemm(false, false, 24, 36, 40, 1, a.data, 40, b.data, 36, 0, c, 36);
    expect(Array.from(c)).toEqual(Array.from(gemm(a, b, { precision: 'bf16' }).data));
    expect(() => sbgemm(false, false, 24, 36, 40, 1, a.data, 40, b.data, 36, 0, c, 35)).toThrow(/^sbgemm: ldc/);
    expect(() => sbgemm(false, false, 24, 36, 40, 1, a.data, 40, b.data, 36, 0, a.data, 36)).toThrow(/sbgemm: c overlaps a/);
  });

  it('refuses an unknown precision, naming the op', () => {
    expect(() => gemm(a, b, { precision: 'fp16' as never })).toThrow(/gemm: .*precision/);
    expect(() => matmul(a, b, { precision: 'int4' as never })).toThrow(/matmul: .*precision/);
    expect(() => linear(a, a, null, { precison: 'bf16' } as never)).toThrow(/linear: .*precison/);
  });
});

describe.skipIf(skip)('conv2d precision bf16 native vs ts', () => {
  itRunsAtForcedIsa();
  const cases: [string, number[], number[], Record<string, unknown>][] = [
    ['pointwise', [2, 64, 7, 9], [40, 64, 1, 1], {}],
    ['1x1 stride 2', [1, 40, 9, 11], [48, 40, 1, 1], { stride: 2 }],
    ['1x1 padded', [1, 33, 5, 6], [17, 33, 1, 1], { padding: [1, 0, 0, 1] }],
    ['3x3', [1, 19, 11, 13], [33, 19, 3, 3], { padding: 1 }],
    ['7x7 / 2, Cin 3', [1, 3, 30, 30], [16, 3, 7, 7], { stride: 2, padding: 3 }],
    ['depthwise', [1, 24, 9, 9], [24, 1, 3, 3], { padding: 1, groups: 24 }],
    // NHWC: the tiled bf16 GEMM (Cin >= 16, stride 2): ragged tiles and channel panels (Cout 40,
    // 72), several images, a 4x4 output that is cut by channels at 2 threads, asymmetric padding.
    ['3x3 / 2, Cin 24', [3, 24, 15, 13], [40, 24, 3, 3], { stride: 2, padding: 1 }],
    ['3x3 / 2, small map', [1, 32, 7, 7], [72, 32, 3, 3], { stride: 2, padding: 1 }],
    ['5x3 / (2, 3), padded', [2, 17, 12, 16], [33, 17, 5, 3], { stride: [2, 3], padding: [2, 1, 0, 1] }],
    // NHWC stride 1 of an even channel count: the im2col of bf16 pairs (a 7x7 output: a partial
    // row tile; dilation with asymmetric padding).
    ['3x3, Cin 32', [2, 32, 9, 11], [40, 32, 3, 3], { padding: 1 }],
    ['3x3, Cin 48, 7x7', [1, 48, 7, 7], [64, 48, 3, 3], { padding: 1 }],
    ['5x5 dilated, Cin 16', [1, 16, 10, 9], [24, 16, 5, 5], { dilation: [2, 1], padding: [3, 1, 2, 2] }],
  ];
  // The path native takes with the bf16 instructions (conv2d-bf16.cc bf16_gemm_path): 1x1 of
  // one group, or NHWC k x k on 16 input channels or more, strided or of an even channel count;
  // else the fp32 conv's own path.
  const bf16Gemm = (ws: number[], extra: Record<string, unknown>, layout: string): boolean => {
    if (info().native.bf16 !== 'avx512_bf16' || (extra.groups ?? 1) !== 1) return false;
    if (ws[2] === 1 && ws[3] === 1) return true;
    return layout === 'nhwc' && ws[1] >= 16 && (extra.stride !== undefined || ws[1] % 2 === 0);
  };
  for (const [name, xs, ws, extra] of cases) {
    for (const layout of ['nchw', 'nhwc'] as const) for (const threads of [1, 2]) {
      it(`${name} ${layout} ${threads}T`, async () => {
        const before = getNumThreads();
        setNumThreads(threads);
        try {
          await checkBf16Conv(name, xs, ws, extra, layout);
        } finally {
          setNumThreads(before);
        }
      });
    }
  }
  async function checkBf16Conv(name: string, xs: number[], ws: number[], extra: Record<string, unknown>, layout: 'nchw' | 'nhwc'): Promise<void> {
    const r = prng(xs.reduce((a, b) => a * 31 + b, 7));
    const xShape = layout === 'nchw' ? xs : [xs[0], xs[2], xs[3], xs[1]];
    const wShape = layout === 'nchw' ? ws : [ws[0], ws[2], ws[3], ws[1]];
    const x = new Tensor(randomData(r, xs.reduce((a, b) => a * b, 1)), xShape);
    const w = new Tensor(randomData(r, ws.reduce((a, b) => a * b, 1)), wShape);
    const bias = new Tensor(randomData(r, ws[0]), [ws[0]]);
    const opts = { ...extra, layout, bias, activation: 'relu' as const, precision: 'bf16' as const };
    const y0 = conv2d(x, w, { ...opts, precision: 'fp32' });
    const residual = new Tensor(randomData(r, y0.size), y0.shape);
    lastPath('conv2d');
    const ynat = conv2d(x, w, { ...opts, residual });
    const path = lastPath('conv2d');
    if (bf16Gemm(ws, extra, layout)) expect(path, name).toBe('bf16-gemm');
    else expect(path, name).not.toBe('bf16-gemm');
    setBackend('ts');
    let yts: Tensor;
    try {
      yts = conv2d(x, w, { ...opts, residual });
    } finally {
      setBackend('native');
    }
    const kd = ws[1] * ws[2] * ws[3];
    expect(worstRatio(ynat.data, yts.data, 4 * 1.2e-7 * Math.sqrt(kd + 2) * (kd + 2))).toBeLessThanOrEqual(1);
    expect(Array.from((await conv2dAsync(x, w, { ...opts, residual })).data)).toEqual(Array.from(ynat.data));
    // The rounding shows against fp32.
    let diff = 0;
    const yf = conv2d(x, w, { ...opts, residual, precision: 'fp32' });
    for (let i = 0; i < yf.size; i++) diff = Math.max(diff, Math.abs(yf.data[i] - ynat.data[i]));
    expect(diff).toBeGreaterThan(1e-5);
  }
  it('weights prepacked for bf16 give conv2dBf16 bit for bit, on both backends', () => {
    for (const be of ['native', 'ts'] as const) {
      for (const [xs, ws, o] of [[[2, 9, 11, 40], [48, 1, 1, 40], {}], [[1, 7, 8, 33], [17, 3, 3, 33], { padding: 1 }],
        [[2, 9, 11, 24], [40, 3, 3, 24], { padding: 1, stride: 2 }]] as const) {
        const r = prng(5);
        const info = conv2dInfo('conv2d', [...xs], [...ws], { ...o, layout: 'nhwc' }, [ws[0]]);
        const x = randomData(r, xs.reduce((a, b) => a * b, 1)), w = randomData(r, ws.reduce((a, b) => a * b, 1)), b = randomData(r, ws[0]);
        const n = xs[0] * info.outHeight * info.outWidth * ws[0];
        const y0 = new Float32Array(n), y1 = new Float32Array(n);
        const k = backends[be];
        const pw = k.conv2dPrepack(w, info, 'bf16');
        expect(pw.precision).toBe('bf16');
        k.conv2dBf16(x, w, b, y0, info);
        k.conv2dPacked(x, pw, b, y1, info);
        expect(Array.from(y1)).toEqual(Array.from(y0));
      }
    }
  });

  it('refuses an unknown precision', () => {
    const x = new Tensor(new Float32Array(16), [1, 1, 4, 4]), w = new Tensor(new Float32Array(9), [1, 1, 3, 3]);
    expect(() => conv2d(x, w, { precision: 'half' as never })).toThrow(/^conv2d: .*precision/);
  });
});
