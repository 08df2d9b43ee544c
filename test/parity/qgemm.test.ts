// precision 'int8' (dynamic quantization, native/include/convkit/qgemm.h): native qgemm ==
// the ts backend's reference bit for bit (the int32 sums are exact, the dequantization the same
// rounded operations) on every transpose, partial tiles, K not a multiple of 4, several row
// blocks and panel groups, strided leading dimensions, alpha / beta; which kernels run (VNNI
// exactly where /proc/cpuinfo lists avx512_vnni at the AVX-512 level); the arithmetic on a case
// worked by hand; NaN and infinity; the K limit; the public ops' precision option (gemm,
// matmul, linear, their async forms) on both backends; the glue's argument checks.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backends, gemm, gemmAsync, getBackend, info, linear, matmul, matmulAsync, qgemm, setBackend, Tensor } from '../../lib/index';
import { maxErrors } from '../helpers/onnx-fixtures';
import { prng, randomData } from '../helpers/random';
import { gemmParityCases } from '../helpers/gemm-parity';
import { blas, itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

const shapes: [number, number, number][] = [
  [1, 1, 1], [2, 37, 19], [7, 33, 17], [12, 32, 4], [13, 1, 9], [64, 64, 1001], [65, 129, 31], [300, 97, 64],
  [13, 300, 7], [257, 130, 520],
];

function cpuHasVnni(): boolean {
  try {
    return /\bavx512_vnni\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

const f32 = Math.fround;
/** The largest |y - want| over the largest |want|. */
const relErr = (y: Float32Array, want: Float32Array): number => maxErrors(y, want).rel;


describe.skipIf(skip)('qgemm parity native vs ts (bit for bit)', () => {
  itRunsAtForcedIsa();
  it('runs the VNNI kernels exactly where the CPU has them at the AVX-512 level', () => {
    const n = info().native;
    const want = n.simd === 'avx512' && cpuHasVnni() && process.env.CONVKIT_INT8 !== 'emulate' ? 'avx512_vnni' : 'emulated';
    expect(n.int8).toBe(want);
  });
  gemmParityCases('qgemm', shapes);
});

describe.skipIf(skip)('precision int8', () => {
  const r = prng(17);
  const a = new Tensor(randomData(r, 24 * 40), [24, 40]);
  const b = new Tensor(randomData(r, 40 * 36), [40, 36]);

  it('computes the documented arithmetic (a case worked by hand)', () => {
    // a = [1, -0.5], b = [0.25, 1]^T: sa = sb = fl(1 / 127); qa = [127, rne(-63.5) = -64],
    // qb = [rne(31.75) = 32, 127]; q = 127 * 32 - 64 * 127 = -4064; y = fl(-4064 * fl(sa * sb)).
    const s = f32(f32(1 / 127) * f32(1 / 127));
    const want = f32(-4064 * s);
    for (const be of ['native', 'ts'] as const) {
      setBackend(be);
      try {
        const y = gemm(new Tensor(Float32Array.of(1, -0.5), [1, 2]), new Tensor(Float32Array.of(0.25, 1), [2, 1]), { precision: 'int8' });
        expect(y.data[0], be).toBe(want);
        expect(y.data[0]).not.toBe(-0.25);  // the fp32 product
        // Ties round to even both ways: -1.5 and 2.5 (in units of the scale) become -2 and 2.
        const t = gemm(new Tensor(Float32Array.of(127, -1.5 * 1, 2.5), [1, 3]), new Tensor(Float32Array.of(1, 1, 1), [3, 1]), { precision: 'int8' });
        // sa = 1, qa = [127, -2, 2]; sb = fl(1/127), qb = 127 each: q = 127 * 127.
        expect(t.data[0], be).toBe(f32(127 * 127 * f32(1 * f32(1 / 127))));
      } finally {
        setBackend('native');
      }
    }
  });

  it('gemm, matmul, linear: int8 on both backends, the same bits, within 2% of fp32 and not equal to it', () => {
    const outs: Record<string, Float32Array[]> = {};
    const w = new Tensor(new Float32Array(36 * 40), [36, 40]);  // linear's [out, in] = b^T
    for (let i = 0; i < 40; i++) for (let j = 0; j < 36; j++) w.data[j * 40 + i] = b.data[i * 36 + j];
    const bias = new Tensor(randomData(r, 36), [36]);
    const c = new Tensor(randomData(r, 24), [24]);  // broadcast over the rows of [36, 24]
    for (const be of ['native', 'ts'] as const) {
      setBackend(be);
      try {
        expect(getBackend()).toBe(be);
        outs[be] = [
          gemm(a, b, { precision: 'int8' }).data,
          gemm(b, a, { transA: true, transB: true, alpha: 0.5, beta: 2, c, precision: 'int8' }).data,
          matmul(a, b, { precision: 'int8' }).data,
          linear(a, w, bias, { precision: 'int8' }).data,
        ];
      } finally {
        setBackend('native');
      }
    }
    for (let i = 0; i < outs.native.length; i++) expect(Array.from(outs.native[i]), `output ${i}`).toEqual(Array.from(outs.ts[i]));
    const fp32 = gemm(a, b).data;
    expect(Array.from(outs.native[2])).toEqual(Array.from(outs.native[0]));  // matmul: the same product
    expect(relErr(outs.native[0], fp32)).toBeGreaterThan(1e-4);
    expect(relErr(outs.native[0], fp32)).toBeLessThan(0.02);
    expect(relErr(outs.native[3], linear(a, w, bias).data)).toBeLessThan(0.02);
    expect(relErr(outs.native[1], gemm(b, a, { transA: true, transB: true, alpha: 0.5, beta: 2, c }).data)).toBeLessThan(0.02);
  });

  it('quantizes each batch of a matmul on its own, and the async forms agree', async () => {
    const a3 = new Tensor(randomData(r, 3 * 24 * 40), [3, 24, 40]);
    for (let i = 24 * 40; i < 2 * 24 * 40; i++) a3.data[i] *= 1000;  // batch 1's scale is its own
    const y3 = matmul(a3, b, { precision: 'int8' });
    for (let t = 0; t < 3; t++) {
      const at = new Tensor(a3.data.slice(t * 960, (t + 1) * 960), [24, 40]);
      expect(Array.from(y3.data.subarray(t * 24 * 36, (t + 1) * 24 * 36)), `batch ${t}`).toEqual(Array.from(matmul(at, b, { precision: 'int8' }).data));
    }
    expect(Array.from((await matmulAsync(a3, b, { precision: 'int8' })).data)).toEqual(Array.from(y3.data));
    expect(Array.from((await gemmAsync(a, b, { precision: 'int8' })).data)).toEqual(Array.from(gemm(a, b, { precision: 'int8' }).data));
  });

  it('NaN or infinity: in a, every output NaN; in a column of b, that column', () => {
    for (const be of ['native', 'ts'] as const) {
      setBackend(be);
      try {
        const an = new Tensor(a.data.slice(), a.shape);
        an.data[5] = NaN;
        expect(gemm(an, b, { precision: 'int8' }).data.every(Number.isNaN), be).toBe(true);
        const bi = new Tensor(b.data.slice(), b.shape);
        bi.data[3 * 36 + 7] = -Infinity;  // column 7
        const y = gemm(a, bi, { precision: 'int8' });
        for (let i = 0; i < 24; i++) {
          for (let j = 0; j < 36; j++) expect(Number.isNaN(y.data[i * 36 + j]), `${be} ${i},${j}`).toBe(j === 7);
        }
        // All zeros: scale 0, outputs 0 (no NaN from 0 / 0).
        expect(Array.from(gemm(new Tensor(new Float32Array(6), [2, 3]), new Tensor(Float32Array.of(1, 2, 3), [3, 1]), { precision: 'int8' }).data)).toEqual([0, 0]);
      } finally {
        setBackend('native');
      }
    }
  });

  it('refuses K over 65536 (the int32 sums), naming the op and the shapes', () => {
    const k = 65537;
    const x = new Tensor(new Float32Array(k), [1, k]), y = new Tensor(new Float32Array(k), [k, 1]);
    expect(() => gemm(x, y, { precision: 'int8' })).toThrow(/^gemm: precision 'int8' takes K up to 65536, got K 65537 \(a \[1, 65537\], b \[65537, 1\]\)/);
    expect(() => matmul(x, y, { precision: 'int8' })).toThrow(/^matmul: precision 'int8' takes K up to 65536/);
    expect(() => linear(x, new Tensor(new Float32Array(k), [1, k]), null, { precision: 'int8' })).toThrow(/^linear: precision 'int8' takes K up to 65536/);
    expect(gemm(x, y).data[0]).toBe(0);  // fp32 has no such limit
    for (const be of ['native', 'ts'] as const) {
      expect(() => backends[be].qgemm(...blas(false, false, 1, 1, k, 1, x.data, k, y.data, 1, 0, new Float32Array(1), 1)), be).toThrow(/qgemm: k is 65537 but int8 sums take at most 65536/);
    }
    // At the limit: every value quantizes to +-127 and the sum is 65536 * 127 * 127 exactly.
    const kk = 65536;
    const ones = new Tensor(new Float32Array(kk).fill(1), [1, kk]), twos = new Tensor(new Float32Array(kk).fill(-2), [kk, 1]);
    const want = f32(-(kk * 127 * 127) * f32(f32(1 / 127) * f32(2 / 127)));
    expect(gemm(ones, twos, { precision: 'int8' }).data[0]).toBe(want);
  });

  it('qgemm, the BLAS form: gemm int8 on bare arrays, BLAS checks', () => {
    const c = new Float32Array(24 * 36);
    qgemm(false, false, 24, 36, 40, 1, a.data, 40, b.data, 36, 0, c, 36);
    expect(Array.from(c)).toEqual(Array.from(gemm(a, b, { precision: 'int8' }).data));
    expect(() => qgemm(false, false, 24, 36, 40, 1, a.data, 40, b.data, 36, 0, c, 35)).toThrow(/^qgemm: ldc/);
    const big = new Float32Array(65537);
    expect(() => qgemm(false, false, 1, 1, 65537, 1, big, 65537, big, 1, 0, new Float32Array(1), 1)).toThrow(/^qgemm: precision 'int8' takes K up to 65536/);
  });

  it('qgemm: the glue checks leading dimensions, overlap and buffers', async () => {
    const nat = backends.native;
    const av = new Float32Array(24), bv = new Float32Array(30), cv = new Float32Array(20);
    expect(() => nat.qgemm(...blas(false, false, 4, 5, 6, 1, av, 6, bv, 5, 0, cv, 4))).toThrow(/^qgemm: ldc/);
    expect(() => nat.qgemm(...blas(false, false, 4, 5, 6, 1, av, 6, bv, 5, 0, av, 5))).toThrow(/qgemm: c overlaps a/);
    expect(() => nat.qgemm(...blas(false, false, 4, 5, 6, 1, new Float32Array(23), 6, bv, 5, 0, cv, 5))).toThrow(/^qgemm: a has 23 elements/);
    await expect(nat.qgemmAsync(...blas(false, false, 4, 5, 6, 1, av, 6, bv, 5, 0, new Float32Array(19), 5))).rejects.toThrow(/^qgemm: c has 19 elements/);
  });
});
