// transpose, concat, split, slice, pad (and their gradients), reshape, flatten: native vs ts
// and vs index-by-index references, plus bad input.
import { afterEach, describe, expect, it } from 'vitest';
import {
  concat, concatBackward, flatten, getBackend, info, pad, padBackward, reshape, setBackend, slice, sliceBackward, split,
  splitBackward, Tensor, transpose, transposeBackward, type BackendName,
} from '../../lib/index';
import { prng, randInt, randomData } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();
const BACKENDS: BackendName[] = ['ts', 'native'];
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

function each(f: (be: BackendName) => void): void {
  for (const be of BACKENDS) {
    setBackend(be);
    expect(getBackend()).toBe(be);
    f(be);
  }
}

const strides = (s: readonly number[]) => { const r: number[] = []; let p = 1; for (let d = s.length - 1; d >= 0; d--) { r[d] = p; p *= s[d]; } return r; };
const rnd = (seed: number, shape: number[]) => new Tensor(randomData(prng(seed), shape.reduce((a, b) => a * b, 1)), shape);
/** Calls f(index) for each index of shape, row-major. */
function forIndex(shape: readonly number[], f: (idx: number[], flat: number) => void): void {
  const n = shape.reduce((a, b) => a * b, 1), idx = new Array<number>(shape.length).fill(0);
  for (let t = 0; t < n; t++) {
    f(idx, t);
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
}

describe.skipIf(skip)('shape ops parity native vs ts', () => {
  itRunsAtForcedIsa();
  afterEach(() => setBackend('native'));

  const perms: [number[], number[]][] = [
    [[2, 3, 5, 7], [0, 2, 3, 1]], [[3, 35, 41, 17], [0, 2, 3, 1]], [[2, 41, 37, 19], [0, 3, 1, 2]], [[1, 40, 30, 30], [0, 2, 3, 1]],
    [[33, 65], [1, 0]], [[2, 3, 4, 5, 6, 7], [5, 3, 1, 0, 2, 4]], [[4, 1, 9, 1], [3, 2, 1, 0]], [[7], [0]], [[5, 6, 7], [-1, 0, 1]],
    // Planes into pixels: 3 channels (the interleave kernel, ragged columns), 2 and 5 channels.
    [[2, 3, 37, 43], [0, 2, 3, 1]], [[1, 3, 224, 224], [0, 2, 3, 1]], [[1, 2, 9, 11], [0, 2, 3, 1]], [[1, 5, 13, 7], [0, 2, 3, 1]],
  ];
  for (const [shape, perm] of perms) {
    it(`transpose [${shape.join(', ')}] by [${perm.join(', ')}] and back`, () => {
      const x = rnd(shape.length, shape), xs = strides(shape), p = perm.map((a) => (a < 0 ? a + shape.length : a));
      each(() => {
        const y = transpose(x, perm);
        expect(y.shape).toEqual(p.map((a) => shape[a]));
        forIndex(y.shape, (idx, flat) => {
          const xo = idx.reduce((s, v, k) => s + v * xs[p[k]], 0);
          if (y.data[flat] !== x.data[xo]) expect.fail(`at ${flat}`);
        });
        expect(same(transposeBackward(y, perm).data, x.data)).toBe(true);
      });
    });
  }

  it('concat / split along every axis, round trip, and the gradients', () => {
    const r = prng(5);
    for (let k = 0; k < 12; k++) {
      const rank = randInt(r, 1, 4), base = Array.from({ length: rank }, () => randInt(r, 1, 6)), axis = randInt(r, -rank, rank - 1);
      const a = axis < 0 ? axis + rank : axis;
      const lens = [randInt(r, 0, 5), randInt(r, 1, 5), randInt(r, 1, 17)];
      const xs = lens.map((l, i) => { const s = base.slice(); s[a] = l; return rnd(k * 10 + i, s); });
      const results = BACKENDS.map((be) => {
        setBackend(be);
        expect(getBackend()).toBe(be);
        const y = concat(xs, axis);
        const parts = split(y, lens, axis);
        parts.forEach((p, i) => expect(p.data).toEqual(xs[i].data));
        expect(concatBackward(y, lens, axis).map((p) => p.shape)).toEqual(xs.map((x) => x.shape));
        expect(splitBackward([parts[0], null, parts[2]], y.shape, axis).data).toEqual(concat([xs[0], new Tensor(new Float32Array(xs[1].size), xs[1].shape), xs[2]], axis).data);
        return y;
      });
      expect(results[1].data).toEqual(results[0].data);
      const outer = base.slice(0, a).reduce((p, q) => p * q, 1);
      expect(results[0].shape[a]).toBe(lens.reduce((p, q) => p + q, 0));
      expect(results[0].size).toBe(outer * results[0].shape[a] * base.slice(a + 1).reduce((p, q) => p * q, 1));
    }
    each(() => expect(split(rnd(1, [2, 6, 3]), 3, 1).map((p) => p.shape)).toEqual([[2, 2, 3], [2, 2, 3], [2, 2, 3]]));
  });

  const slices: [number[], number[], number[], number[] | undefined][] = [
    [[7, 9], [1, 2], [6, 8], undefined], [[7, 9], [5, -1], [0, -10], [-2, -1]], [[4, 5, 6], [-100, 1], [100, -1], [3, 2]],
    [[4, 5, 6], [0, 0, 5], [4, 5, -7], [1, 1, -1]], [[10], [8], [2], [-3]], [[3, 4], [2], [2], undefined],
    [[37, 41, 3], [1, 40, 0], [36, 0, 3], [2, -3, 1]], [[5, 6], [Infinity], [-Infinity], [-1]],
  ];
  for (const [shape, starts, ends, steps] of slices) {
    it(`slice [${shape.join(', ')}] [${starts.join(', ')}]:[${ends.join(', ')}]:${steps ? `[${steps.join(', ')}]` : '1'} and its gradient`, () => {
      const x = rnd(shape[0], shape), xs = strides(shape);
      // numpy's rule for each sliced dimension
      const ranges = shape.map((n, d) => {
        if (d >= starts.length) return Array.from({ length: n }, (_, i) => i);
        const st = steps?.[d] ?? 1;
        let s = starts[d], e = ends[d];
        if (s < 0) s += n; if (e < 0) e += n;
        const out: number[] = [];
        if (st > 0) { s = Math.min(Math.max(s, 0), n); e = Math.min(Math.max(e, 0), n); for (let i = s; i < e; i += st) out.push(i); }
        else { s = Math.min(Math.max(s, 0), n - 1); e = Math.min(Math.max(e, -1), n - 1); for (let i = s; i > e; i += st) out.push(i); }
        return out;
      });
      each(() => {
        const y = slice(x, starts, ends, steps);
        expect(y.shape).toEqual(ranges.map((r) => r.length));
        const dx = sliceBackward(y, shape, starts, ends, steps);
        const want = new Float32Array(x.size);
        forIndex(y.shape, (idx, flat) => {
          const xo = idx.reduce((s, v, k) => s + ranges[k][v] * xs[k], 0);
          if (y.data[flat] !== x.data[xo]) expect.fail(`at ${flat}`);
          want[xo] = x.data[xo];
        });
        expect(dx.data).toEqual(want);
      });
    });
  }

  for (const mode of ['constant', 'reflect', 'edge'] as const) {
    for (const [shape, pads] of [[[5, 6], [2, 3, 4, 5]], [[2, 3, 7, 9], [0, 1, 2, 3, 0, 0, 4, 1]], [[3, 4, 5], [1, -1, 2, 2, 0, -2]], [[9], [8, 1]]] as [number[], number[]][]) {
      if (mode !== 'constant' && pads.some((p, i) => p >= shape[i % shape.length])) continue;
      it(`pad ${mode} [${shape.join(', ')}] by [${pads.join(', ')}] and its gradient`, () => {
        const x = rnd(7, shape), xs = strides(shape), r = shape.length;
        const src = (d: number, o: number) => {
          const n = shape[d], i = o - pads[d];
          if (i >= 0 && i < n) return i;
          if (mode === 'constant') return -1;
          return mode === 'edge' ? (i < 0 ? 0 : n - 1) : (i < 0 ? -i : 2 * (n - 1) - i);
        };
        const outs = BACKENDS.map((be) => {
          setBackend(be);
          expect(getBackend()).toBe(be);
          const y = pad(x, pads, { mode, value: 2.5 });
          expect(y.shape).toEqual(shape.map((n, d) => n + pads[d] + pads[d + r]));
          const dy = rnd(11, y.shape.slice()), want = new Float64Array(x.size);
          forIndex(y.shape, (idx, flat) => {
            const s = idx.map((o, d) => src(d, o));
            const xo = s.some((v) => v < 0) ? -1 : s.reduce((a, v, k) => a + v * xs[k], 0);
            if (y.data[flat] !== (xo < 0 ? 2.5 : x.data[xo])) expect.fail(`at ${flat}`);
            if (xo >= 0) want[xo] += dy.data[flat];
          });
          const dx = padBackward(dy, shape, pads, { mode });
          dx.data.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
          return y;
        });
        expect(outs[1].data).toEqual(outs[0].data);
      });
    }
  }

  it('reshape and flatten share data', () => {
    const x = rnd(3, [2, 3, 4, 5]);
    expect(flatten(x).shape).toEqual([2, 60]);
    expect(flatten(x, 2).shape).toEqual([2, 3, 20]);
    expect(flatten(x, -1).shape).toEqual([2, 3, 4, 5]);
    expect(flatten(x, 0).data).toBe(x.data);
    expect(reshape(x, [6, -1]).shape).toEqual([6, 20]);
    expect(reshape(x, [6, -1]).data).toBe(x.data);
  });

  it('refuses bad input with the op name and shapes', () => {
    const a = rnd(1, [2, 3]), b = rnd(2, [2, 4]);
    expect(() => concat([a, b], 1)).not.toThrow();
    expect(() => concat([a, b], 0)).toThrow('concat: xs[1] [2, 4] does not match xs[0] [2, 3] outside axis 0');
    expect(() => concat([a, rnd(3, [2, 3, 1])], 1)).toThrow('concat: xs[1] [2, 3, 1] does not match xs[0] [2, 3] outside axis 1');
    expect(() => concat([], 0)).toThrow('concat: xs is empty');
    expect(() => concat([a], 2)).toThrow(/concat: axis 2 out of range for \[2, 3\]/);
    expect(() => transpose(a, [0, 0])).toThrow('transpose: perm [0, 0] repeats axis 0: not a permutation of the axes of x [2, 3]');
    expect(() => transpose(a, [0])).toThrow('transpose: perm [0] must have 2 entries for x [2, 3]');
    expect(() => transpose(a, [0, 2])).toThrow(/transpose: perm \[0, 2\] is not a permutation/);
    expect(() => transpose(rnd(1, [1, 1, 1, 1, 1, 1, 2]), [0, 1, 2, 3, 4, 5, 6])).toThrow(/at most 6/);
    expect(() => split(b, 3, 1)).toThrow('split: axis 1 of x [2, 4] (4) does not split into 3 equal parts; pass the sizes');
    expect(() => split(b, [1, 2], 1)).toThrow('split: sizes [1, 2] sum to 3 but axis 1 of x [2, 4] is 4');
    expect(() => slice(a, [0, 0], [1])).toThrow(/slice: starts, ends \(and steps\) must have the same length/);
    expect(() => slice(a, [0], [1], [0])).toThrow('slice: steps[0] must be a non-zero integer, got 0');
    expect(() => pad(a, [1, 1])).toThrow('pad: pads must have 4 entries ([begin..., end...]) for x [2, 3], got 2');
    expect(() => pad(a, [2, 0, 0, 0], { mode: 'reflect' })).toThrow('pad: reflect pads must be smaller than the dimension (dimension 0, size 2, pads 2 and 0)');
    expect(() => pad(a, [-3, 0, 0, 0])).toThrow(/pad: pads crop more than the input has/);
    expect(() => pad(a, [0, 0, 0, 0], { mode: 'wrap' } as never)).toThrow(/pad: mode/);
  });
});
