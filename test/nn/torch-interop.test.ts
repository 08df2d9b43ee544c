// A PyTorch state dict (made by scripts/make-torch-fixture.py) loads into the same nn.Sequential
// and gives PyTorch's logits, loss and gradients, on both backends.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { nativeRequired } from '../helpers/native';
import { worstRatio } from '../helpers/random';

const { nn } = ck;
const fixture = (name: string): string => path.join(__dirname, '../fixtures', name);

function lenet5(): ck.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
  );
}

const io = ck.io.loadSafetensors(fixture('torch-lenet-io.safetensors'));
const names = ck.info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);

describe('PyTorch interoperability', () => {
  it('the state dict has PyTorch names and shapes', () => {
    const state = ck.io.loadSafetensors(fixture('torch-lenet.safetensors'));
    const model = lenet5();
    expect(Object.keys(state).sort()).toEqual(Object.keys(model.stateDict()).sort());
    expect(state['0.weight'].shape).toEqual([6, 1, 5, 5]);
    expect(state['7.weight'].shape).toEqual([120, 400]);
  });

  for (const backend of names) {
    it(`loads and matches PyTorch's logits, loss and gradients on ${backend}`, () => {
      ck.setBackend(backend);
      const model = lenet5();
      model.loadStateDict(ck.io.loadSafetensors(fixture('torch-lenet.safetensors')));
      const logits = model.forward(io.x);
      expect(logits.shape).toEqual([4, 10]);
      expect(worstRatio(logits.data, io.logits.data, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
      const labels = Array.from(io.labels.data);
      const { loss, dlogits } = ck.crossEntropy(logits, labels);
      expect(loss).toBeCloseTo(io.loss.data[0], 5);
      const dx = model.backward(dlogits);
      expect(worstRatio(dx.data, io['grad.x'].data, 1e-6, 1e-3)).toBeLessThanOrEqual(1);
      for (const [name, p] of model.namedParameters()) {
        expect(worstRatio(p.grad!.data, io[`grad.${name}`].data, 1e-6, 1e-3), name).toBeLessThanOrEqual(1);
      }
    });
  }

  it('reads F16 and BF16 files as float32, exactly as PyTorch widens them', () => {
    for (const kind of ['f16', 'bf16']) {
      const state = ck.io.loadSafetensors(fixture(`torch-lenet-${kind}.safetensors`));
      for (const [name, t] of Object.entries(state)) {
        expect(Array.from(t.data), `${kind} ${name}`).toEqual(Array.from(io[`expect_${kind}.${name}`].data));
      }
    }
  });

  it('loadStateDict rejects missing, unexpected and misshapen entries', () => {
    const model = lenet5();
    const state = ck.io.loadSafetensors(fixture('torch-lenet.safetensors'));
    const { ['0.bias']: _dropped, ...missing } = state;
    expect(() => model.loadStateDict(missing)).toThrow(/missing keys 0.bias/);
    expect(() => model.loadStateDict({ ...state, extra: ck.zeros([1]) })).toThrow(/unexpected keys extra/);
    expect(() => model.loadStateDict({ ...state, '0.bias': ck.zeros([7]) })).toThrow(/0.bias has shape \[7\]/);
  });
});
