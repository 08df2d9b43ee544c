// API behaviour beyond the conformance data: options forms, rank 3, async, errors, backends.
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';

const { conv2d, tensor, ones, randn } = ck;

describe('conv2d options', () => {
  const x = randn([2, 3, 9, 11], { seed: 1 });
  const w = randn([4, 3, 3, 3], { seed: 2 });
  it('padding forms agree', () => {
    const a = conv2d(x, w, { padding: 1 });
    const b = conv2d(x, w, { padding: [1, 1] });
    const c = conv2d(x, w, { padding: [1, 1, 1, 1] });
    const d = conv2d(x, w, { padding: 'same' });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).toEqual(Array.from(a.data));
    expect(Array.from(d.data)).toEqual(Array.from(a.data));
    expect(conv2d(x, w, { padding: 'valid' }).shape).toEqual([2, 4, 7, 9]);
  });
  it('rank-3 input gives a rank-3 result', () => {
    const y3 = conv2d(x.reshape([6, 9, 11]).reshape([2, 3, 9, 11]), w);
    const one = new ck.Tensor(x.data.subarray(0, 3 * 9 * 11), [3, 9, 11]);
    const y = conv2d(one, w);
    expect(y.shape).toEqual([4, 7, 9]);
    expect(Array.from(y.data)).toEqual(Array.from(y3.data.subarray(0, 4 * 7 * 9)));
  });
  it('nhwc equals nchw transposed', () => {
    const toNhwc = (t: ck.Tensor): ck.Tensor => {
      const [n, c, h, wd] = t.shape;
      const o = ck.zeros([n, h, wd, c]);
      for (let a = 0; a < n; a++) for (let b = 0; b < c; b++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) {
        o.data[((a * h + i) * wd + j) * c + b] = t.data[((a * c + b) * h + i) * wd + j];
      }
      return o;
    };
    const bias = randn([4], { seed: 3 });
    const ref = conv2d(x, w, { stride: 2, padding: [1, 0, 2, 1], bias, activation: 'relu' });
    const wn = ck.zeros([4, 3, 3, 3]);
    for (let o = 0; o < 4; o++) for (let i = 0; i < 3; i++) for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
      wn.data[((o * 3 + kh) * 3 + kw) * 3 + i] = w.data[((o * 3 + i) * 3 + kh) * 3 + kw];
    }
    const got = conv2d(toNhwc(x), wn, { stride: 2, padding: [1, 0, 2, 1], bias, activation: 'relu', layout: 'nhwc' });
    const want = toNhwc(ref);
    expect(got.shape).toEqual(want.shape);
    for (let i = 0; i < want.size; i++) expect(got.data[i]).toBeCloseTo(want.data[i], 4);
  });
  it('errors name the op and the shapes', () => {
    expect(() => conv2d(ones([1, 3, 8, 8]), ones([8, 4, 3, 3]))).toThrow(/^conv2d: x has 3 channels but w expects 4 \(x \[1, 3, 8, 8\], w \[8, 4, 3, 3\]/);
    expect(() => conv2d(ones([1, 3, 8, 8]), ones([8, 3, 3, 3]), { stride: 0 })).toThrow(RangeError);
    expect(() => conv2d([1, 2] as unknown as ck.Tensor, ones([8, 3, 3, 3]))).toThrow(TypeError);
    expect(() => conv2d(ones([1, 3, 8, 8]), ones([8, 3, 3, 3]), { layout: 'chwn' as 'nchw' })).toThrow(/conv2d: layout/);
    expect(() => conv2d(ones([1, 3, 8, 8]), ones([8, 3, 3, 3]), { padding: 'full' as 'same' })).toThrow(RangeError);
  });
});

describe('async variants', () => {
  it('conv2dAsync, pools, gemmAsync and matmulAsync match their sync forms', async () => {
    const x = randn([1, 4, 10, 10], { seed: 4 });
    const w = randn([5, 4, 3, 3], { seed: 5 });
    expect(Array.from((await ck.conv2dAsync(x, w, { padding: 1 })).data)).toEqual(Array.from(conv2d(x, w, { padding: 1 }).data));
    expect(Array.from((await ck.maxPool2dAsync(x, { kernel: 2 })).data)).toEqual(Array.from(ck.maxPool2d(x, { kernel: 2 }).data));
    expect(Array.from((await ck.avgPool2dAsync(x, { kernel: 3, padding: 1, stride: 2 })).data))
      .toEqual(Array.from(ck.avgPool2d(x, { kernel: 3, padding: 1, stride: 2 }).data));
    const a = randn([7, 5], { seed: 6 });
    const b = randn([5, 3], { seed: 7 });
    expect(Array.from((await ck.gemmAsync(a, b, { alpha: 2 })).data)).toEqual(Array.from(ck.gemm(a, b, { alpha: 2 }).data));
    const ab = randn([2, 7, 5], { seed: 8 });
    expect(Array.from((await ck.matmulAsync(ab, b)).data)).toEqual(Array.from(ck.matmul(ab, b).data));
  });
  it('reject (never throw synchronously) on bad input', async () => {
    let promise: Promise<unknown> | undefined;
    expect(() => { promise = ck.conv2dAsync(ones([1, 3, 8, 8]), ones([8, 4, 3, 3])); }).not.toThrow();
    await expect(promise).rejects.toThrow(/^conv2dAsync: x has 3 channels/);
    await expect(ck.maxPool2dAsync(ones([1, 1, 4, 4]), { kernel: 5 })).rejects.toThrow(RangeError);
    await expect(ck.gemmAsync(ones([2, 3]), ones([4, 2]))).rejects.toThrow(RangeError);
    await expect(ck.matmulAsync(ones([2, 3]), ones([4, 2]))).rejects.toThrow(RangeError);
  });
});

