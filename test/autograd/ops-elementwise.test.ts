// The element-wise family and the reductions on the tape: gradients against finite
// differences on both backends, broadcasting included (a gradient sums back to its input's shape).
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { itTapeCases, type TapeCase } from '../helpers/tape-cases';
import { nativeRequired } from '../helpers/native';

const names = ck.info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);
const TOL = 2e-2;
const r = (shape: number[], seed: number) => ck.randn(shape, { seed });
const pos = (shape: number[], seed: number) => ck.add(ck.abs(r(shape, seed)), 0.5);

for (const backend of names) {
  describe(`tape gradients of the element-wise ops on ${backend}`, () => {
    const cases: TapeCase[] = [
      ['add with broadcasting [2,3,4] + [3,1]', () => { const a = r([2, 3, 4], 1), b = r([3, 1], 2); return { f: () => ck.add(a, b), inputs: [a, b] }; }],
      ['sub number - tensor', () => { const a = r([3, 4], 3); return { f: () => ck.sub(2, a), inputs: [a] }; }],
      ['mul bias [C,1,1] over NCHW', () => { const a = r([2, 3, 2, 2], 4), b = r([3, 1, 1], 5); return { f: () => ck.mul(a, b), inputs: [a, b] }; }],
      ['div', () => { const a = r([4, 3], 6), b = pos([3], 7); return { f: () => ck.div(a, b), inputs: [a, b] }; }],
      ['pow tensor ** tensor', () => { const a = pos([3, 2], 8), b = r([2], 9); return { f: () => ck.pow(a, b), inputs: [a, b] }; }],
      ['maximum, minimum', () => { const a = r([5], 10), b = r([5], 11); return { f: () => ck.add(ck.maximum(a, b), ck.minimum(a, 0.1)), inputs: [a, b] }; }],
      ['neg exp log sqrt abs', () => { const a = pos([6], 12), b = r([6], 13); return { f: () => ck.add(ck.neg(ck.exp(ck.log(ck.sqrt(a)))), ck.abs(b)), inputs: [a, b] }; }],
      ['clamp', () => { const a = r([10], 14); return { f: () => ck.clamp(a, -0.5, 0.7), inputs: [a] }; }],
      ['leakyRelu relu6 silu gelu hardSigmoid hardSwish', () => {
        const a = ck.mul(r([4, 8], 15), 3);
        return { f: () => ck.add(ck.add(ck.leakyRelu(a, 0.2), ck.relu6(a)), ck.add(ck.add(ck.silu(a), ck.gelu(a)), ck.add(ck.hardSigmoid(a), ck.hardSwish(a)))), inputs: [a] };
      }],
      ['sum over axes with keepDims, mean over all', () => { const a = r([2, 3, 4], 16); return { f: () => ck.add(ck.sum(a, [0, 2], { keepDims: true }), ck.mean(a)), inputs: [a] }; }],
      ['transpose then sum (non-contiguous-looking)', () => { const a = r([3, 4, 2], 17); return { f: () => ck.sum(ck.transpose(a, [2, 0, 1]), 1), inputs: [a] }; }],
      ['max and min over an axis', () => { const a = r([3, 5], 18); return { f: () => ck.add(ck.max(a, 1), ck.min(a, 1)), inputs: [a] }; }],
      ['conv2d with residual and silu (run as its own op when recording)', () => {
        const x = r([1, 2, 5, 5], 19), w = r([3, 2, 3, 3], 20), res = r([1, 3, 5, 5], 21), b = r([3], 22);
        return { f: () => ck.conv2d(x, w, { padding: 1, bias: b, residual: res, activation: 'silu' }), inputs: [x, w, res, b] };
      }],
      ['conv2d with residual and relu6 / sigmoid (gradient from the output)', () => {
        const x = r([1, 2, 5, 5], 23), w = r([3, 2, 3, 3], 24), res = r([1, 3, 5, 5], 25);
        return { f: () => ck.add(ck.conv2d(x, w, { padding: 1, residual: res, activation: 'relu6' }), ck.conv2d(x, w, { padding: 1, residual: res, activation: 'sigmoid' })), inputs: [x, w, res] };
      }],
    ];
    itTapeCases(backend, cases, TOL);

    it('max shares the gradient among ties; argmax is an int32 tensor off the tape', () => {
      ck.setBackend(backend);
      const a = ck.tensor([[1, 3, 3], [2, 0, 1]]);
      a.requiresGrad = true;
      ck.max(a, 1).backward(ck.ones([2]));
      expect(Array.from(a.grad!.data)).toEqual([0, 0.5, 0.5, 1, 0, 0]);
      const i = ck.argmax(a, 1);
      expect(i.data).toBeInstanceOf(Int32Array);
      expect(Array.from(i.data)).toEqual([1, 0]);
      expect(i.requiresGrad).toBe(false);
    });
  });
}
