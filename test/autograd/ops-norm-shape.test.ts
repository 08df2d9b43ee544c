// batchNorm2d and the data-movement ops on the tape: gradients against finite differences on
// both backends (tapeGradError: y = f(), y.backward(r) vs central differences of sum(f() * r)).
import { describe } from 'vitest';
import * as ck from '../../lib/index';
import { itTapeCases, type TapeCase } from '../helpers/tape-cases';
import { nativeRequired } from '../helpers/native';

const names = ck.info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);
const TOL = 2e-2;
const r = (shape: number[], seed: number) => ck.randn(shape, { seed });

for (const backend of names) {
  describe(`tape gradients of batchNorm2d and shape ops on ${backend}`, () => {
    const cases: TapeCase[] = [
      ['batchNorm2d training nchw', () => {
        const x = r([3, 4, 3, 5], 1), w = r([4], 2), b = r([4], 3);
        const rm = ck.zeros([4]), rv = ck.ones([4]);
        return { f: () => ck.batchNorm2d(x, { runningMean: rm, runningVar: rv, weight: w, bias: b, training: true }), inputs: [x, w, b] };
      }],
      ['batchNorm2d training nhwc, no affine', () => {
        const x = r([2, 3, 4, 5], 4);
        return { f: () => ck.batchNorm2d(x, { runningMean: null, runningVar: null, training: true, layout: 'nhwc' }), inputs: [x] };
      }],
      ['batchNorm2d eval', () => {
        const x = r([2, 3, 4, 4], 5), w = r([3], 6), b = r([3], 7);
        const rm = r([3], 8), rv = ck.full([3], 2);
        return { f: () => ck.batchNorm2d(x, { runningMean: rm, runningVar: rv, weight: w, bias: b, training: false }), inputs: [x, w, b] };
      }],
      ['transpose', () => { const x = r([2, 3, 4, 5], 9); return { f: () => ck.transpose(x, [0, 2, 3, 1]), inputs: [x] }; }],
      ['transpose then sum-like matmul', () => { const x = r([3, 4], 10), w = r([3, 2], 11); return { f: () => ck.matmul(ck.transpose(x, [1, 0]), w), inputs: [x, w] }; }],
      ['concat (one input without grad)', () => {
        const a = r([2, 3, 2], 12), b = r([2, 1, 2], 13), c = r([2, 2, 2], 14);
        return { f: () => ck.concat([a, b, c], 1), inputs: [a, c] };
      }],
      ['split, two of three pieces used', () => {
        const x = r([4, 6], 15);
        return { f: () => { const [p, , q] = ck.split(x, [2, 1, 3], 1); return ck.matmul(p, ck.slice(ck.transpose(q, [1, 0]), [0], [2])); }, inputs: [x] };
      }],
      ['slice with negative steps', () => { const x = r([5, 6], 17); return { f: () => ck.slice(x, [4, -1], [0, 0], [-2, -2]), inputs: [x] }; }],
      ['pad reflect', () => { const x = r([1, 2, 4, 5], 18); return { f: () => ck.pad(x, [0, 0, 2, 1, 0, 0, 1, 3], { mode: 'reflect' }), inputs: [x] }; }],
      ['pad edge', () => { const x = r([2, 3, 3], 19); return { f: () => ck.pad(x, [0, 1, 2, 0, 2, 1], { mode: 'edge' }), inputs: [x] }; }],
      ['pad constant with crop', () => { const x = r([3, 5], 20); return { f: () => ck.pad(x, [1, -1, 0, 2], { value: 3 }), inputs: [x] }; }],
      ['flatten and reshape', () => { const x = r([2, 3, 4], 21), w = r([12, 2], 22); return { f: () => ck.matmul(ck.flatten(ck.reshape(x, [2, 4, 3])), w), inputs: [x, w] }; }],
    ];
    itTapeCases(backend, cases, TOL);
  });
}
