// native upsample2d == ts, forward and backward, nearest and bilinear (align_corners both
// ways), size and scale, both layouts, random shapes; and known PyTorch values.
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { backends, info } from '../../lib/index';
import { upsample2dInfo } from '../../lib/shape/upsample2d-info';
import { pick, prng, randInt, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

describe('upsample2d known values (ts and native)', () => {
  for (const be of info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const)) {
    it(`${be}: torch's bilinear 2x of [[1, 2], [3, 4]], nearest 3 -> 5, align_corners`, () => {
      ck.setBackend(be);
      expect(ck.getBackend()).toBe(be);
      const x = ck.tensor([[[[1, 2], [3, 4]]]]);
      // torch.nn.functional.interpolate(x, scale_factor=2, mode='bilinear')
      expect(Array.from(ck.upsample2d(x, { scale: 2, mode: 'bilinear' }).data.slice(0, 8))).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5]);
      // align_corners=True, size 3: the middle is the mean of the corners.
      expect(Array.from(ck.upsample2d(x, { size: [3, 3], mode: 'bilinear', alignCorners: true }).data)).toEqual([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
      const r = ck.tensor([[[[10, 20, 30]]]]);
      expect(Array.from(ck.upsample2d(r, { size: [1, 5] }).data)).toEqual([10, 10, 20, 20, 30]);
      // scale 2.5 on 2 (out 5): torch reads floor(i * fround(1 / 2.5)) = 0 0 0 1 1.
      expect(Array.from(ck.upsample2d(ck.tensor([[[[1, 2]]]]), { scale: [1, 2.5] }).data)).toEqual([1, 1, 1, 2, 2]);
      // nhwc = nchw transposed.
      const xn = ck.tensor([[[[1], [2]], [[3], [4]]]]);
      expect(Array.from(ck.upsample2d(xn, { scale: 2, mode: 'bilinear', layout: 'nhwc' }).data.slice(0, 4))).toEqual([1, 1.25, 1.75, 2]);
      ck.setBackend(info().native.loaded ? 'native' : 'ts');
    });
  }

  it('errors name the op and the shapes', () => {
    const x = ck.zeros([1, 2, 3, 3]);
    expect(() => ck.upsample2d(x, { mode: 'nearest' } as never)).toThrow(/^upsample2d: give exactly one of scale and size \(x \[1, 2, 3, 3\]\)/);
    expect(() => ck.upsample2d(x, { scale: 0.1 })).toThrow(/^upsample2d: scale \[0.1, 0.1\] gives an output of 0x0 from x \[1, 2, 3, 3\]/);
    expect(() => ck.upsample2d(x, { size: 2, alignCorners: true })).toThrow(/^upsample2d: alignCorners applies to mode 'bilinear' only/);
    expect(() => ck.upsample2d(ck.zeros([2, 3]), { size: 2 })).toThrow(/^upsample2d: x must be rank 4 \(or 3\), got x \[2, 3\]/);
    expect(() => ck.upsample2d(x, { size: 2, mod: 'bilinear' } as never)).toThrow(/^upsample2d: unknown option "mod"/);
    expect(() => ck.upsample2dBackward(ck.zeros([1, 2, 5, 5]), x, { size: 4 })).toThrow(/^upsample2dBackward: dy must have the forward output shape \[1, 2, 4, 4\], got dy \[1, 2, 5, 5\]/);
  });
});

describe.skipIf(skip)('upsample2d parity native vs ts', () => {
  itRunsAtForcedIsa();
  const r = prng(11);
  for (let t = 0; t < 40; t++) {
    const layout = t % 2 === 0 ? 'nchw' as const : 'nhwc' as const;
    const mode = pick(r, ['nearest', 'bilinear'] as const);
    const alignCorners = mode === 'bilinear' && r() < 0.4;
    const n = randInt(r, 1, 3), c = randInt(r, 1, t < 4 ? 70 : 19), h = randInt(r, 1, 13), w = randInt(r, 1, 17);
    const opts = r() < 0.5
      ? { size: [randInt(r, 1, 29), randInt(r, 1, 37)] as [number, number], mode, alignCorners, layout }
      : { scale: [pick(r, [0.5, 1, 1.5, 2, 2.5, 3, 1.7, 4]), pick(r, [0.75, 1, 2, 1.3, 3.5])] as [number, number], mode, alignCorners, layout };
    const xShape = layout === 'nchw' ? [n, c, h, w] : [n, h, w, c];
    let i;
    try { i = upsample2dInfo('t', xShape, opts); } catch { continue; }  // a scale that gives 0 rows
    const inf = i;
    it(`${JSON.stringify(opts)} x [${xShape}]`, () => {
      const x = randomData(prng(t), n * c * h * w);
      const ny = n * c * inf.outHeight * inf.outWidth;
      const a = new Float32Array(ny), b = new Float32Array(ny).fill(NaN);
      backends.ts.upsample2d(x, a, inf);
      backends.native.upsample2d(x, b, inf);
      expect(worstRatio(b, a, 1e-6)).toBeLessThanOrEqual(1);
      const dy = randomData(prng(t + 100), ny);
      const da = new Float32Array(x.length), db = new Float32Array(x.length).fill(NaN);
      backends.ts.upsample2dBackward(dy, da, inf);
      backends.native.upsample2dBackward(dy, db, inf);
      expect(worstRatio(db, da, 1e-5)).toBeLessThanOrEqual(1);
    });
  }

  // Twice the size along both axes (the x2 row-pair kernels): NHWC channel counts under 16 (flat
  // runs, each phase count), not a multiple of 16 above it (overlapping last vectors), NCHW widths
  // around the 8- and 16-lane blocks.
  const x2 = prng(29);
  for (const c of [1, 2, 3, 5, 8, 12, 15, 16, 17, 24, 64]) {
    for (const layout of ['nchw', 'nhwc'] as const) {
      const n = randInt(x2, 1, 2), h = randInt(x2, 1, 6), w = pick(x2, [1, 2, 7, 9, 16, 17, 25, 33]);
      const xShape = layout === 'nchw' ? [n, c, h, w] : [n, h, w, c];
      it(`x2 bilinear ${layout} x [${xShape}]`, () => {
        const inf = upsample2dInfo('t', xShape, { scale: 2, mode: 'bilinear', layout });
        const x = randomData(prng(c * 7 + w), n * c * h * w);
        const a = new Float32Array(4 * x.length), b = new Float32Array(4 * x.length).fill(NaN);
        backends.ts.upsample2d(x, a, inf);
        backends.native.upsample2d(x, b, inf);
        expect(worstRatio(b, a, 1e-6)).toBeLessThanOrEqual(1);
      });
    }
  }

  it('both backends refuse a bad info and short arrays', () => {
    const good = upsample2dInfo('t', [1, 1, 2, 2], { size: 3 });
    for (const be of [backends.ts, backends.native]) {
      expect(() => be.upsample2d(new Float32Array(4), new Float32Array(8), good)).toThrow(/upsample2d: y has 8 elements but info needs 9/);
      expect(() => be.upsample2d(new Float32Array(4), new Float32Array(9), { ...good, mode: 'cubic' } as never)).toThrow(/upsample2d: info.mode must be 'nearest' or 'bilinear'/);
      expect(() => be.upsample2d(new Float32Array(4), new Float32Array(9), { ...good, scaleH: -1 })).toThrow(/upsample2d: info.scaleH/);
      const buf = new Float32Array(9);
      expect(() => be.upsample2dBackward(buf, buf.subarray(0, 4), good)).toThrow(/upsample2dBackward/);
    }
  });
});
