// The parity cases sgemm, sbgemm and qgemm share (test/parity/gemm.test.ts, sbgemm.test.ts,
// qgemm.test.ts): for each shape and transpose pair, random A, B, C with padded leading
// dimensions; for three (alpha, beta) the native kernel against the ts one within fp32
// accumulation error (qgemm: bit for bit, its sums being exact), beta = 0 never reading C (its
// [m, n] window poisoned with NaN), and C's leading-dimension gaps untouched.
import { expect, it } from 'vitest';
import { backends } from '../../lib/index';
import { blas } from './native';
import { prng, randInt, randomData, worstRatio } from './random';

export function gemmParityCases(kernel: 'sgemm' | 'sbgemm' | 'qgemm', shapes: readonly (readonly [number, number, number])[]): void {
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${m}x${n}x${k} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, () => {
          const r = prng(m * 7919 + n * 31 + k + (transA ? 1 : 0) + (transB ? 2 : 0));
          const pad = randInt(r, 0, 3);
          const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
          const a = randomData(r, (transA ? k : m) * lda);
          const b = randomData(r, (transB ? n : k) * ldb);
          const c0 = randomData(r, m * ldc);
          for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
            const cts = c0.slice(), cnat = c0.slice();
            if (beta === 0) for (let i = 0; i < m; i++) cnat.fill(NaN, i * ldc, i * ldc + n);
            backends.ts[kernel](...blas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cts, ldc));
            backends.native[kernel](...blas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cnat, ldc));
            if (kernel === 'qgemm') {
              expect(Array.from(cnat)).toEqual(Array.from(cts));
            } else {
              const atol = 4 * 1.2e-7 * Math.sqrt(k + 1) * (Math.abs(alpha) * k + Math.abs(beta));
              expect(worstRatio(cnat, cts, atol)).toBeLessThanOrEqual(1);
            }
            for (let i = 0; i + 1 < m; i++) for (let j = n; j < ldc; j++) expect(cnat[i * ldc + j]).toBe(c0[i * ldc + j]);
          }
        });
      }
    }
  }
}
