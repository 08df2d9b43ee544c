// The tape (lib/autograd): every differentiable op of the earlier sections against finite
// differences on both backends, and the tape's rules (accumulation, freeing, noGrad, leaves).
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { tapeGradError } from '../helpers/gradcheck';
import { nativeRequired } from '../helpers/native';

const names = ck.info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);
const TOL = 2e-2;
const r = (shape: number[], seed: number) => ck.randn(shape, { seed });

for (const backend of names) {
  describe(`tape gradients on ${backend}`, () => {
    const use = () => { ck.setBackend(backend); expect(ck.getBackend()).toBe(backend); };
    const cases: [string, () => { f: () => ck.Tensor; inputs: ck.Tensor[] }][] = [
      ['conv2d + bias + relu', () => { const x = r([2, 3, 7, 6], 1), w = r([4, 3, 3, 3], 2), b = r([4], 3); return { f: () => ck.conv2d(x, w, { bias: b, padding: 1, activation: 'relu' }), inputs: [x, w, b] }; }],
      ['conv2d groups nhwc stride 2', () => { const x = r([1, 7, 6, 4], 4), w = r([6, 3, 3, 2], 5); return { f: () => ck.conv2d(x, w, { groups: 2, layout: 'nhwc', stride: 2, padding: [1, 0, 2, 1] }), inputs: [x, w] }; }],
      ['conv2d rank 3, only w', () => { const x = r([2, 5, 5], 6), w = r([3, 2, 2, 2], 7); return { f: () => ck.conv2d(x, w), inputs: [w] }; }],
      ['maxPool2d', () => { const x = r([2, 3, 7, 7], 8); return { f: () => ck.maxPool2d(x, { kernel: 3, stride: 2, padding: 1 }), inputs: [x] }; }],
      ['avgPool2d nhwc', () => { const x = r([1, 6, 5, 3], 9); return { f: () => ck.avgPool2d(x, { kernel: 2, layout: 'nhwc', ceilMode: true }), inputs: [x] }; }],
      ['globalAvgPool2d', () => { const x = r([2, 3, 4, 5], 10); return { f: () => ck.globalAvgPool2d(x), inputs: [x] }; }],
      ['globalMaxPool2d nhwc', () => { const x = r([2, 4, 5, 3], 11); return { f: () => ck.globalMaxPool2d(x, { layout: 'nhwc' }), inputs: [x] }; }],
      ['gemm', () => { const a = r([3, 4], 12), b = r([4, 5], 13); return { f: () => ck.gemm(a, b), inputs: [a, b] }; }],
      ['gemm transA transB alpha beta c[n]', () => { const a = r([4, 3], 14), b = r([5, 4], 15), c = r([5], 16); return { f: () => ck.gemm(a, b, { transA: true, transB: true, alpha: 0.5, beta: 2, c }), inputs: [a, b, c] }; }],
      ['gemm transB c[m,n]', () => { const a = r([3, 4], 17), b = r([5, 4], 18), c = r([3, 5], 19); return { f: () => ck.gemm(a, b, { transB: true, beta: -1, c }), inputs: [a, b, c] }; }],
      ['matmul batched broadcast', () => { const a = r([2, 1, 3, 4], 20), b = r([3, 4, 2], 21); return { f: () => ck.matmul(a, b), inputs: [a, b] }; }],
      ['matmul 1-D', () => { const a = r([4], 22), b = r([2, 4, 3], 23); return { f: () => ck.matmul(a, b), inputs: [a, b] }; }],
      ['linear rank 3', () => { const x = r([2, 3, 5], 24), w = r([4, 5], 25), b = r([4], 26); return { f: () => ck.linear(x, w, b), inputs: [x, w, b] }; }],
      ['sigmoid(tanh(relu))', () => { const x = r([3, 7], 27); return { f: () => ck.sigmoid(ck.tanh(ck.relu(x))), inputs: [x] }; }],
      ['softmax axis 0, logSoftmax', () => { const x = r([4, 3, 2], 28); return { f: () => ck.logSoftmax(ck.softmax(x, 0), 1), inputs: [x] }; }],
      ['reshape and clone', () => { const x = r([2, 6], 29), w = r([4, 3], 30); return { f: () => ck.matmul(x.reshape([4, 3]).clone(), w.reshape([3, 4])), inputs: [x, w] }; }],
      ['a tensor used twice (diamond)', () => { const x = r([3, 3], 31); return { f: () => ck.matmul(ck.relu(x), ck.sigmoid(x)), inputs: [x] }; }],
    ];
    for (const [name, make] of cases) {
      it(name, () => {
        use();
        const { f, inputs } = make();
        expect(tapeGradError(f, inputs)).toBeLessThan(TOL);
      });
    }

    it('conv2dAsync, maxPool2dAsync and matmulAsync record at the call', async () => {
      use();
      const x = r([1, 2, 6, 6], 40), w = r([3, 2, 3, 3], 41);
      x.requiresGrad = true; w.requiresGrad = true;
      const y = await ck.conv2dAsync(x, w, { padding: 1 });
      const p = await ck.maxPool2dAsync(y, { kernel: 2 });
      const m = await ck.matmulAsync(p.reshape([3, 9]), r([9, 2], 42));
      expect(m.gradFn).toBe('matmul');
      m.backward(ck.ones(m.shape));
      const xs = x.grad!.clone(), ws = w.grad!.clone();
      x.grad = null; w.grad = null;
      const m2 = ck.matmul(ck.maxPool2d(ck.conv2d(x, w, { padding: 1 }), { kernel: 2 }).reshape([3, 9]), r([9, 2], 42));
      m2.backward(ck.ones(m2.shape));
      expect(Array.from(x.grad!.data)).toEqual(Array.from(xs.data));
      expect(Array.from(w.grad!.data)).toEqual(Array.from(ws.data));
      // noGrad around the call: nothing recorded even though the result comes later.
      const q = await ck.noGrad(() => ck.conv2dAsync(x, w));
      expect(q.requiresGrad).toBe(false);
    });
  });
}

