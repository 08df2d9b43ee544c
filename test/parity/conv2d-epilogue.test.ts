// The fused conv2d epilogue y = act(conv(x, w) + b + residual): every algorithm (the addon's
// path hook asserts which ran) x every activation x residual on / off x both layouts x sync /
// async, native against ts and both against the unfused computation (conv, then add, then the
// activation). Plus the op's checks (residual shape, activation names), the overlap rule
// (y may not share memory with the residual, not even exactly) and the async copy of the
// residual (detaching it during the call changes nothing).
import { afterEach, describe, expect, it } from 'vitest';
import { backends, conv2d, conv2dAsync, conv2dBackward, info, randn, setBackend, Tensor, type Activation, type Conv2dInfo } from '../../lib/index';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { activate } from '../../lib/backend/ts/conv2d';
import { prng, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';
import { type ConvPathCase, convPathCases } from '../helpers/conv2d-cases';
import { convPathsAt, expectedConvPath, lastPath, simdLevel } from '../helpers/paths';

const skip = !info().native.loaded && !nativeRequired();
const ACTS: Activation[] = ['none', 'relu', 'relu6', 'sigmoid', 'silu', 'hardSwish'];

/** One shape per algorithm and layout (the path named is the AVX-512 one; conv2d.cc). */
const cases: ConvPathCase[] = [
  { name: 'winograd nchw', path: 'winograd', x: [2, 32, 9, 11], w: [40, 32, 3, 3], opts: { padding: 1 } },
  { name: 'winograd nhwc', path: 'winograd', x: [2, 7, 9, 24], w: [24, 3, 3, 24], opts: { padding: [1, 0, 1, 2], layout: 'nhwc' } },
  { name: 'direct nchw rows (stride 2)', path: 'direct', x: [2, 3, 17, 15], w: [13, 3, 3, 3], opts: { stride: 2, padding: 1 } },
  { name: 'direct nchw flat', path: 'direct', x: [1, 5, 19, 23], w: [11, 5, 3, 3], opts: { padding: 1 } },
  { name: 'direct nhwc rows grouped', path: 'direct', x: [1, 11, 10, 16], w: [12, 3, 3, 8], opts: { groups: 2, stride: 2, layout: 'nhwc' } },
  { name: 'igemm nhwc 200->20', path: 'igemm', x: [1, 7, 7, 200], w: [20, 3, 3, 200], opts: { padding: 1, layout: 'nhwc' } },
  { name: 'ref nhwc (padding 200, stride 300)', path: 'ref', x: [1, 2, 2, 2], w: [3, 3, 3, 2], opts: { padding: 200, stride: 300, layout: 'nhwc' } },
  // Shared with the plain conv test.
  ...convPathCases,
];

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

afterEach(() => setBackend('native'));

describe.skipIf(skip)('conv2d fused epilogue: native vs ts vs unfused', () => {
  itRunsAtForcedIsa();
  const seen = new Set<string>();

  for (const c of cases) {
    it(`${c.name}: every activation, residual on / off, sync / async`, async () => {
      expect(expectedConvPath(conv2dInfo('t', c.x, c.w, c.opts, null), 'avx512')).toBe(c.path);
      const r = prng(c.x.reduce((a, b) => a * 31 + b, 11));
      const x = randomData(r, prod(c.x)), w = randomData(r, prod(c.w)), b = randomData(r, c.w[0]);
      for (const activation of ACTS) {
        const i: Conv2dInfo = conv2dInfo('t', c.x, c.w, { ...c.opts, activation }, [c.w[0]]);
        const plainInfo: Conv2dInfo = { ...i, activation: 'none' };
        const n = i.batch * i.outChannels * i.outHeight * i.outWidth;
        // Residual in [-3, 3]: relu6 and hardSwish reach both corners.
        const res = randomData(r, n).map((v) => 3 * v);
        for (const withRes of [false, true]) {
          const rr = withRes ? res : null;
          const yts = new Float32Array(n), ynat = new Float32Array(n).fill(NaN), plain = new Float32Array(n);
          backends.ts.conv2d(x, w, b, yts, i, rr);
          lastPath('conv2d');
          backends.native.conv2d(x, w, b, ynat, i, rr);
          const path = lastPath('conv2d');
          expect(path, `${c.name} ${activation}`).toBe(expectedConvPath(i));
          seen.add(path);
          // unfused: the native conv alone, then + residual, then the activation (in double)
          backends.native.conv2d(x, w, b, plain, plainInfo);
          const unfused = plain.map((v, k) => activate(activation, rr ? Math.fround(v + rr[k]) : v));
          const k = (i.inChannels / i.groups) * i.kernelH * i.kernelW + 1;
          // inputs in [-1, 1]: 4*eps*sqrt(K)*K per sum, times 1.5 (hardSwish's steepest slope)
          const atol = 1.5 * 4 * 1.2e-7 * Math.sqrt(k) * k + 4 * 1.2e-7 * 3;
          const what = `${c.name} ${activation}${withRes ? ' residual' : ''}`;
          expect(worstRatio(ynat, yts, atol), what).toBeLessThanOrEqual(1);
          expect(worstRatio(ynat, unfused, 2e-7, 2e-6), what).toBeLessThanOrEqual(1);
          // async, both backends: the same values (native: the same kernels, bit for bit)
          const ya = await backends.native.conv2dAsync(x, w, b, null, i, rr);
          expect(Array.from(ya), what).toEqual(Array.from(ynat));
          const yta = await backends.ts.conv2dAsync(x, w, b, null, i, rr);
          expect(Array.from(yta), what).toEqual(Array.from(yts));
        }
      }
    });
  }

  it('every algorithm of this ISA level ran', () => {
    expect([...seen].sort()).toEqual([...convPathsAt(simdLevel()), 'ref'].sort());
  });
});

describe('conv2d residual and activation options', () => {
  const x = randn([2, 3, 8, 8], { seed: 1 }), w = randn([4, 3, 3, 3], { seed: 2 }), bias = randn([4], { seed: 3 });

  for (const be of ['native', 'ts'] as const) {
    it.skipIf(be === 'native' && skip)(`${be}: the op fuses as conv, add, activation (rank 4 and 3, async)`, async () => {
      setBackend(be);
      const residual = randn([2, 4, 8, 8], { seed: 4 });
      for (const activation of ACTS) {
        const y = conv2d(x, w, { padding: 1, bias, residual, activation });
        const plain = conv2d(x, w, { padding: 1, bias });
        const want = plain.data.map((v, k) => activate(activation, Math.fround(v + residual.data[k])));
        expect(worstRatio(y.data, want, 1e-6, 2e-6), activation).toBeLessThanOrEqual(1);
        const ya = await conv2dAsync(x, w, { padding: 1, bias, residual, activation });
        expect(Array.from(ya.data)).toEqual(Array.from(y.data));
      }
      // rank 3: the residual has the rank-3 output shape
      const x3 = new Tensor(x.data.slice(0, 3 * 64), [3, 8, 8]);
      const r3 = randn([4, 8, 8], { seed: 5 });
      const y3 = conv2d(x3, w, { padding: 1, residual: r3, activation: 'relu6' });
      expect(y3.shape).toEqual([4, 8, 8]);
      const p3 = conv2d(x3, w, { padding: 1 });
      expect(worstRatio(y3.data, p3.data.map((v, k) => activate('relu6', Math.fround(v + r3.data[k]))), 1e-6)).toBeLessThanOrEqual(1);
    });

    it.skipIf(be === 'native' && skip)(`${be}: residual of the wrong shape, an unknown activation`, () => {
      setBackend(be);
      expect(() => conv2d(x, w, { padding: 1, residual: randn([2, 4, 8, 7]) }))
        .toThrow(/^conv2d: residual \[2, 4, 8, 7\] does not match the output \[2, 4, 8, 8\]/);
      expect(() => conv2d(x, w, { residual: randn([2, 4, 8, 8]) }))  // valid padding: 6x6
        .toThrow(/^conv2d: residual \[2, 4, 8, 8\] does not match the output \[2, 4, 6, 6\]/);
      expect(() => conv2d(x, w, { padding: 1, residual: randn([4, 8, 8]) })).toThrow(RangeError);
      expect(() => conv2d(x, w, { padding: 1, residual: new Float32Array(512) as unknown as Tensor })).toThrow(TypeError);
      expect(() => conv2d(x, w, { activation: 'gelu' as Activation })).toThrow(/^conv2d: activation must be 'none' or 'relu' or 'relu6' or 'sigmoid' or 'silu' or 'hardSwish', got 'gelu'/);
      return expect(conv2dAsync(x, w, { residual: randn([1]) })).rejects.toThrow(/^conv2dAsync: residual \[1\] does not match/);
    });

    it.skipIf(be === 'native' && skip)(`${be}: y may not overlap the residual, not even exactly`, () => {
      const i = conv2dInfo('t', [2, 3, 8, 8], [4, 3, 3, 3], { padding: 1, activation: 'relu' }, null);
      const n = 2 * 4 * 64;
      const buf = new Float32Array(2 * n);
      const k = backends[be];
      expect(() => k.conv2d(x.data, w.data, null, buf.subarray(0, n), i, buf.subarray(0, n))).toThrow(/^conv2d: y overlaps residual/);
      expect(() => k.conv2d(x.data, w.data, null, buf.subarray(0, n), i, buf.subarray(n / 2, n / 2 + n))).toThrow(/^conv2d: y overlaps residual/);
      expect(() => k.conv2d(x.data, w.data, null, buf.subarray(0, n), i, new Float32Array(n - 1))).toThrow(/^conv2d/);
      k.conv2d(x.data, w.data, null, buf.subarray(0, n), i, buf.subarray(n, 2 * n));  // disjoint: fine
    });

    it.skipIf(be === 'native' && skip)(`${be}: conv2dBackward ignores residual and activation`, () => {
      setBackend(be);
      const dy = randn([2, 4, 8, 8], { seed: 6 });
      const plain = conv2dBackward(dy, x, w, { padding: 1 });
      const fused = conv2dBackward(dy, x, w, { padding: 1, residual: randn([1, 2, 3]), activation: 'silu' });
      expect(Array.from(fused.dx!.data)).toEqual(Array.from(plain.dx!.data));
      expect(Array.from(fused.dw!.data)).toEqual(Array.from(plain.dw!.data));
    });
  }

  it.skipIf(skip)('native conv2dAsync copies the residual: detaching it during the call is harmless', async () => {
    setBackend('native');
    const xs = randn([1, 16, 64, 64], { seed: 7 }), ws = randn([16, 16, 3, 3], { seed: 8 });
    const rdata = randn([1, 16, 64, 64], { seed: 9 }).data;
    const want = conv2d(xs, ws, { padding: 1, residual: new Tensor(rdata.slice(), [1, 16, 64, 64]), activation: 'sigmoid' });
    const residual = new Tensor(rdata.slice(), [1, 16, 64, 64]);
    const p = conv2dAsync(xs, ws, { padding: 1, residual, activation: 'sigmoid' });
    structuredClone(residual.data.buffer, { transfer: [residual.data.buffer] });  // detaches it
    expect(residual.data.length).toBe(0);
    const got = await p;
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });
});
