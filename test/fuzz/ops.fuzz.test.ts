// Fuzzing in the suite: CONVKIT_FUZZ_RUNS cases in all (default 400 on CI); `npm run fuzz` runs 10,000+.
// Every run uses one fast-check seed for all properties, printed up front and in any failure:
// CONVKIT_FUZZ_SEED=<seed> replays a run exactly (case i of a seed does not depend on the
// number of runs, so a failure at case i replays with any CONVKIT_FUZZ_RUNS > i).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { info } from '../../lib/index';
import { nativeRequired } from '../helpers/native';
import { agree, close, properties } from './ops.fuzz';

const total = Number(process.env.CONVKIT_FUZZ_RUNS ?? 400);
const runs = Math.ceil(total / Object.keys(properties).length);
const seed = fuzzSeed(process.env.CONVKIT_FUZZ_SEED);
const replay = `CONVKIT_FUZZ_SEED=${seed} CONVKIT_FUZZ_RUNS=${total} npx vitest run --project main test/fuzz`;

function fuzzSeed(env: string | undefined): number {
  if (env === undefined || env === '') return (Math.random() * 2 ** 32) | 0;
  const s = Number(env);
  if (!Number.isInteger(s) || s < -(2 ** 31) || s >= 2 ** 32) throw new RangeError(`CONVKIT_FUZZ_SEED must be a 32-bit integer, got ${env}`);
  return s | 0;
}

describe('fuzz comparator', () => {
  it('equal infinities and NaN in the same places agree; anything else non-finite does not', () => {
    expect(close(-Infinity, -Infinity, 1e-6)).toBe(true);
    expect(close(Infinity, Infinity, 1e-6)).toBe(true);
    expect(close(NaN, NaN, 1e-6)).toBe(true);
    expect(close(0, -0, 0)).toBe(true);
    expect(close(1, 1 + 1e-7, 1e-6)).toBe(true);
    expect(close(Infinity, -Infinity, 1e-6)).toBe(false);
    expect(close(-Infinity, NaN, 1e-6)).toBe(false);
    expect(close(NaN, 0, 1e-6)).toBe(false);
    expect(close(0, NaN, 1e-6)).toBe(false);
    expect(close(Infinity, 3e38, 1e-6)).toBe(false);
    expect(close(-3e38, -Infinity, 1e-6)).toBe(false);
    expect(close(1, 1.001, 1e-6)).toBe(false);
  });
  it.skipIf(!info().native.loaded)('a max pool window wholly in the padding: -Infinity on both backends agrees', () => {
    // The case `npm run fuzz` reported on main (|-inf - -inf| = NaN failed the comparison).
    const x = new ck.Tensor(Float32Array.of(0.5), [1, 1, 1, 1]);
    const run = () => ({ t: ck.maxPool2d(x, { kernel: [2, 1], dilation: 2, padding: [1, 0] }), k: 2 });
    expect(Array.from(run().t.data)).toContain(-Infinity);
    expect(() => agree('pool', run)).not.toThrow();
  });
});

describe.skipIf(!info().native.loaded && !nativeRequired())('fuzz: native == ts, or the same error', () => {
  // eslint-disable-next-line no-console
  console.log(`fuzz: seed ${seed}, ${runs} cases per property (replay: ${replay})`);
  for (const [name, property] of Object.entries(properties)) {
    it(`${name} (${runs} cases, seed ${seed})`, () => {
      try {
        fc.assert(property as fc.IProperty<[unknown]>, { numRuns: runs, seed, verbose: 1 });
      } catch (e) {
        // fast-check's message holds the seed and the shrunk path; add the command line.
        throw new Error(`fuzz ${name} failed (seed ${seed}; replay: ${replay})\n${(e as Error).message}`, { cause: e });
      }
    }, 600_000);
  }
});
