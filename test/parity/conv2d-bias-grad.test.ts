// conv2dBackward with outputs ['db'] alone (a bias trained under a frozen filter) sums dy with
// the reduction kernel instead of running the filter gradient: the same db as the full call's
// within float summation, on both backends, and no dw path runs natively.
import { afterEach, describe, expect, it } from 'vitest';
import { conv2d, conv2dBackward, randn, setBackend, tensor } from '../../lib/index';
import { lastPath } from '../helpers/paths';
import { maxErrors } from '../helpers/onnx-fixtures';

afterEach(() => setBackend('native'));

const cases = [
  { name: 'batch 3, 3x3 pad 1', x: [3, 5, 9, 7], w: [6, 5, 3, 3], opts: { padding: 1 } },
  { name: 'batch 1, stride 2, groups 2', x: [1, 4, 11, 10], w: [6, 2, 3, 3], opts: { stride: 2, groups: 2 } },
  { name: 'rank 3 (no batch)', x: [4, 6, 6], w: [3, 4, 1, 1], opts: {} },
  { name: 'depthwise, 17 channels', x: [2, 17, 8, 8], w: [17, 1, 3, 3], opts: { padding: 1, groups: 17 } },
];

describe("conv2dBackward outputs ['db']", () => {
  for (const c of cases) {
    for (const layout of ['nchw', 'nhwc'] as const) {
      it(`${c.name} (${layout})`, () => {
        // [N,] C, H, W -> [N,] H, W, C for nhwc; OIHW -> OHWI.
        const last = (s: number[]): number[] => (layout === 'nchw' ? s : [...s.slice(0, s.length - 3), ...s.slice(-2), s[s.length - 3]]);
        const x = randn(last(c.x), { seed: 11 });
        const w = randn(last(c.w), { seed: 12 });
        const opts = { ...c.opts, layout };
        const dy = randn([...conv2d(x, w, opts).shape], { seed: 13 });
        setBackend('native');
        lastPath('conv2d-dw');
        const alone = conv2dBackward(dy, x, w, { ...opts, outputs: ['db'] });
        expect(lastPath('conv2d-dw')).toBe('none');
        expect(Object.keys(alone)).toEqual(['db']);
        const full = conv2dBackward(dy, x, w, opts);
        expect(alone.db!.shape).toEqual([c.w[0]]);
        expect(maxErrors(alone.db!.data, full.db!.data).rel).toBeLessThan(1e-5);
        setBackend('ts');
        const ts = conv2dBackward(dy, x, w, { ...opts, outputs: ['db'] });
        expect(maxErrors(ts.db!.data, full.db!.data).rel).toBeLessThan(1e-5);
      });
    }
  }

  it('sums over the batch and every position (a hand-checked case)', () => {
    // dy [2, 2, 1, 2]: channel 0 holds 1, 2 and 3, 4; channel 1 holds 10, 20 and 30, 40.
    const dy = tensor([1, 2, 10, 20, 3, 4, 30, 40], [2, 2, 1, 2]);
    const x = randn([2, 1, 1, 2], { seed: 1 });
    const w = randn([2, 1, 1, 1], { seed: 2 });
    for (const be of ['native', 'ts'] as const) {
      setBackend(be);
      expect(Array.from(conv2dBackward(dy, x, w, { outputs: ['db'] }).db!.data)).toEqual([10, 100]);
    }
  });
});
