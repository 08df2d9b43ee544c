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
