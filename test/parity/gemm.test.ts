// native sgemm == ts sgemm: every transpose, partial tiles, k below the unroll, strided
// leading dimensions, alpha/beta, and beta = 0 ignoring NaN in C.
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { prng, randInt, randomData, worstRatio } from '../helpers/random';
import { blas, itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 1000, 2048], [2, 37, 19], [3, 5, 1], [7, 33, 17], [17, 1, 9], [64, 64, 64],
  [65, 129, 31], [100, 3, 257], [128, 128, 300], [13, 300, 7],
];

describe.skipIf(skip)('sgemm parity native vs ts', () => {
  itRunsAtForcedIsa();
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${m}x${n}x${k} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, () => {
          const r = prng(m * 7919 + n * 31 + k + (transA ? 1 : 0) + (transB ? 2 : 0));
          const pad = randInt(r, 0, 3);
          const lda = (transA ? m : k) + pad;
          const ldb = (transB ? k : n) + pad;
          const ldc = n + pad;
          const a = randomData(r, (transA ? k : m) * lda);
          const b = randomData(r, (transB ? n : k) * ldb);
          const c0 = randomData(r, m * ldc);
          for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
            const cts = c0.slice();
            const cnat = c0.slice();
            // beta = 0 must not read C: poison the [m, n] window (the padding must stay untouched).
            if (beta === 0) for (let i = 0; i < m; i++) cnat.fill(NaN, i * ldc, i * ldc + n);
            backends.ts.sgemm(...blas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cts, ldc));
            backends.native.sgemm(...blas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cnat, ldc));
            const atol = 4 * 1.2e-7 * Math.sqrt(k + 1) * (Math.abs(alpha) * k + Math.abs(beta));
            expect(worstRatio(cnat, cts, atol)).toBeLessThanOrEqual(1);
          }
        });
      }
    }
  }
});