describe('tape rules', () => {
  it('grads accumulate across backward calls; the tape is freed unless retainGraph', () => {
    const w = ck.tensor([1, 2, 3]);
    w.requiresGrad = true;
    const y = ck.relu(w.reshape([1, 3]));
    y.backward(ck.ones([1, 3]), { retainGraph: true });
    y.backward(ck.ones([1, 3]));
    expect(Array.from(w.grad!.data)).toEqual([2, 2, 2]);
    expect(() => y.backward(ck.ones([1, 3]))).toThrow(/backward: the tape through relu was freed by an earlier backward/);
    const z = ck.relu(w);
    z.backward(ck.ones([3]));
    expect(Array.from(w.grad!.data)).toEqual([3, 3, 3]);
  });

  it('noGrad records nothing, enableGrad inside it does; detach cuts the history', () => {
    const x = ck.randn([2, 2], { seed: 1 });
    x.requiresGrad = true;
    expect(ck.noGrad(() => ck.relu(x)).requiresGrad).toBe(false);
    expect(ck.noGrad(() => ck.isGradEnabled())).toBe(false);
    expect(ck.noGrad(() => ck.enableGrad(() => ck.relu(x))).gradFn).toBe('relu');
    expect(ck.isGradEnabled()).toBe(true);
    const d = ck.relu(x).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(() => ck.noGrad(() => { throw new Error('inside'); })).toThrow('inside');
    expect(ck.isGradEnabled()).toBe(true);
  });

  it('bad calls name the op and the shapes', () => {
    const x = ck.randn([2, 3], { seed: 2 });
    expect(() => x.backward()).toThrow(/backward: this tensor \[2, 3\] does not require grad/);
    x.requiresGrad = true;
    const y = ck.relu(x);
    expect(() => y.backward()).toThrow(/backward: grad can be omitted only for a one-element tensor; this one is \[2, 3\]/);
    expect(() => y.backward(ck.ones([3, 2]))).toThrow(/backward: grad \[3, 2\] does not match the tensor \[2, 3\]/);
    expect(() => { y.requiresGrad = false; }).toThrow(/requiresGrad: can be changed only on a leaf tensor; this \[2, 3\] one was made by relu/);
    expect(() => { x.grad = ck.zeros([3]); }).toThrow(/grad: the gradient \[3\] does not match the tensor \[2, 3\]/);
    const ints = new ck.Tensor(new Int32Array([1, 2]), [2]);
    expect(() => { ints.requiresGrad = true; }).toThrow(/only float32 tensors can require grad/);
    expect(() => ck.relu(ints as unknown as ck.Tensor)).toThrow(TypeError);
    expect(String(ints)).toBe('tensor([1, 2], shape=[2], dtype=int32)');
    expect(String(y)).toMatch(/gradFn=relu\)$/);
  });

  it('a long chain backpropagates without recursion', () => {
    const x = ck.tensor([0.5]);
    x.requiresGrad = true;
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.reshape([1]);
    y.backward();
    expect(x.grad!.data[0]).toBe(1);
  });
});
