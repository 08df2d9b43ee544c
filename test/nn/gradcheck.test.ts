// Every backward op and layer checked against finite differences, on both backends.
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { info } from '../../lib/index';
import { maxGradError, randomLike, weightedSum } from '../helpers/gradcheck';
import { nativeRequired } from '../helpers/native';

const names = info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);
const TOL = 2e-2;

for (const backend of names) {
  describe(`gradients on ${backend}`, () => {
    const use = () => ck.setBackend(backend);

    const convConfigs: [string, number[], number[], ck.Conv2dOptions][] = [
      ['3x3 pad 1', [2, 3, 7, 6], [4, 3, 3, 3], { padding: 1 }],
      ['stride 2 asym pad', [1, 2, 9, 8], [3, 2, 3, 2], { stride: 2, padding: [1, 0, 2, 1] }],
      ['dilation 2', [1, 2, 9, 9], [2, 2, 3, 3], { dilation: 2, padding: 2 }],
      ['groups 2', [1, 4, 6, 6], [6, 2, 3, 3], { groups: 2, padding: 1 }],
      ['depthwise x2', [1, 3, 6, 5], [6, 1, 3, 3], { groups: 3, padding: 1 }],
      ['nhwc stride 2', [2, 7, 6, 3], [4, 3, 3, 3], { layout: 'nhwc', stride: 2, padding: 1 }],
    ];
    for (const [name, xs, ws, opts] of convConfigs) {
      it(`conv2dBackward ${name}`, () => {
        use();
        const x = ck.randn(xs, { seed: 1 });
        const w = ck.randn(ws, { seed: 2 });
        const b = ck.randn([ws[0]], { seed: 3 });
        const f = () => ck.conv2d(x, w, { ...opts, bias: b });
        const r = randomLike(f(), 4).data;
        const g = ck.conv2dBackward(new ck.Tensor(r, f().shape), x, w, opts);
        const loss = () => weightedSum(f(), r);
        expect(maxGradError(x, g.dx!.data, loss)).toBeLessThan(TOL);
        expect(maxGradError(w, g.dw!.data, loss)).toBeLessThan(TOL);
        expect(maxGradError(b, g.db!.data, loss)).toBeLessThan(TOL);
      });
    }

    it('maxPool2dBackward (distinct inputs)', () => {
      use();
      const x = ck.zeros([1, 2, 7, 7]);
      // Distinct values (37 is coprime with 98) spaced far wider than the step.
      for (let i = 0; i < x.size; i++) x.data[i] = ((i * 37) % x.size) * 0.1;
      const opts = { kernel: 3, stride: 2, padding: 1 };
      const r = randomLike(ck.maxPool2d(x, opts), 6).data;
      const dx = ck.maxPool2dBackward(new ck.Tensor(r, ck.maxPool2d(x, opts).shape), x, opts);
      expect(maxGradError(x, dx.data, () => weightedSum(ck.maxPool2d(x, opts), r), 98, 1e-3)).toBeLessThan(TOL);
    });

    for (const opts of [{ kernel: 3, stride: 2, padding: 1 }, { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true }, { kernel: 2, layout: 'nhwc' as const }]) {
      it(`avgPool2dBackward ${JSON.stringify(opts)}`, () => {
        use();
        const x = ck.randn([2, 3, 7, 7], { seed: 7 });
        const r = randomLike(ck.avgPool2d(x, opts), 8).data;
        const dx = ck.avgPool2dBackward(new ck.Tensor(r, ck.avgPool2d(x, opts).shape), x, opts);
        expect(maxGradError(x, dx.data, () => weightedSum(ck.avgPool2d(x, opts), r), 98)).toBeLessThan(TOL);
      });
    }

    const unary: [string, (x: ck.Tensor) => ck.Tensor, (dy: ck.Tensor, x: ck.Tensor, y: ck.Tensor) => ck.Tensor][] = [
      ['relu', ck.relu, (dy, x) => ck.reluBackward(dy, x)],
      ['sigmoid', ck.sigmoid, (dy, _x, y) => ck.sigmoidBackward(dy, y)],
      ['tanh', ck.tanh, (dy, _x, y) => ck.tanhBackward(dy, y)],
      ['softmax', (x) => ck.softmax(x), (dy, _x, y) => ck.softmaxBackward(dy, y)],
      ['logSoftmax', (x) => ck.logSoftmax(x), (dy, _x, y) => ck.logSoftmaxBackward(dy, y)],
      ['softmax axis 1 of 3', (x) => ck.softmax(x.reshape([2, 5, 3]), 1).reshape([6, 5]), (dy, _x, y) => ck.softmaxBackward(dy.reshape([2, 5, 3]), y.reshape([2, 5, 3]), 1).reshape([6, 5])],
    ];
    for (const [name, f, back] of unary) {
      it(`${name} backward`, () => {
        use();
        const x = ck.randn([6, 5], { seed: 9 });
        // Keep relu's inputs away from its kink at 0.
        if (name === 'relu') for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i]) < 0.05) x.data[i] = 0.5;
        const y = f(x);
        const r = randomLike(y, 10).data;
        const dx = back(new ck.Tensor(r, y.shape), x, y);
        expect(maxGradError(x, dx.data, () => weightedSum(f(x), r), 30)).toBeLessThan(TOL);
      });
    }

    it('crossEntropy dlogits', () => {
      use();
      const logits = ck.randn([4, 7], { seed: 11 });
      const labels = [3, 0, 6, 2];
      const { dlogits } = ck.crossEntropy(logits, labels);
      expect(maxGradError(logits, dlogits.data, () => ck.crossEntropy(logits, labels).loss, 28, 1e-2)).toBeLessThan(TOL);
    });

    it('layers: a small CNN, every parameter and the input', () => {
      use();
      ck.nn.manualSeed(3);
      const model = new ck.nn.Sequential(
        new ck.nn.Conv2d(2, 3, 3, { padding: 1 }), new ck.nn.ReLU(), new ck.nn.MaxPool2d(2),
        new ck.nn.Conv2d(3, 4, 3, { stride: 1 }), new ck.nn.Tanh(), new ck.nn.AvgPool2d(2, { stride: 1 }),
        new ck.nn.GlobalAvgPool2d(), new ck.nn.Flatten(), new ck.nn.Linear(4, 5), new ck.nn.Sigmoid(),
        new ck.nn.Linear(5, 3), new ck.nn.Softmax(),
      );
      const x = ck.randn([2, 2, 9, 9], { seed: 12 });
      const y = model.forward(x);
      const r = randomLike(y, 13).data;
      const dx = model.backward(new ck.Tensor(r, y.shape));
      const loss = () => weightedSum(model.forward(x), r);
      expect(maxGradError(x, dx.data, loss, 30)).toBeLessThan(TOL);
      for (const [name, p] of model.namedParameters()) {
        expect(maxGradError(p, p.grad!.data.slice(), loss, 20), name).toBeLessThan(TOL);
      }
    });
  });
}
