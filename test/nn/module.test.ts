// nn.Module as API.md's Modules section: children, parameters and buffers from own
// properties, PyTorch state-dict names, train/eval, strict and non-strict loading, summary,
// backward(dy), and a training loop whose memory stays flat.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { nn, Tensor } from '../../lib/index';

class Stem extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3, { padding: 1, bias: false });
  act = new nn.ReLU();
  forward(x: Tensor): Tensor { return this.act.forward(this.conv.forward(x)); }
}

class Net extends nn.Module {
  stem = new Stem();
  blocks = [new nn.Conv2d(4, 4, 3, { padding: 1 }), new nn.Conv2d(4, 4, 1)];
  extra = new nn.ModuleList([new nn.Identity(), new nn.ReLU()]);
  head = new nn.Sequential(new nn.GlobalAvgPool2d(), new nn.Flatten(), new nn.Linear(4, 2));
  scale: Tensor;
  notAParam = ck.ones([2]);  // a Tensor without requiresGrad: neither parameter nor buffer
  constructor() {
    super();
    this.scale = nn.parameter(ck.ones([2]));
    this.registerBuffer('steps', new Tensor(new Int32Array(1), []));
  }
  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x);
    for (const b of this.blocks) h = ck.relu(b.forward(h));
    for (const m of this.extra) h = m.forward(h);
    return ck.gemm(this.head.forward(h), ck.ones([2, 2]), { c: this.scale });
  }
}

