// Every case of ../shared/conformance, on both backends (native at this project's ISA level).
import { describe, expect, it } from 'vitest';
import { backends, info, setBackend } from '../../lib/index';
import { compareCase, loadManifest, runCase } from '../helpers/conformance';
import { nativeRequired } from '../helpers/native';

const cases = loadManifest();
const isaProject = process.env.CONVKIT_ISA !== undefined;
const names = isaProject ? (['native'] as const) : (['ts', 'native'] as const);

describe('conformance manifest', () => {
  it('has the documented cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(506);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });
  if (isaProject) {
    it(`native runs at CONVKIT_ISA=${process.env.CONVKIT_ISA} (or the best this CPU has)`, () => {
      const n = info().native;
      expect(n.loaded).toBe(true);
      expect([process.env.CONVKIT_ISA, n.detectedSimd]).toContain(n.simd);
    });
  }
});

for (const name of names) {
  const available = name === 'ts' || info().native.loaded;
  describe.skipIf(!available && !nativeRequired())(`conformance on ${name}`, () => {
    it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      expect(backends[name].name).toBe(name);
      setBackend(name);
      const mismatch = compareCase(c, runCase(c));
      expect(mismatch, JSON.stringify(mismatch)).toBeNull();
    });
  });
}
