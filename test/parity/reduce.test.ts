// native reductions and argmax == ts over [outer, axis, inner] views (rows and columns, odd
// sizes, NaN and infinities), and the public reduction ops.
import { describe, expect, it } from 'vitest';
import { backends, getBackend, info, max, mean, min, setBackend, sum, tensor } from '../../lib/index';
import { REDUCE_KINDS } from '../../lib/backend/backend';
import { argmaxIndices } from '../../lib/ops/reduce';
import { prng, randomData } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

describe.skipIf(skip)('reduce parity native vs ts', () => {
  itRunsAtForcedIsa();
  const views = [[1, 1, 1], [1, 300007, 1], [37, 1001, 1], [5, 33, 77], [2, 9, 70001], [3, 1, 5], [4, 0, 3], [7, 17, 3], [1, 5, 16]];
  for (const [outer, axis, inner] of views) {
    for (const special of [false, true]) {
      it(`[${outer}, ${axis}, ${inner}]${special ? ' with NaN/inf' : ''}`, () => {
        const r = prng(outer * 7 + axis + inner);
        const x = randomData(r, outer * axis * inner);
        if (special && x.length > 20) { x[3] = NaN; x[11] = Infinity; x[x.length - 1] = -Infinity; x[x.length >> 1] = NaN; }
        for (const kind of REDUCE_KINDS) {
          const a = new Float32Array(outer * inner), b = new Float32Array(outer * inner).fill(12345);
          backends.ts.reduce(kind, x, a, outer, axis, inner);
          backends.native.reduce(kind, x, b, outer, axis, inner);
          // Sums: float accumulation vs double, bounded by sqrt(axis) ulps of sum |x|.
          const tol = kind === 'sum' || kind === 'mean' ? 1e-6 * Math.sqrt(axis + 1) * (kind === 'sum' ? axis : 1) : 0;
          // Every element checked in a plain loop, the first miss reported by expect (one expect
          // per element took 9 s of CI for the 140,002 outputs of [2, 9, 70001]).
          const miss = a.findIndex((v, i) => (Number.isFinite(v) ? !(Math.abs(v - b[i]) <= tol) : !Object.is(b[i], v)));
          if (miss >= 0 && !Number.isFinite(a[miss])) expect(b[miss], `${kind} ${miss}`).toBe(a[miss]);
          if (miss >= 0) expect(Math.abs(a[miss] - b[miss]), `${kind} ${miss}`).toBeLessThanOrEqual(tol);
        }
        if (axis === 0) return;
        const ia = new Int32Array(outer * inner), ib = new Int32Array(outer * inner).fill(-7);
        backends.ts.argmax(x, ia, outer, axis, inner);
        backends.native.argmax(x, ib, outer, axis, inner);
        expect(ib).toEqual(ia);
      });
    }
  }
  it('ops: axes, keepDims, negative axes, all, errors', () => {
    setBackend('native');
    expect(getBackend()).toBe('native');
    const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(sum(x).toArray()).toEqual(36);
    expect(sum(x).shape).toEqual([]);
    expect(sum(x, 1).toArray()).toEqual([[4, 6], [12, 14]]);
    expect(sum(x, [0, 2]).toArray()).toEqual([14, 22]);
    expect(sum(x, -1, { keepDims: true }).shape).toEqual([2, 2, 1]);
    expect(mean(x, [0, 1, 2]).toArray()).toEqual(4.5);
    expect(max(x, 0).toArray()).toEqual([[5, 6], [7, 8]]);
    expect(min(x, [1, 2]).toArray()).toEqual([1, 5]);
    expect(max(tensor([1, NaN, 3])).data[0]).toBeNaN();
    expect(Array.from(argmaxIndices(tensor([[1, 3, 3], [NaN, 2, NaN]]), 1).indices)).toEqual([1, 0]);
    expect(() => sum(x, 3)).toThrow('sum: axis 3 out of range for x [2, 2, 2] (rank 3)');
    expect(() => sum(x, [1, 1])).toThrow(/^sum: axis 1 repeated/);
    expect(() => max(tensor([], [0]))).toThrow(/^max: cannot reduce/);
  });
});
