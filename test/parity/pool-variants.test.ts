// Every AVX-512 pool forward variant is reached and agrees with the ts backend: the driver's
// kind (lastPath('pool')) says avx512, the kernel's variant (lastPath('pool-variant')) says
// which of its code paths ran (native/include/convkit/last-path.h pool_variant).
import { afterEach, describe, expect, it } from 'vitest';
import { avgPool2d, maxPool2d, randn, setBackend, type Tensor } from '../../lib/index';
import { lastPath, simdLevel } from '../helpers/paths';

const cases: Array<{ op: 'max' | 'avg'; layout: 'nchw' | 'nhwc'; kernel: number; stride: number; padding: number; variant: string }> = [
  { op: 'max', layout: 'nchw', kernel: 2, stride: 2, padding: 0, variant: 'nchw-k2s2' },
  { op: 'max', layout: 'nchw', kernel: 3, stride: 1, padding: 1, variant: 'nchw-s1-fused' },
  { op: 'avg', layout: 'nchw', kernel: 3, stride: 1, padding: 1, variant: 'nchw-s1-fused' },
  { op: 'max', layout: 'nchw', kernel: 3, stride: 2, padding: 1, variant: 'nchw-k3s2' },
  { op: 'max', layout: 'nchw', kernel: 3, stride: 2, padding: 0, variant: 'nchw-k3s2' },
  { op: 'max', layout: 'nchw', kernel: 3, stride: 3, padding: 1, variant: 'nchw-rowbuf' },
  { op: 'avg', layout: 'nchw', kernel: 3, stride: 2, padding: 1, variant: 'nchw-rowbuf' },
  { op: 'max', layout: 'nhwc', kernel: 3, stride: 1, padding: 1, variant: 'nhwc-separable' },
  { op: 'avg', layout: 'nhwc', kernel: 3, stride: 2, padding: 1, variant: 'nhwc-separable' },
  { op: 'max', layout: 'nhwc', kernel: 2, stride: 2, padding: 0, variant: 'nhwc-direct' },
  { op: 'avg', layout: 'nhwc', kernel: 2, stride: 2, padding: 0, variant: 'nhwc-direct' },
];

afterEach(() => setBackend('native'));

/**
 * Runs f on x natively, asserts the driver's kind and the kernel's variant, and returns the
 * native result with the ts backend's.
 */
function nativeAndTs(f: (t: Tensor) => Tensor, x: Tensor, kind: string, variant: string): { got: Tensor; want: Tensor } {
  setBackend('native');
  lastPath('pool');
  lastPath('pool-variant');
  const got = f(x);
  expect(lastPath('pool')).toBe(kind);
  expect(lastPath('pool-variant')).toBe(variant);
  setBackend('ts');
  const want = f(x);
  expect(got.shape).toEqual(want.shape);
  return { got, want };
}

/** The largest |a - b| over two tensors of one shape. */
function maxDiff(a: Tensor, b: Tensor): number {
  let diff = 0;
  for (let i = 0; i < a.size; i++) diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
  return diff;
}

describe.runIf(simdLevel() === 'avx512')('AVX-512 pool forward variants', () => {
  for (const c of cases) {
    it(`${c.op} ${c.layout} k${c.kernel} s${c.stride} p${c.padding} runs ${c.variant}`, () => {
      const x = randn(c.layout === 'nchw' ? [2, 19, 23, 37] : [2, 23, 37, 19], { seed: 7 });
      const f = (t: Tensor): Tensor => (c.op === 'max' ? maxPool2d : avgPool2d)(t, { kernel: c.kernel, stride: c.stride, padding: c.padding, layout: c.layout });
      const { got, want } = nativeAndTs(f, x, `${c.layout}-avx512`, c.variant);
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
    });
  }
  // NHWC direct over whole 64-channel blocks (plain loads and stores) and a masked tail:
  // 64, 128 + 22 and 70 channels, padding, ceil mode, dilation (max), count_include_pad off.
  const direct: Array<{ op: 'max' | 'avg'; shape: number[]; opts: Record<string, unknown> }> = [
    { op: 'max', shape: [1, 12, 14, 64], opts: { kernel: 2, stride: 2 } },
    { op: 'max', shape: [2, 9, 11, 150], opts: { kernel: 2, stride: 2, padding: 1, ceilMode: true } },
    { op: 'max', shape: [1, 13, 12, 70], opts: { kernel: 2, stride: 4, dilation: 2, padding: 1 } },
    { op: 'avg', shape: [2, 9, 11, 150], opts: { kernel: 2, stride: 2, padding: 1, countIncludePad: false } },
    { op: 'avg', shape: [1, 12, 14, 64], opts: { kernel: 3, stride: 3, ceilMode: true } },
  ];
  for (const c of direct) {
    it(`${c.op} nhwc ${c.shape.join('x')} ${JSON.stringify(c.opts)} runs nhwc-direct`, () => {
      const x = randn(c.shape, { seed: 11 });
      const f = (t: Tensor): Tensor => (c.op === 'max' ? maxPool2d : avgPool2d)(t, { ...c.opts, layout: 'nhwc' } as never);
      const { got, want } = nativeAndTs(f, x, 'nhwc-avx512', 'nhwc-direct');
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
    });
  }
  it('every variant is in the list above', () => {
    expect(new Set(cases.map((c) => c.variant))).toEqual(new Set(['nchw-k2s2', 'nchw-k3s2', 'nchw-s1-fused', 'nchw-rowbuf', 'nhwc-separable', 'nhwc-direct']));
  });
});

