// Layer API: names, summary (the slides' formulas), init bounds, train/eval, optimizers.
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';

const { nn, optim } = ck;

describe('nn layers', () => {
  it('summary lists output shapes and parameter counts with a total', () => {
    const model = new nn.Sequential(new nn.Conv2d(3, 8, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 32 * 32, 10));
    const s = model.summary([1, 3, 64, 64]);
    expect(s).toContain('[1, 8, 64, 64]');
    expect(s).toContain('608');
    expect(s).toContain('[1, 8, 32, 32]');
    expect(s).toContain('[1, 8192]');
    expect(s).toContain((8192 * 10 + 10).toLocaleString('en-US'));
    expect(s.split('\n').at(-1)).toMatch(new RegExp(`Total\\s+${(608 + 81930).toLocaleString('en-US')}`));
    expect(() => model.summary([1, 4, 64, 64])).toThrow(/x has 4 channels but w expects 3/);
  });

  it('PyTorch default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))', () => {
    nn.manualSeed(1);
    const conv = new nn.Conv2d(16, 32, 3);
    const bound = 1 / Math.sqrt(16 * 9);
    const w = conv.weight.data;
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(0.9 * bound);
    const lin = new nn.Linear(100, 10, { bias: false });
    expect(lin.namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('eval mode keeps nothing for backward; train mode does', () => {
    const layer = new nn.ReLU();
    layer.eval().forward(ck.ones([2]));
    expect(() => layer.backward(ck.ones([2]))).toThrow(/training mode/);
    layer.train().forward(ck.ones([2]));
    expect(Array.from(layer.backward(ck.ones([2])).data)).toEqual([1, 1]);
  });

  it('forwardAsync equals forward', async () => {
    nn.manualSeed(2);
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.MaxPool2d(2), new nn.AvgPool2d(2), new nn.Flatten());
    const x = ck.randn([1, 1, 10, 10], { seed: 1 });
    expect(Array.from((await model.forwardAsync(x)).data)).toEqual(Array.from(model.forward(x).data));
  });

  it('stateDict round-trips through safetensors', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.Flatten(), new nn.Linear(8, 3));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-')), 'm.safetensors');
    ck.io.saveSafetensors(file, model.stateDict());
    const other = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.Flatten(), new nn.Linear(8, 3));
    other.loadStateDict(ck.io.loadSafetensors(file));
    for (const [k, v] of Object.entries(model.stateDict())) expect(Array.from(other.stateDict()[k].data)).toEqual(Array.from(v.data));
  });
});

describe('optimizers follow PyTorch', () => {
  const setup = () => {
    const layer = new nn.Linear(1, 1, { bias: false });
    layer.weight.data[0] = 1;
    return layer;
  };
  it('SGD with momentum, nesterov and weight decay', () => {
    // Values printed by torch 1.13 for w=1, grad=0.5 each step, lr=0.1, momentum=0.9, weight_decay=0.1.
    for (const [nesterov, expected] of [[false, [0.94, 0.8266]], [true, [0.886, 0.725566]]] as const) {
      const l = setup();
      const opt = new optim.SGD(l.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov });
      const got: number[] = [];
      for (let s = 0; s < 2; s++) {
        opt.zeroGrad();
        l.weight.grad = ck.full([1, 1], 0.5);
        opt.step();
        got.push(l.weight.data[0]);
      }
      expect(got[0]).toBeCloseTo(expected[0], 5);
      expect(got[1]).toBeCloseTo(expected[1], 5);
    }
  });
  it('Adam', () => {
    // torch 1.13, w=1, lr=0.01, grads 3, -1, 0.5: 0.99, 0.9859978, 0.9819435.
    const l = setup();
    const opt = new optim.Adam(l.parameters(), { lr: 0.01 });
    const got = [3, -1, 0.5].map((g) => {
      opt.zeroGrad();
      l.weight.grad = ck.full([1, 1], g);
      opt.step();
      return l.weight.data[0];
    });
    expect(got[0]).toBeCloseTo(0.99, 6);
    expect(got[1]).toBeCloseTo(0.9859978, 6);
    expect(got[2]).toBeCloseTo(0.9819435, 6);
    opt.zeroGrad();
    expect(l.weight.grad).toBe(null);
    expect(() => new optim.Adam(l.parameters(), { lr: 0.1, betas: [1, 0.9] })).toThrow(RangeError);
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(RangeError);
  });
});
