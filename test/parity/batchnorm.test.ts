// batchNorm2d native vs ts (forward in both modes, running statistics, backward), the
// mean-1000 accuracy case, and bad input.
import { afterEach, describe, expect, it } from 'vitest';
import { batchNorm2d, batchNorm2dBackward, batchNorm2dWithStats, getBackend, info, setBackend, Tensor, type BackendName } from '../../lib/index';
import { pick, prng, randInt, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();
const t = (d: Float32Array, s: number[]) => new Tensor(d, s);

function on<T>(name: BackendName, f: () => T): T {
  setBackend(name);
  expect(getBackend()).toBe(name);
  return f();
}

/** Double-precision reference of the training forward, stats and backward. */
function reference(x: Float32Array, shape: number[], nhwc: boolean, w: Float32Array, b: Float32Array, dy: Float32Array, eps: number) {
  const [n, c, h, wd] = nhwc ? [shape[0], shape[3], shape[1], shape[2]] : shape;
  const hw = h * wd, cnt = n * hw;
  const at = (bi: number, ci: number, i: number) => (nhwc ? (bi * hw + i) * c + ci : (bi * c + ci) * hw + i);
  const mean = new Float64Array(c), varb = new Float64Array(c), y = new Float64Array(x.length), dx = new Float64Array(x.length);
  const dw = new Float64Array(c), db = new Float64Array(c);
  for (let ci = 0; ci < c; ci++) {
    let s = 0;
    for (let bi = 0; bi < n; bi++) for (let i = 0; i < hw; i++) s += x[at(bi, ci, i)];
    const m = s / cnt;
    let q = 0;
    for (let bi = 0; bi < n; bi++) for (let i = 0; i < hw; i++) q += (x[at(bi, ci, i)] - m) ** 2;
    mean[ci] = m; varb[ci] = q / cnt;
    const is = 1 / Math.sqrt(varb[ci] + eps);
    let sdy = 0, sdyx = 0;
    for (let bi = 0; bi < n; bi++) for (let i = 0; i < hw; i++) {
      const k = at(bi, ci, i), xh = (x[k] - m) * is;
      y[k] = xh * w[ci] + b[ci];
      sdy += dy[k]; sdyx += dy[k] * xh;
    }
    db[ci] = sdy; dw[ci] = sdyx;
    for (let bi = 0; bi < n; bi++) for (let i = 0; i < hw; i++) {
      const k = at(bi, ci, i), xh = (x[k] - m) * is;
      dx[k] = w[ci] * is * (dy[k] - sdy / cnt - xh * sdyx / cnt);
    }
  }
  return { mean, varb, y, dx, dw, db, cnt };
}

describe.skipIf(skip)('batchNorm2d parity native vs ts', () => {
  itRunsAtForcedIsa();
  afterEach(() => setBackend('native'));
  const r = prng(13);
  for (let k = 0; k < 10; k++) {
    const nhwc = k % 2 === 1;
    const n = randInt(r, 1, 4), c = pick(r, [1, 3, 5, 17, 33, 70]), h = randInt(r, 1, 13), w = randInt(r, 2, 19);
    const shape = nhwc ? [n, h, w, c] : [n, c, h, w];
    it(`${nhwc ? 'nhwc' : 'nchw'} [${shape.join(', ')}]`, () => {
      const size = n * c * h * w;
      const x = randomData(prng(k), size).map((v) => v * 3 + 0.5);
      const wt = randomData(prng(k + 100), c), bs = randomData(prng(k + 200), c), dy = randomData(prng(k + 300), size);
      const ref = reference(x, shape, nhwc, wt, bs, dy, 1e-5);
      const layout = nhwc ? 'nhwc' as const : 'nchw' as const;
      const res = (['ts', 'native'] as const).map((be) => on(be, () => {
        const rm = t(new Float32Array(c).fill(0.25), [c]), rv = t(new Float32Array(c).fill(2), [c]);
        const f = batchNorm2dWithStats(t(x, shape), { runningMean: rm, runningVar: rv, weight: t(wt, [c]), bias: t(bs, [c]), training: true, momentum: 0.3, layout });
        const g = batchNorm2dBackward(t(dy, shape), t(x, shape), { mean: f.mean, invstd: f.invstd, weight: t(wt, [c]), training: true, layout });
        const ev = batchNorm2d(t(x, shape), { runningMean: rm, runningVar: rv, weight: t(wt, [c]), bias: t(bs, [c]), training: false, layout });
        const ge = batchNorm2dBackward(t(dy, shape), t(x, shape), { mean: rm, invstd: t(rv.data.map((v) => 1 / Math.sqrt(v + 1e-5)), [c]), weight: t(wt, [c]), training: false, layout });
        return { f, g, rm, rv, ev, ge };
      }));
      for (const { f, g, rm, rv } of res) {
        expect(worstRatio(f.y.data, Float32Array.from(ref.y), 1e-4, 1e-4)).toBeLessThanOrEqual(1);
        expect(worstRatio(g.dx.data, Float32Array.from(ref.dx), 1e-4, 1e-3)).toBeLessThanOrEqual(1);
        expect(worstRatio(g.dweight.data, Float32Array.from(ref.dw), 1e-4 * Math.sqrt(ref.cnt), 1e-4)).toBeLessThanOrEqual(1);
        expect(worstRatio(g.dbias.data, Float32Array.from(ref.db), 1e-4 * Math.sqrt(ref.cnt), 1e-4)).toBeLessThanOrEqual(1);
        // running = 0.7 * running + 0.3 * batch, the variance unbiased by n / (n - 1)
        expect(worstRatio(rm.data, Float32Array.from(ref.mean, (m) => 0.7 * 0.25 + 0.3 * m), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
        expect(worstRatio(rv.data, Float32Array.from(ref.varb, (v) => 0.7 * 2 + 0.3 * v * ref.cnt / (ref.cnt - 1)), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      }
      const [a, b] = res;
      expect(worstRatio(b.ev.data, a.ev.data, 1e-5)).toBeLessThanOrEqual(1);
      expect(worstRatio(b.ge.dx.data, a.ge.dx.data, 1e-5)).toBeLessThanOrEqual(1);
      expect(worstRatio(b.ge.dweight.data, a.ge.dweight.data, 1e-4)).toBeLessThanOrEqual(1);
    });
  }

  it('keeps the variance of values around 1000 with std 1 (both backends, both layouts)', () => {
    const n = 8, c = 3, h = 31, w = 33, size = n * c * h * w, r2 = prng(7);
    const x = new Float32Array(size);
    for (let i = 0; i < size; i += 2) {  // Box-Muller: std 1 around 1000
      const u = Math.max(r2(), 1e-12), v = r2(), m = Math.sqrt(-2 * Math.log(u));
      x[i] = 1000 + m * Math.cos(2 * Math.PI * v);
      if (i + 1 < size) x[i + 1] = 1000 + m * Math.sin(2 * Math.PI * v);
    }
    for (const layout of ['nchw', 'nhwc'] as const) {
      const shape = layout === 'nhwc' ? [n, h, w, c] : [n, c, h, w];
      const ref = reference(x, shape, layout === 'nhwc', new Float32Array(c).fill(1), new Float32Array(c), new Float32Array(size), 1e-5);
      for (const be of ['ts', 'native'] as const) {
        on(be, () => {
          const rv = t(new Float32Array(c), [c]);
          const f = batchNorm2dWithStats(t(x, shape), { runningMean: t(new Float32Array(c), [c]), runningVar: rv, training: true, momentum: 1, layout });
          for (let ci = 0; ci < c; ci++) {
            expect(Math.abs(rv.data[ci] - ref.varb[ci] * ref.cnt / (ref.cnt - 1))).toBeLessThan(1e-4);
            expect(Math.abs(f.invstd.data[ci] - 1 / Math.sqrt(ref.varb[ci] + 1e-5))).toBeLessThan(1e-4);
          }
          expect(worstRatio(f.y.data, Float32Array.from(ref.y), 2e-3, 0)).toBeLessThanOrEqual(1);
        });
      }
    }
  });

  it('refuses bad input with the op name and shapes', () => {
    const x = t(new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5]), c3 = t(new Float32Array(3), [3]);
    expect(() => batchNorm2d(x, { runningMean: t(new Float32Array(4), [4]), runningVar: c3, training: false })).toThrow('batchNorm2d: runningMean must be [3] for x with 3 channels (layout nchw), got [4]');
    expect(() => batchNorm2d(t(new Float32Array(6), [2, 3]), { runningMean: c3, runningVar: c3, training: false })).toThrow(/batchNorm2d: x must be \[N, C, H, W\]/);
    expect(() => batchNorm2d(x, { runningMean: null, runningVar: null, training: false })).toThrow(/batchNorm2d: runningMean is required/);
    expect(() => batchNorm2d(x, { runningMean: c3, runningVar: c3, training: true, momentm: 0.1 } as never)).toThrow(/did you mean "momentum"/);
    expect(() => batchNorm2d(t(new Float32Array(3), [1, 3, 1, 1]), { runningMean: c3, runningVar: c3, training: true })).toThrow(/more than 1 value per channel/);
    expect(() => batchNorm2d(x, { runningMean: c3, runningVar: c3 } as never)).toThrow(TypeError);
  });
});