describe('nn.Module', () => {
  it('finds children, parameters and buffers with PyTorch names', () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual(['stem', 'blocks.0', 'blocks.1', 'extra', 'head']);
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale', 'stem.conv.weight', 'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias', 'head.2.weight', 'head.2.bias',
    ]);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['steps']);
    expect(Object.keys(net.stateDict())).toEqual([
      'scale', 'steps', 'stem.conv.weight', 'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias', 'head.2.weight', 'head.2.bias',
    ]);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(net.namedModules().map(([n]) => n)).toContain('extra.1');
  });

  it('train() and eval() reach every module', () => {
    const net = new Net();
    net.eval();
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    net.train();
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
  });

  it('loss.backward() fills every parameter; module.backward(dy) also returns dx', () => {
    ck.nn.manualSeed(5);
    const net = new Net();
    const x = ck.randn([2, 3, 5, 5], { seed: 1 });
    const y = net.forward(x);
    expect(y.gradFn).toBe('gemm');
    y.backward(ck.ones(y.shape));
    for (const [name, p] of net.namedParameters()) expect(p.grad, name).not.toBeNull();
    const g1 = net.stem.conv.weight.grad!.clone();
    for (const p of net.parameters()) p.grad = null;
    const y2 = net.forward(x);
    const dx = net.backward(ck.ones(y2.shape));
    expect(dx.shape).toEqual([2, 3, 5, 5]);
    expect(Array.from(net.stem.conv.weight.grad!.data)).toEqual(Array.from(g1.data));
    expect(dx.data.some((v) => v !== 0)).toBe(true);
    expect(x.requiresGrad).toBe(false);  // the caller's tensor is left alone
    expect(x.grad).toBeNull();
  });

  it('loadStateDict: strict names every missing and unexpected key; non-strict reports them', () => {
    const a = new Net();
    const b = new Net();
    const dict = a.stateDict();
    dict.steps.data[0] = 7;
    b.loadStateDict(dict);
    expect(b.getBuffer('steps')!.data[0]).toBe(7);
    expect(Array.from(b.head.layers[2] instanceof nn.Linear ? (b.head.layers[2] as nn.Linear).weight.data : [])).toEqual(Array.from((a.head.layers[2] as nn.Linear).weight.data));
    const { ['blocks.1.bias']: _drop, ...partial } = dict;
    expect(() => b.loadStateDict({ ...partial, 'blocks.9.weight': ck.zeros([1]) })).toThrow(/^loadStateDict: missing keys blocks\.1\.bias; unexpected keys blocks\.9\.weight/);
    expect(b.loadStateDict({ ...partial, 'blocks.9.weight': ck.zeros([1]) }, { strict: false })).toEqual({ missingKeys: ['blocks.1.bias'], unexpectedKeys: ['blocks.9.weight'] });
    expect(() => b.loadStateDict({ ...dict, 'stem.conv.weight': ck.zeros([4, 3, 3]) }, { strict: false })).toThrow(/^loadStateDict: stem\.conv\.weight has shape \[4, 3, 3\] but the model expects \[4, 3, 3, 3\]/);
    // Nothing was written by the failed calls: checked before any copy.
    expect(b.getBuffer('steps')!.data[0]).toBe(7);
  });

  it('summary traces one forward without changing modes or buffers', () => {
    const net = new Net();
    const s = net.summary([1, 3, 8, 8]);
    expect(s).toMatch(/stem\.conv: Conv2d\(3, 4, kernel 3x3, padding 1\)\s+\[1, 4, 8, 8\]\s+108/);
    expect(s).toMatch(/head\.2: Linear\(4, 2\)\s+\[1, 2\]\s+10/);
    expect(s.split('\n').at(-1)).toMatch(/^Total\s+288$/);
    expect(net.training).toBe(true);
    expect(net.summary()).toMatch(/blocks\.0: Conv2d/);
  });

  it('a user module without children is a leaf; Sequential and ModuleList name by index', () => {
    const list = new nn.ModuleList([new nn.ReLU()]).push(new nn.Linear(2, 2));
    expect(list.length).toBe(2);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['1.weight', '1.bias']);
    expect(() => list.forward(ck.ones([1]))).toThrow(/ModuleList has no forward/);
    expect(() => new nn.ModuleList([{} as nn.Module])).toThrow(/^nn\.ModuleList: module 0 is not a Module/);
    const shared = new nn.Linear(2, 2);
    const twice = new nn.Sequential(shared, shared);
    expect(twice.parameters().length).toBe(2);
  });

  it('a training loop keeps resident memory flat (a 500-step window grows < 10 MB)', async () => {
    ck.nn.manualSeed(9);
    const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 13 * 13, 10));
    const opt = new ck.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = ck.randn([8, 1, 28, 28], { seed: 2 });
    const labels = [0, 1, 2, 3, 4, 5, 6, 7];
    const step = () => {
      opt.zeroGrad();
      const { dlogits } = ck.crossEntropy(model.forward(x), labels);
      model.backward(dlogits);
      opt.step();
    };
    // gc() for exact heap figures: the tape must leave nothing reachable after each step.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // V8 frees dead ArrayBuffers' memory on a background thread after gc() returns: with other
    // test processes on the cores, 20 MB of them were still pending when RSS was read (CI, stop
    // 30). Wait until they are gone (the live set is ~60 KB) before reading RSS.
    const settled = async () => {
      for (let i = 0; i < 200; i++) {
        gc();
        const m = process.memoryUsage();
        if (m.arrayBuffers < 2 ** 21) return m;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`ArrayBuffers still held 2 s after gc() (leaked, or never freed): ${(process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(1)} MB`);
    };
    // Warm-up: the allocator's arenas and V8's heap reach their working size first.
    for (let i = 0; i < 1000; i++) step();
    const start = await settled();
    // A step allocates ~400 KB of tensors; leaking even one 21 KB pooled map a step would grow
    // every window by > 10 MB. One-off steps (V8 growing its heap, an arena) show in one window
    // only, so the smallest of four windows is the steady growth.
    const windows: number[] = [];
    let before = start;
    for (let w = 0; w < 4; w++) {
      for (let i = 0; i < 500; i++) step();
      const after = await settled();
      windows.push((after.rss - before.rss) / 2 ** 20);
      before = after;
    }
    expect(Math.min(...windows), `RSS growth per 500-step window, MB: ${windows.map((g) => g.toFixed(1)).join(', ')}`).toBeLessThan(10);
    expect((before.heapUsed - start.heapUsed) / 2 ** 20).toBeLessThan(1);
    expect(before.arrayBuffers).toBeLessThan(2 ** 21);
  });
});
