// convTranspose2d against a direct scatter reference (the definition), on both backends,
// random geometries, both layouts; native == ts; errors.
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { info } from '../../lib/index';
import { prng, randInt, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const names = info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);

interface Case { n: number; cin: number; cout: number; g: number; h: number; w: number; kh: number; kw: number; s: [number, number]; p: [number, number]; op: [number, number]; d: [number, number] }

/** y[n, g*coutG + oc, i*s - p + k*d] += x[n, ci, i] * w[ci, oc, k] (nchw), plus bias. */
function reference(x: ck.Tensor, w: ck.Tensor, b: ck.Tensor | null, c: Case): { data: Float64Array; oh: number; ow: number } {
  const oh = (c.h - 1) * c.s[0] - 2 * c.p[0] + c.d[0] * (c.kh - 1) + c.op[0] + 1;
  const ow = (c.w - 1) * c.s[1] - 2 * c.p[1] + c.d[1] * (c.kw - 1) + c.op[1] + 1;
  const y = new Float64Array(c.n * c.cout * oh * ow);
  const cinG = c.cin / c.g, coutG = c.cout / c.g;
  for (let n = 0; n < c.n; n++) for (let ci = 0; ci < c.cin; ci++) for (let i = 0; i < c.h; i++) for (let j = 0; j < c.w; j++) {
    const xv = x.data[((n * c.cin + ci) * c.h + i) * c.w + j], grp = Math.floor(ci / cinG);
    for (let oc = 0; oc < coutG; oc++) for (let u = 0; u < c.kh; u++) for (let v = 0; v < c.kw; v++) {
      const yi = i * c.s[0] - c.p[0] + u * c.d[0], yj = j * c.s[1] - c.p[1] + v * c.d[1];
      if (yi < 0 || yi >= oh || yj < 0 || yj >= ow) continue;
      y[((n * c.cout + grp * coutG + oc) * oh + yi) * ow + yj] += xv * w.data[((ci * coutG + oc) * c.kh + u) * c.kw + v];
    }
  }
  if (b) for (let k = 0; k < y.length; k++) y[k] += b.data[Math.floor(k / (oh * ow)) % c.cout];
  return { data: y, oh, ow };
}

const toNhwc = (t: ck.Tensor): ck.Tensor => {
  const [n, c, h, w] = t.shape, out = new Float32Array(t.size);
  for (let a = 0; a < n; a++) for (let b = 0; b < c; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[((a * h + i) * w + j) * c + b] = t.data[((a * c + b) * h + i) * w + j];
  return new ck.Tensor(out, [n, h, w, c]);
};

function randomCase(r: () => number): Case {
  const g = randInt(r, 1, 3), s: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
  const kh = randInt(r, 1, 4), kw = randInt(r, 1, 5), d: [number, number] = [randInt(r, 1, 2), randInt(r, 1, 2)];
  const c: Case = {
    n: randInt(r, 1, 2), cin: g * randInt(r, 1, 3), cout: g * randInt(r, 1, 4), g, h: randInt(r, 1, 7), w: randInt(r, 1, 9),
    kh, kw, s, d, p: [randInt(r, 0, 2), randInt(r, 0, 2)], op: [randInt(r, 0, s[0] - 1), randInt(r, 0, s[1] - 1)],
  };
  const oh = (c.h - 1) * s[0] - 2 * c.p[0] + d[0] * (kh - 1) + c.op[0] + 1, ow = (c.w - 1) * s[1] - 2 * c.p[1] + d[1] * (kw - 1) + c.op[1] + 1;
  return oh >= 1 && ow >= 1 ? c : randomCase(r);
}

describe('convTranspose2d', () => {
  itRunsAtForcedIsa();
  const r = prng(5);
  const cases = Array.from({ length: 24 }, () => randomCase(r));
  cases.forEach((c, t) => {
    it(`${JSON.stringify(c)}: reference, native == ts, nhwc == nchw`, () => {
      const x = ck.randn([c.n, c.cin, c.h, c.w], { seed: t }), w = ck.randn([c.cin, c.cout / c.g, c.kh, c.kw], { seed: t + 50 });
      const b = t % 2 ? ck.randn([c.cout], { seed: t + 99 }) : null;
      const opts = { stride: c.s, padding: c.p, outputPadding: c.op, dilation: c.d, groups: c.g, bias: b };
      const want = reference(x, w, b, c);
      const got: Record<string, ck.Tensor> = {};
      for (const be of names) {
        ck.setBackend(be);
        expect(ck.getBackend()).toBe(be);
        const y = ck.convTranspose2d(x, w, opts);
        expect(y.shape).toEqual([c.n, c.cout, want.oh, want.ow]);
        expect(worstRatio(y.data, Float32Array.from(want.data), 1e-4, 1e-4)).toBeLessThanOrEqual(1);
        // nhwc: x [N, H, W, Cin], w [Cin, KH, KW, Cout/groups].
        const yn = ck.convTranspose2d(toNhwc(x), toNhwc(w), { ...opts, layout: 'nhwc' });
        expect(worstRatio(yn.data, toNhwc(y).data, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
        got[be] = y;
      }
      if (got.native) expect(worstRatio(got.native.data, got.ts.data, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    });
  });

  it('rank 3 and the output size formula', () => {
    const y = ck.convTranspose2d(ck.randn([8, 16, 16], { seed: 1 }), ck.randn([8, 4, 4, 4], { seed: 2 }), { stride: 2, padding: 1 });
    expect(y.shape).toEqual([4, 32, 32]);
  });

  it('errors name the op and the shapes', () => {
    const x = ck.zeros([1, 3, 4, 4]);
    expect(() => ck.convTranspose2d(x, ck.zeros([4, 2, 3, 3]))).toThrow(/^convTranspose2d: x has 3 channels but w expects 4 \(w is \[Cin, Cout\/groups, KH, KW\]\) \(x \[1, 3, 4, 4\], w \[4, 2, 3, 3\]/);
    expect(() => ck.convTranspose2d(x, ck.zeros([3, 2, 3, 3]), { stride: 2, outputPadding: 2 })).toThrow(/^convTranspose2d: outputPadding \[2, 2\] must be smaller than the stride \[2, 2\]/);
    expect(() => ck.convTranspose2d(x, ck.zeros([3, 2, 3, 3]), { groups: 2 })).toThrow(/^convTranspose2d: x has 3 channels, not divisible by groups 2/);
    expect(() => ck.convTranspose2d(x, ck.zeros([3, 2, 1, 1]), { padding: 2 })).toThrow(/^convTranspose2d: output would be 0x0/);
    expect(() => ck.convTranspose2d(x, ck.zeros([3, 2, 3, 3]), { bias: ck.zeros([3]) })).toThrow(/^convTranspose2d: bias must be \[2\], got bias \[3\]/);
    expect(() => ck.convTranspose2d(x, ck.zeros([3, 2, 3]))).toThrow(/^convTranspose2d: w must be rank 4/);
    expect(() => ck.convTranspose2d(x, ck.zeros([3, 2, 3, 3]), { outputPading: 1 } as never)).toThrow(/^convTranspose2d: unknown option "outputPading"/);
  });
});
