// native binary (broadcast) and unary element-wise ops == ts, on random shapes of rank 0..5
// with size-1 dims, scalars and bias-like broadcasts, special values included; and the ops'
// errors.
import { describe, expect, it } from 'vitest';
import { add, backends, clamp, gelu, getBackend, info, leakyRelu, mul, setBackend, sumToShape, tensor, Tensor } from '../../lib/index';
import { ACTIVATION_KINDS, BINARY_KINDS } from '../../lib/backend/backend';
import { broadcastInfo } from '../../lib/shape/broadcast-info';
import { pick, prng, randInt, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40, 88.5, -104, 3, -3, 6];

function sprinkle(r: () => number, d: Float32Array): Float32Array {
  for (let i = 0; i < d.length; i += 1 + Math.floor(r() * 7)) if (r() < 0.3) d[i] = pick(r, SPECIAL);
  return d;
}

/** Same values, NaN where NaN, else within atol + rtol |b|. */
function agree(a: Float32Array, b: Float32Array, rtol: number, atol = 1e-37): boolean {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i]) !== Number.isNaN(a[i])) return false;
    if (Number.isNaN(b[i]) || a[i] === b[i]) continue;
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
  }
  return true;
}

function shapes(r: () => number): [number[], number[]] {
  const rank = randInt(r, 0, 5);
  const out = Array.from({ length: rank }, () => pick(r, [1, 2, 3, 5, 7, 16, 17, 33]));
  const sub = (): number[] => {
    const k = randInt(r, 0, rank);
    return out.slice(rank - k).map((d) => (r() < 0.35 ? 1 : d));
  };
  return r() < 0.5 ? [out, sub()] : [sub(), out];
}

describe.skipIf(skip)('elementwise parity native vs ts', () => {
  itRunsAtForcedIsa();
  const r = prng(13);
  const cases: [number[], number[]][] = [[[], []], [[4099], []], [[], [4099]], [[2, 3, 5, 7], [3, 1, 1]], [[2, 5, 7, 3], [3]], [[1000], [1000]], [[3, 1, 5], [1, 4, 1]],
    // Short rows repeated under contiguous ones (the periodic path: an NHWC channel scale), over
    // the two-thread split (ranges starting mid-row), either side repeated, rows of 1 and 255.
    [[1, 97, 89, 24], [1, 1, 1, 24]], [[1, 1, 1, 24], [1, 97, 89, 24]], [[3, 7, 13, 255], [255]], [[70001, 1], [1]], [[5, 9, 40], [1, 1, 40]],
    // The same per image ([N, P, C] * [N, 1, C]: a batch of channel scales), either side, two
    // outer dims, and a split over threads that starts mid-image.
    [[4, 97, 89, 24], [4, 1, 1, 24]], [[3, 1, 1, 40], [3, 50, 41, 40]], [[2, 3, 700, 17], [2, 3, 1, 17]],
    [[4, 130, 130, 8], [4, 1, 1, 8]]];
  for (let i = 0; i < 40; i++) cases.push(shapes(r));
  for (const [sa, sb] of cases) {
    it(`binary a [${sa}] b [${sb}]`, () => {
      let bi;
      try { bi = broadcastInfo('add', sa, sb); } catch { bi = broadcastInfo('add', sa, sa); sb = sa; }
      const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
      const a = sprinkle(r, randomData(r, size(sa)).map((v) => v * 4));
      const b = sprinkle(r, randomData(r, size(sb)).map((v) => v * 4));
      for (const kind of BINARY_KINDS) {
        const y1 = new Float32Array(bi.size), y2 = new Float32Array(bi.size).fill(12345);
        backends.ts.binary(kind, a, b, y1, bi);
        backends.native.binary(kind, a, b, y2, bi);
        expect(agree(y2, y1, kind === 'pow' ? 4e-7 : 0), `${kind}`).toBe(true);
      }
    });
  }
  const x = sprinkle(prng(5), randomData(prng(4), 100003).map((v) => v * 12));
  for (const kind of ACTIVATION_KINDS) {
    const params = kind === 'clamp' ? [-1.5, 2] : kind === 'leakyRelu' ? [0.2] : undefined;
    // exp/log/silu/gelu: polynomial approximations (Cephes exp/log, erfcc); the rest exact or ~1 ulp.
    const rtol = ['exp', 'log', 'silu', 'gelu', 'sigmoid', 'tanh'].includes(kind) ? 2e-6 : 3e-7;
    it(`${kind} forward`, () => {
      const a = new Float32Array(x.length), b = new Float32Array(x.length).fill(12345);
      backends.ts.activation(kind, x, a, params);
      backends.native.activation(kind, x, b, params);
      expect(agree(b, a, rtol, kind === 'sigmoid' || kind === 'tanh' ? 1e-6 : 1e-37)).toBe(true);
    });
    it(`${kind} backward`, () => {
      const dy = randomData(prng(9), x.length);
      const t = new Float32Array(x.length);
      if (kind === 'sigmoid' || kind === 'tanh') backends.ts.activation(kind, x, t); else t.set(x);
      const a = new Float32Array(x.length), b = new Float32Array(x.length).fill(12345);
      backends.ts.activationBackward(kind, dy, t, a, params);
      backends.native.activationBackward(kind, dy, t, b, params);
      expect(agree(b, a, 4e-6, 1e-6)).toBe(true);
    });
  }
  it('ops run on the native backend and give the documented errors', () => {
    setBackend('native');
    expect(getBackend()).toBe('native');
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(add(a, tensor([10, 20, 30])).toArray()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(mul(2, a).toArray()).toEqual([[2, 4, 6], [8, 10, 12]]);
    expect(() => add(a, tensor([1, 2, 3, 4]))).toThrow('add: a [2, 3] and b [4] do not broadcast');
    expect(() => add(a, 'x' as unknown as Tensor)).toThrow(TypeError);
    expect(clamp(tensor([-5, 0, 5]), -1).toArray()).toEqual([-1, 0, 5]);
    expect(() => clamp(a)).toThrow(/^clamp:/);
    expect(() => leakyRelu(a, NaN)).toThrow(/^leakyRelu:/);
    expect(Math.abs(gelu(tensor([1])).data[0] - 0.8413447460685429)).toBeLessThan(1e-6);
    expect(sumToShape(tensor([[1, 2, 3], [4, 5, 6]]), [1, 3]).toArray()).toEqual([[5, 7, 9]]);
    expect(sumToShape(tensor([[1, 2, 3], [4, 5, 6]]), [2, 1]).toArray()).toEqual([[6], [15]]);
    expect(sumToShape(tensor([[1, 2, 3], [4, 5, 6]]), []).toArray()).toEqual(21);
  });
});
