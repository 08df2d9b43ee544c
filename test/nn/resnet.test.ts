// The ResNets of examples/train-resnet/models.js against PyTorch (fixtures written by
// scripts/make-resnet-fixture.py with Debian's torch 1.13 / torchvision 0.14):
//  - SmallResNet (BatchNorm in training mode, residual adds, a concat, dropout p = 0): logits,
//    loss, every parameter's gradient, and the parameters and BatchNorm running statistics
//    after one SGD step equal torch's, on both backends;
//  - torchvision's resnet18 state dict (with num_batches_tracked as I64) loads strictly into
//    ResNet18, and its eval-mode logits equal torch's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { nativeRequired } from '../helpers/native';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeModels } = require('../../examples/train-resnet/models.js') as { makeModels: (c: typeof ck) => Record<string, new (o?: object) => ck.nn.Module> };
const { SmallResNet, ResNet18 } = makeModels(ck);
const dir = path.join(__dirname, '..', 'fixtures', 'resnet');
const names = ck.info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);

/** max |a - b| / (atol + rtol |b|) over the elements: <= 1 means within tolerance. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  return w;
}

describe('SmallResNet against PyTorch', () => {
  const f = ck.io.loadSafetensors(path.join(dir, 'small-resnet-step.safetensors'));
  for (const backend of names) {
    it(`one training step on ${backend}: logits, loss, gradients, parameters and running statistics`, () => {
      ck.setBackend(backend);
      expect(ck.getBackend()).toBe(backend);
      const model = new SmallResNet();
      const state: Record<string, ck.AnyTensor> = {};
      for (const k of Object.keys(model.stateDict())) state[k] = f[k];
      model.loadStateDict(state);
      const opt = new ck.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
      const x = f.x as ck.Tensor;
      const labels = f.labels as ck.Tensor<Int32Array>;
      const logits = model.forward(x);
      expect(worst(logits.data, f.logits.data, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
      const loss = ck.crossEntropyLoss(logits, labels);
      expect(loss.data[0]).toBeCloseTo(f.loss.data[0], 5);
      opt.zeroGrad();
      loss.backward();
      for (const [name, p] of model.namedParameters()) {
        expect(worst(p.grad!.data, f[`grad.${name}`].data, 1e-5, 1e-3), `grad.${name}`).toBeLessThanOrEqual(1);
      }
      opt.step();
      for (const [name, t] of Object.entries(model.stateDict())) {
        expect(worst(t.data, f[`after.${name}`].data, 1e-5, 1e-3), `after.${name}`).toBeLessThanOrEqual(1);
      }
    });
  }
});

describe('torchvision resnet18', () => {
  const gz = fs.readFileSync(path.join(dir, 'resnet18.safetensors.gz'));
  const state = ck.io.parseSafetensors(zlib.gunzipSync(gz), 'resnet18.safetensors');
  const io = ck.io.loadSafetensors(path.join(dir, 'resnet18-io.safetensors'));
  for (const backend of names) {
    it(`loads strictly (num_batches_tracked included) and its eval logits equal torch's on ${backend}`, () => {
      ck.setBackend(backend);
      const model = new ResNet18();
      expect(state['bn1.num_batches_tracked'].data).toBeInstanceOf(Int32Array);
      model.loadStateDict(state);
      model.eval();
      const logits = ck.noGrad(() => model.forward(io.x as ck.Tensor));
      expect(logits.shape).toEqual([2, 1000]);
      expect(worst(logits.data, io.logits.data, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    }, 120_000);
  }
});
