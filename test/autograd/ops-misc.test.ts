// The tape through convTranspose2d, upsample2d, adaptiveAvgPool2d, dropout, crossEntropyLoss
// and mseLoss against finite differences, on both backends, every option combination.
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { itTapeCases } from '../helpers/tape-cases';
import { nativeRequired } from '../helpers/native';

const names = ck.info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);
const TOL = 2e-2;
const r = (shape: number[], seed: number) => ck.randn(shape, { seed });
type Make = () => { f: () => ck.Tensor; inputs: ck.Tensor[] };

const cases: [string, Make][] = [];
// convTranspose2d: layouts x strides/paddings/outputPaddings/dilations/groups/bias/rank 3.
const ct: [string, number[], number[], ck.ConvTranspose2dOptions][] = [
  ['plain', [2, 3, 4, 5], [3, 2, 3, 3], {}],
  ['stride 2 padding 1 outputPadding 1 bias', [1, 2, 3, 4], [2, 3, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
  ['stride [2, 3] outputPadding [1, 2] dilation 2 groups 2', [2, 4, 3, 3], [4, 1, 2, 3], { stride: [2, 3], outputPadding: [1, 2], dilation: 2, groups: 2 }],
  ['nhwc stride 2 padding [1, 0] bias', [1, 3, 4, 2], [2, 3, 3, 3], { stride: 2, padding: [1, 0], layout: 'nhwc' }],
  ['nhwc groups 3 dilation [1, 2] outputPadding 1', [2, 3, 3, 3], [3, 2, 2, 2], { groups: 3, dilation: [1, 2], stride: 2, outputPadding: 1, layout: 'nhwc' }],
  ['rank 3 padding 2', [2, 5, 5], [2, 2, 3, 3], { padding: 2 }],
];
ct.forEach(([name, xs, ws, o], i) => {
  cases.push([`convTranspose2d ${name}`, () => {
    const x = r(xs, 10 + i), w = r(ws, 20 + i);
    const cout = (o.layout === 'nhwc' ? ws[3] : ws[1]) * (o.groups ?? 1);
    const b = name.includes('bias') ? r([cout], 30 + i) : null;
    return { f: () => ck.convTranspose2d(x, w, { ...o, bias: b }), inputs: b ? [x, w, b] : [x, w] };
  }]);
});
// upsample2d: modes x alignCorners x size/scale x layouts x rank 3.
const up: [number[], ck.Upsample2dOptions][] = [
  [[2, 3, 3, 4], { scale: 2 }],
  [[1, 2, 5, 3], { size: [3, 7] }],
  [[1, 2, 3, 4], { scale: [1.5, 2.5], mode: 'bilinear' }],
  [[2, 4, 3, 2], { size: [7, 5], mode: 'bilinear', layout: 'nhwc' }],
  [[1, 2, 4, 3], { size: [6, 2], mode: 'bilinear', alignCorners: true }],
  [[1, 3, 3, 2], { scale: 3, mode: 'bilinear', alignCorners: true, layout: 'nhwc' }],
  [[2, 3, 3], { scale: [2, 1.7], layout: 'nhwc' }],
  [[2, 5, 4], { size: 2, mode: 'bilinear' }],
];
up.forEach(([xs, o], i) => cases.push([`upsample2d ${JSON.stringify(o)} x [${xs}]`, () => {
  const x = r(xs, 40 + i);
  return { f: () => ck.upsample2d(x, o), inputs: [x] };
}]));
// adaptiveAvgPool2d: divisible (avgPool2d), not divisible, larger output, nhwc, rank 3.
const ap: [number[], number | [number, number], 'nchw' | 'nhwc'][] = [
  [[2, 3, 6, 4], [3, 2], 'nchw'], [[1, 2, 7, 5], [3, 2], 'nchw'], [[1, 2, 3, 2], [5, 4], 'nchw'],
  [[2, 5, 7, 3], [2, 3], 'nhwc'], [[3, 5, 6], 4, 'nchw'], [[2, 4, 4, 3], 1, 'nhwc'],
];
ap.forEach(([xs, size, layout], i) => cases.push([`adaptiveAvgPool2d ${JSON.stringify(size)} ${layout} x [${xs}]`, () => {
  const x = r(xs, 60 + i);
  return { f: () => ck.adaptiveAvgPool2d(x, size, { layout }), inputs: [x] };
}]));
// dropout: seeded (same mask in every call), eval, p 0, p 1.
for (const o of [{ p: 0.3, seed: 5 }, { p: 0.5, seed: 9, training: true }, { training: false }, { p: 0, seed: 1 }, { p: 1 }] as ck.DropoutOptions[]) {
  cases.push([`dropout ${JSON.stringify(o)}`, () => { const x = r([3, 7], 70); return { f: () => ck.dropout(x, o), inputs: [x] }; }]);
}
// Losses: reductions x smoothing x [N, C] / [N, C, d1, d2] x label forms; mse.
for (const reduction of ['mean', 'sum', 'none'] as const) {
  for (const labelSmoothing of [0, 0.1]) {
    cases.push([`crossEntropyLoss [N, C] ${reduction} smoothing ${labelSmoothing}`, () => {
      const x = r([4, 5], 80);
      return { f: () => ck.crossEntropyLoss(x, [0, 4, 2, 2], { reduction, labelSmoothing }), inputs: [x] };
    }]);
    cases.push([`crossEntropyLoss [N, C, 2, 3] ${reduction} smoothing ${labelSmoothing}`, () => {
      const x = r([2, 4, 2, 3], 81);
      const labels = new ck.Tensor(Int32Array.from({ length: 12 }, (_, k) => (k * 7) % 4), [2, 2, 3]);
      return { f: () => ck.crossEntropyLoss(x, labels, { reduction, labelSmoothing }), inputs: [x] };
    }]);
  }
  cases.push([`mseLoss ${reduction}`, () => {
    const a = r([3, 4], 90), b = r([3, 4], 91);
    return { f: () => ck.mseLoss(a, b, { reduction }), inputs: [a, b] };
  }]);
}
cases.push(['a chain: convTranspose2d -> upsample2d -> adaptiveAvgPool2d -> dropout -> crossEntropyLoss', () => {
  const x = r([2, 3, 3, 3], 100), w = r([3, 4, 2, 2], 101);
  return {
    f: () => ck.crossEntropyLoss(ck.dropout(ck.adaptiveAvgPool2d(ck.upsample2d(ck.convTranspose2d(x, w, { stride: 2 }), { scale: 1.5, mode: 'bilinear' }), [3, 2]), { p: 0.2, seed: 3 }).reshape([2, 24]), new Int32Array([3, 17])),
    inputs: [x, w],
  };
}]);

for (const backend of names) {
  describe(`misc ops on the tape, ${backend}`, () => {
    itTapeCases(backend, cases, TOL);
  });
}

describe('misc ops: semantics', () => {
  it('crossEntropyLoss equals crossEntropy and torch\'s label-smoothing formula', () => {
    const x = r([3, 4], 1), labels = [1, 0, 3];
    const loss = ck.crossEntropyLoss(x, labels);
    expect(loss.shape).toEqual([]);
    expect(loss.data[0]).toBeCloseTo(ck.crossEntropy(x, labels).loss, 5);
    const logp = ck.logSoftmax(x, 1);
    let want = 0;
    for (let n = 0; n < 3; n++) {
      let all = 0;
      for (let c = 0; c < 4; c++) all += logp.get(n, c);
      want += -0.8 * logp.get(n, labels[n]) - (0.2 / 4) * all;
    }
    expect(ck.crossEntropyLoss(x, labels, { labelSmoothing: 0.2, reduction: 'sum' }).data[0]).toBeCloseTo(want, 4);
    expect(ck.crossEntropyLoss(x, labels, { reduction: 'none' }).shape).toEqual([3]);
    x.requiresGrad = true;
    ck.crossEntropyLoss(x, labels).backward();
    const { dlogits } = ck.crossEntropy(x, labels);
    for (let i = 0; i < 12; i++) expect(x.grad!.data[i]).toBeCloseTo(dlogits.data[i], 6);
  });

  it('mseLoss values', () => {
    const a = ck.tensor([1, 2, 3]), b = ck.tensor([1, 0, 0]);
    expect(ck.mseLoss(a, b).data[0]).toBeCloseTo(13 / 3, 6);
    expect(ck.mseLoss(a, b, { reduction: 'sum' }).data[0]).toBe(13);
    expect(Array.from(ck.mseLoss(a, b, { reduction: 'none' }).data)).toEqual([0, 4, 9]);
  });

  it('dropout: eval and p 0 keep the values, p 1 zeros, the mask scales by 1/(1-p), seeds and manualSeed reproduce', () => {
    const x = ck.randn([1000], { seed: 2 });
    expect(Array.from(ck.dropout(x, { training: false }).data)).toEqual(Array.from(x.data));
    expect(Array.from(ck.dropout(x, { p: 0 }).data)).toEqual(Array.from(x.data));
    expect(ck.dropout(x, { p: 1 }).data.every((v) => v === 0)).toBe(true);
    const y = ck.dropout(x, { p: 0.25, seed: 4 });
    let kept = 0;
    y.data.forEach((v, i) => { if (v !== 0) { kept++; expect(v).toBeCloseTo(x.data[i] / 0.75, 5); } });
    expect(kept).toBeGreaterThan(680);
    expect(kept).toBeLessThan(820);
    expect(Array.from(ck.dropout(x, { p: 0.25, seed: 4 }).data)).toEqual(Array.from(y.data));
    ck.manualSeed(7);
    const a = ck.dropout(x, { p: 0.5 }).data;
    ck.manualSeed(7);
    expect(Array.from(ck.dropout(x, { p: 0.5 }).data)).toEqual(Array.from(a));
    expect(() => ck.dropout(x, { p: 1.5 })).toThrow(/^dropout: p must be in \[0, 1\], got 1.5/);
  });

  it('adaptiveAvgPool2d windows (torch): 5 -> 3 averages rows [0, 2), [1, 4), [3, 5)', () => {
    const x = ck.tensor([[[[1], [2], [3], [4], [5]]]]);
    expect(Array.from(ck.adaptiveAvgPool2d(x, [3, 1]).data)).toEqual([1.5, 3, 4.5]);
    expect(() => ck.adaptiveAvgPool2d(x, [0, 1])).toThrow(/^adaptiveAvgPool2d: outputSize\[0\] must be an integer/);
  });

  it('loss errors name the op and the shapes', () => {
    const x = ck.zeros([2, 3, 4]);
    expect(() => ck.crossEntropyLoss(x, [0, 1])).toThrow(/^crossEntropyLoss: logits \[2, 3, 4\] needs 8 labels \(\[2, 4\]\), got 2/);
    expect(() => ck.crossEntropyLoss(x, new ck.Tensor(new Int32Array(8), [8]))).toThrow(/^crossEntropyLoss: labels must have shape \[2, 4\] for logits \[2, 3, 4\], got labels \[8\]/);
    expect(() => ck.crossEntropyLoss(ck.zeros([2, 3]), [0, 3])).toThrow(/^crossEntropyLoss: label 1 is 3, out of range \[0, 3\)/);
    expect(() => ck.mseLoss(ck.zeros([2]), ck.zeros([3]))).toThrow(/^mseLoss: a \[2\] and b \[3\] must have the same shape/);
  });
});