// AVX2: NCHW max with 2-wide windows at stride 2 folds in registers (the portable kernels,
// built with the AVX2 flags, take every other case under the portable path names). Odd widths
// (a last column alone, ceil mode), row padding, 3- and 4-row windows, and NaN / -Inf inputs
// (NaN wins and stays), against the ts backend.
describe.runIf(simdLevel() === 'avx2')('AVX2 pool forward variants', () => {
  const shapes: Array<{ shape: number[]; kernel: [number, number]; padding: [number, number]; ceilMode: boolean }> = [
    { shape: [2, 5, 23, 37], kernel: [2, 2], padding: [0, 0], ceilMode: false },
    { shape: [1, 3, 9, 33], kernel: [2, 2], padding: [0, 0], ceilMode: true },
    { shape: [1, 4, 12, 48], kernel: [3, 2], padding: [1, 0], ceilMode: false },
    { shape: [2, 2, 11, 17], kernel: [4, 2], padding: [2, 0], ceilMode: true },
  ];
  for (const c of shapes) {
    it(`max nchw k${c.kernel.join('x')} s2 p${c.padding.join(',')}${c.ceilMode ? ' ceil' : ''} ${c.shape.join('x')} runs nchw-k2s2`, () => {
      const x = randn(c.shape, { seed: 11 });
      x.data[5] = NaN;
      x.data[40] = -Infinity;
      x.data[x.size - 1] = NaN;
      const f = (t: Tensor): Tensor => maxPool2d(t, { kernel: c.kernel, stride: 2, padding: c.padding, ceilMode: c.ceilMode });
      const { got, want } = nativeAndTs(f, x, 'nchw', 'nchw-k2s2');
      for (let i = 0; i < got.size; i++) {
        if (Number.isNaN(want.data[i])) expect(got.data[i], `at ${i}`).toBeNaN();
        else expect(got.data[i], `at ${i}`).toBe(want.data[i]);
      }
    });
  }
});

// AVX2 average pooling in registers: NCHW at stride_w 1 (a row buffer of the window's rows, then
// kernel_w shifted vectors) and NHWC (up to 4 vectors of 8 channels, the last masked), with and
// without count_include_pad, padding, ceil mode, against the ts backend.
describe.runIf(simdLevel() === 'avx2')('AVX2 avg pool variants', () => {
  const cases: Array<{ layout: 'nchw' | 'nhwc'; shape: number[]; kernel: [number, number]; stride: [number, number]; padding: [number, number]; ceilMode: boolean; countIncludePad: boolean; variant: string }> = [
    { layout: 'nchw', shape: [2, 3, 19, 37], kernel: [3, 3], stride: [1, 1], padding: [1, 1], ceilMode: false, countIncludePad: true, variant: 'nchw-s1-fused' },
    { layout: 'nchw', shape: [1, 4, 13, 9], kernel: [3, 5], stride: [2, 1], padding: [1, 2], ceilMode: true, countIncludePad: false, variant: 'nchw-s1-fused' },
    { layout: 'nchw', shape: [1, 2, 6, 5], kernel: [2, 2], stride: [1, 1], padding: [0, 0], ceilMode: false, countIncludePad: true, variant: 'nchw-s1-fused' },
    { layout: 'nhwc', shape: [2, 11, 13, 19], kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceilMode: true, countIncludePad: false, variant: 'nhwc-direct' },
    { layout: 'nhwc', shape: [1, 9, 8, 40], kernel: [3, 3], stride: [1, 1], padding: [1, 1], ceilMode: false, countIncludePad: true, variant: 'nhwc-direct' },
    { layout: 'nhwc', shape: [1, 7, 7, 64], kernel: [2, 2], stride: [2, 2], padding: [0, 0], ceilMode: true, countIncludePad: false, variant: 'nhwc-direct' },
  ];
  for (const c of cases) {
    it(`avg ${c.layout} k${c.kernel.join('x')} s${c.stride.join('x')} p${c.padding.join(',')}${c.ceilMode ? ' ceil' : ''}${c.countIncludePad ? ' incl' : ''} ${c.shape.join('x')} runs ${c.variant}`, () => {
      const x = randn(c.shape, { seed: 13 });
      const f = (t: Tensor): Tensor => avgPool2d(t, { kernel: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceilMode, countIncludePad: c.countIncludePad, layout: c.layout });
      const { got, want } = nativeAndTs(f, x, c.layout, c.variant);
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
    });
  }
});
