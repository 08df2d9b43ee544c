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

describe.runIf(simdLevel() === 'avx512')('AVX-512 pool forward variants', () => {
  for (const c of cases) {
    it(`${c.op} ${c.layout} k${c.kernel} s${c.stride} p${c.padding} runs ${c.variant}`, () => {
      const x = randn(c.layout === 'nchw' ? [2, 19, 23, 37] : [2, 23, 37, 19], { seed: 7 });
      const f = (t: Tensor): Tensor => (c.op === 'max' ? maxPool2d : avgPool2d)(t, { kernel: c.kernel, stride: c.stride, padding: c.padding, layout: c.layout });
      setBackend('native');
      lastPath('pool');
      lastPath('pool-variant');
      const got = f(x);
      expect(lastPath('pool')).toBe(`${c.layout}-avx512`);
      expect(lastPath('pool-variant')).toBe(c.variant);
      setBackend('ts');
      const want = f(x);
      expect(got.shape).toEqual(want.shape);
      let diff = 0;
      for (let i = 0; i < got.size; i++) diff = Math.max(diff, Math.abs(got.data[i] - want.data[i]));
      expect(diff).toBeLessThan(1e-5);
    });
  }
  it('every variant is in the list above', () => {
    expect(new Set(cases.map((c) => c.variant))).toEqual(new Set(['nchw-k2s2', 'nchw-k3s2', 'nchw-s1-fused', 'nchw-rowbuf', 'nhwc-separable', 'nhwc-direct']));
  });
});