describe('gemm, matmul, linear', () => {
  it('gemm broadcasts c and honours transposes', () => {
    const a = tensor([[1, 2], [3, 4], [5, 6]]);
    const b = tensor([[1, 0, 2], [0, 1, 3]]);
    const y = ck.gemm(a, b, { transA: true, transB: true, alpha: 1, beta: 2, c: tensor([1, 1]) });
    // a^T [2,3] @ b^T [3,2] = [[1+0+10, 0+3+15], [2+0+12, 0+4+18]] + 2
    expect(y.toArray()).toEqual([[13, 20], [16, 24]]);
  });
  it('matmul handles 1-D operands like numpy', () => {
    expect(ck.matmul(tensor([1, 2]), tensor([[1, 2], [3, 4]])).toArray()).toEqual([7, 10]);
    expect(ck.matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray()).toEqual([3, 7]);
    expect(ck.matmul(tensor([1, 2]), tensor([3, 4])).shape).toEqual([]);
  });
  it('linear takes leading batch dimensions', () => {
    const y = ck.linear(ones([2, 3, 4]), ones([5, 4]), tensor([1, 2, 3, 4, 5]));
    expect(y.shape).toEqual([2, 3, 5]);
    expect(Array.from(y.data.subarray(0, 5))).toEqual([5, 6, 7, 8, 9]);
  });
  it('sgemm works on subarrays and checks its buffers', () => {
    const A = new Float32Array([0, 1, 2, 3, 4]).subarray(1);
    const C = new Float32Array(4);
    ck.sgemm(false, false, 2, 2, 2, 1, A, 2, new Float32Array([1, 0, 0, 1]), 2, 0, C, 2);
    expect(Array.from(C)).toEqual([1, 2, 3, 4]);
    expect(() => ck.sgemm(false, false, 2, 2, 2, 1, A.subarray(1), 2, new Float32Array(4), 2, 0, C, 2)).toThrow(/sgemm: A/);
  });
});

describe('backends and info', () => {
  it('switches between backends', () => {
    const before = ck.getBackend();
    ck.setBackend('ts');
    expect(ck.getBackend()).toBe('ts');
    expect(ck.backends.ts.name).toBe('ts');
    expect(() => ck.setBackend('gpu' as 'ts')).toThrow(RangeError);
    ck.setBackend(before);
  });
  it('info reports the native state', () => {
    const i = ck.info();
    expect(i.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(['native', 'ts']).toContain(i.backend);
    expect(['avx512', 'avx2', 'neon', 'scalar']).toContain(i.native.simd);
    if (!i.native.loaded) expect(i.native.error).toBeTruthy();
  });
  it('uses the best SIMD level of this CPU by default', () => {
    let flags = '';
    try { flags = require('node:fs').readFileSync('/proc/cpuinfo', 'utf8'); } catch { return; }
    const i = ck.info();
    if (!i.native.loaded || process.env.CONVKIT_ISA) return;
    const best = /\bavx512f\b/.test(flags) ? 'avx512' : /\bavx2\b/.test(flags) && /\bfma\b/.test(flags) ? 'avx2' : process.arch === 'arm64' ? 'neon' : 'scalar';
    expect(i.native.simd).toBe(best);
  });
  it('setNumThreads validates and round-trips', () => {
    const n = ck.getNumThreads();
    ck.setNumThreads(1);
    expect(ck.getNumThreads()).toBe(1);
    ck.setNumThreads(n);
    expect(() => ck.setNumThreads(0)).toThrow(RangeError);
    expect(() => ck.setNumThreads(1.5)).toThrow(RangeError);
  });
});

describe('filters', () => {
  it('are the slides kernels', () => {
    expect(ck.filters.sobelX().toArray()).toEqual([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]);
    expect(ck.filters.sobelY().toArray()).toEqual([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]);
    expect(ck.filters.box(3).data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(ck.filters.gaussian(5, 1).data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(() => ck.filters.box(4)).toThrow(RangeError);
  });
  it('filter2d flips the kernel in convolution mode', () => {
    const img = tensor([[0, 0, 0], [0, 1, 0], [0, 0, 0]]);
    const k = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(ck.filter2d(img, k).toArray()).toEqual(k.toArray());  // impulse response = kernel
    expect(ck.filter2d(img, k, { mode: 'correlation' }).toArray()).toEqual([[9, 8, 7], [6, 5, 4], [3, 2, 1]]);
  });
});
