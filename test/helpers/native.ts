import { expect, it } from 'vitest';
import { info } from '../../lib/index';

// Where the addon must be present: on CI and on any x86-64/arm64 Linux or macOS machine
// where `npm install` built it. Set CONVKIT_ALLOW_TS_ONLY=1 to run on ts alone.
export function nativeRequired(): boolean {
  return process.env.CONVKIT_ALLOW_TS_ONLY !== '1';
}

/**
 * In the isa-* projects (CONVKIT_ISA set, vitest.config.mts): a test that the forced level is
 * the one native runs at. An ignored CONVKIT_ISA would otherwise rerun the best level and pass.
 */
export function itRunsAtForcedIsa(): void {
  const forced = process.env.CONVKIT_ISA;
  if (forced === undefined) return;
  it(`native runs at CONVKIT_ISA=${forced}`, () => {
    const n = info().native;
    expect(n.loaded).toBe(true);
    expect(n.simd).toBe(forced);
  });
}

/**
 * The backends' sgemm(a, b, c, info) arguments from BLAS's 13 positional ones, unchecked (so
 * garbage in any position reaches the kernel's own checks).
 */
export function blas(...args: unknown[]): [Float32Array, Float32Array, Float32Array, never] {
  const [transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc] = args;
  return [a, b, c, { transA, transB, m, n, k, alpha, beta, lda, ldb, ldc }] as never;
}
