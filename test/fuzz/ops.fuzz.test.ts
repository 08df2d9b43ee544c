// Fuzzing in the suite: CONVKIT_FUZZ_RUNS cases in all (default 400 on CI); `npm run fuzz` runs 10,000+.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { info } from '../../lib/index';
import { nativeRequired } from '../helpers/native';
import { properties } from './ops.fuzz';

const total = Number(process.env.CONVKIT_FUZZ_RUNS ?? 400);
const seed = process.env.CONVKIT_FUZZ_SEED ? Number(process.env.CONVKIT_FUZZ_SEED) : undefined;
const entries = Object.entries(properties);

describe.skipIf(!info().native.loaded && !nativeRequired())('fuzz: native == ts, or the same error', () => {
  for (const [name, property] of entries) {
    it(`${name} (${Math.ceil(total / entries.length)} cases)`, () => {
      fc.assert(property, { numRuns: Math.ceil(total / entries.length), seed, verbose: 1 });
    }, 600_000);
  }
});
