// Optimizers, clipGradNorm and learning-rate schedules against torch 1.13
// (test/fixtures/optim/*.json, made by scripts/make-optim-fixture.py), in both parameter forms
// (Tensor-like { data, grad } and legacy { name, value, grad }), and state-dict round trips.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';

const { optim, io, Tensor } = ck;
type T = InstanceType<typeof Tensor>;

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/optim', name), 'utf8'));
const OPT = fixture('optimizers.json') as {
  shapes: number[][]; init: number[][]; grads: (number[] | null)[][];
  cases: { name: string; optimizer: 'SGD' | 'Adam' | 'AdamW'; options: Record<string, unknown>; after: number[][][]; state: Record<string, number | number[]> }[];
};
const CLIP = fixture('clip.json') as {
  shapes: number[][]; grads: (number[] | null)[];
  cases: { maxNorm: number; normType: number | 'Infinity'; total: number; clipped: (number[] | null)[] }[];
};
const SCHED = fixture('schedulers.json') as {
  steps: number; optimizers: Record<string, Record<string, number>>;
  cases: { name: string; scheduler: 'StepLR' | 'CosineAnnealingLR' | 'OneCycleLR'; options: Record<string, unknown>; optimizer: 'SGD' | 'Adam'; lr: number[]; momentum: number[] }[];
};

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rel = 1e-6): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = rel * Math.abs(want[i]) + 1e-7;
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}[${i}]: got ${got[i]}, torch ${want[i]} (tol ${tol})`);
  }
}

/** A PyTorch-style parameter: data plus a grad that is null until set. */
interface TP { data: Float32Array; shape: number[]; grad: T | null }
type Form = 'tensor' | 'legacy';

function makeParams(form: Form, init: number[][], shapes: number[][]) {
  return init.map((v, k) => {
    const value = new Tensor(Float32Array.from(v), shapes[k]);
    return form === 'tensor'
      ? ({ data: value.data, shape: shapes[k], grad: null } as TP)
      : { name: `p${k}`, value, grad: ck.zeros(shapes[k]) as T | null };
  });
}
const dataOf = (p: ReturnType<typeof makeParams>[number]): Float32Array => ('value' in p ? p.value.data : p.data);
function setGrad(p: ReturnType<typeof makeParams>[number], g: number[] | null, shape: number[]): void {
  (p as { grad: T | null }).grad = g === null ? null : new Tensor(Float32Array.from(g), shape);
}

function makeOptimizer(kind: string, params: unknown[], options: Record<string, unknown>): ck.optim.Optimizer {
  const C = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW }[kind]!;
  return new C(params as never, options as never);
}

function train(opt: ck.optim.Optimizer, params: ReturnType<typeof makeParams>, from: number, to: number): void {
  for (let s = from; s < to; s++) {
    opt.zeroGrad();
    params.forEach((p, k) => setGrad(p, OPT.grads[s][k], OPT.shapes[k]));
    opt.step();
  }
}

describe('optimizers match torch 1.13', () => {
  for (const form of ['tensor', 'legacy'] as const) {
    for (const c of OPT.cases) {
      it(`${c.name} (${form} parameters)`, () => {
        const params = makeParams(form, OPT.init, OPT.shapes);
        const opt = makeOptimizer(c.optimizer, params, c.options);
        for (let s = 0; s < c.after.length; s++) {
          train(opt, params, s, s + 1);
          params.forEach((p, k) => close(dataOf(p), c.after[s][k], `${c.name} step ${s + 1} param ${k}`));
        }
        // The state dict mirrors torch's: same keys, same values.
        const sd = opt.stateDict();
        expect(Object.keys(sd.state).sort()).toEqual(Object.keys(c.state).sort());
        for (const [key, want] of Object.entries(c.state)) {
          if (typeof want === 'number') expect(sd.state[key].data[0], key).toBe(want);
          else close(sd.state[key].data, want, `${c.name} state ${key}`, 1e-5);
        }
        expect(sd.paramGroups[0].params).toEqual([0, 1]);
        expect(sd.paramGroups[0].lr).toBe(c.options.lr);
      });
    }
  }

  it('zeroGrad sets Tensor-style grads to null (or zeros) and zero-fills legacy ones', () => {
    const [tp] = makeParams('tensor', OPT.init, OPT.shapes) as TP[];
    const [lp] = makeParams('legacy', OPT.init, OPT.shapes) as { value: T; grad: T }[];
    setGrad(tp, OPT.grads[0][0], [3, 2]);
    setGrad(lp as never, OPT.grads[0][0], [3, 2]);
    const a = new optim.SGD([tp], { lr: 0.1 });
    const b = new optim.SGD([lp], { lr: 0.1 });
    a.zeroGrad();
    b.zeroGrad();
    expect(tp.grad).toBeNull();
    expect(Array.from(lp.grad.data)).toEqual([0, 0, 0, 0, 0, 0]);
    setGrad(tp, OPT.grads[0][0], [3, 2]);
    a.zeroGrad(false);
    expect(Array.from(tp.grad!.data)).toEqual([0, 0, 0, 0, 0, 0]);
    // A step with every grad null changes nothing.
    const before = tp.data.slice();
    tp.grad = null;
    new optim.Adam([tp], { lr: 1 }).step();
    expect(tp.data).toEqual(before);
  });
});

describe('optimizer state dicts resume training exactly', () => {
  for (const c of OPT.cases) {
    it(`${c.name}: 5 steps, save (safetensors + JSON), load into a new optimizer, 5 more == 10 straight`, () => {
      const params = makeParams('tensor', OPT.init, OPT.shapes);
      const opt = makeOptimizer(c.optimizer, params, c.options);
      train(opt, params, 0, 5);
      const sd = opt.stateDict();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ck-optim-'));
      const file = path.join(dir, 'opt.safetensors');
      try {
        io.saveSafetensors(file, sd.state, { paramGroups: JSON.stringify(sd.paramGroups) });
        const { tensors, metadata } = io.loadSafetensorsWithMetadata(file);
        // Fresh parameters holding the same values (what loading a model checkpoint gives).
        const params2 = makeParams('tensor', params.map((p) => Array.from(dataOf(p))), OPT.shapes);
        // Other hyperparameters at construction: the state dict's win.
        const opt2 = makeOptimizer(c.optimizer, params2, { lr: 123 });
        opt2.loadStateDict({ state: tensors, paramGroups: JSON.parse(metadata.paramGroups) });
        expect(opt2.stateDict().paramGroups).toEqual(sd.paramGroups);
        train(opt2, params2, 5, 10);
        train(opt, params, 5, 10);
        params2.forEach((p, k) => expect(dataOf(p), `param ${k}`).toEqual(dataOf(params[k])));
        params2.forEach((p, k) => close(dataOf(p), c.after[9][k], `${c.name} resumed param ${k}`));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('the state dict is a snapshot (copies) and JSON-serializable apart from the tensors', () => {
    const params = makeParams('tensor', OPT.init, OPT.shapes);
    const opt = new optim.Adam(params as never, { lr: 0.01 });
    train(opt, params, 0, 2);
    const sd = opt.stateDict();
    expect(sd.state['0.exp_avg'].shape).toEqual([3, 2]);
    expect(sd.state['0.step'].shape).toEqual([]);
    const copy = sd.state['0.exp_avg'].data.slice();
    train(opt, params, 2, 3);
    expect(sd.state['0.exp_avg'].data).toEqual(copy);
    expect(JSON.parse(JSON.stringify(sd.paramGroups))).toEqual(sd.paramGroups);
    expect(sd.paramGroups[0]).toEqual({ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [0, 1] });
  });

  it('bad state dicts throw errors naming the optimizer and the key, and change nothing', () => {
    const params = makeParams('tensor', OPT.init, OPT.shapes);
    const adam = new optim.Adam(params as never, { lr: 0.01 });
    const sgd = new optim.SGD(params as never, { lr: 0.1, momentum: 0.9 });
    train(adam, params, 0, 2);
    train(sgd, params, 0, 2);
    const a = adam.stateDict();
    const s = sgd.stateDict();
    const before = adam.stateDict();
    const bad: [() => void, RegExp][] = [
      [() => sgd.loadStateDict(a), /^optim\.SGD\.loadStateDict: unknown option "betas"/],
      [() => adam.loadStateDict({ ...a, state: { ...a.state, ...s.state } }), /^optim\.Adam\.loadStateDict: unknown state key "0\.momentum_buffer"/],
      [() => adam.loadStateDict({ ...a, state: { ...a.state, '2.exp_avg': a.state['1.exp_avg'] } }), /^optim\.Adam\.loadStateDict: unknown state key "2\.exp_avg" \(expected <index>\.<step\|exp_avg\|exp_avg_sq\|max_exp_avg_sq> with index < 2\)/],
      [() => adam.loadStateDict({ ...a, state: { ...a.state, '0.exp_avg': a.state['1.exp_avg'] } }), /^optim\.Adam\.loadStateDict: state\["0\.exp_avg"\] \[4\] has 4 elements but params\[0\] has 6/],
      [() => adam.loadStateDict({ ...a, state: { ...a.state, '0.step': ck.tensor([1.5]) } }), /^optim\.Adam\.loadStateDict: state\["0\.step"\] must be one non-negative integer/],
      [() => { const st = { ...a.state }; delete st['1.exp_avg_sq']; adam.loadStateDict({ ...a, state: st }); }, /^optim\.Adam\.loadStateDict: state for parameter 1 is incomplete/],
      [() => adam.loadStateDict({ ...a, paramGroups: [{ ...a.paramGroups[0], eps: undefined as never }] }), /^optim\.Adam\.loadStateDict: paramGroups\[0\]\.eps is missing/],
      [() => adam.loadStateDict({ ...a, paramGroups: [{ ...a.paramGroups[0], betas: [0.9, 1.5] }] }), /^optim\.Adam\.loadStateDict: paramGroups\[0\]\.betas must be two numbers in \[0, 1\)/],
      [() => adam.loadStateDict({ ...a, paramGroups: [{ ...a.paramGroups[0], params: [0] }] }), /^optim\.Adam\.loadStateDict: paramGroups\[0\]\.params must be \[0, \.\.\., 1\] \(this optimizer has 2 parameters\)/],
      [() => adam.loadStateDict({ ...a, paramGroups: [] }), /^optim\.Adam\.loadStateDict: paramGroups must be an array of one group/],
      [() => adam.loadStateDict({ ...a, paramGroups: [{ ...a.paramGroups[0], lr: -1 }] }), /^optim\.Adam\.loadStateDict: paramGroups\[0\]\.lr must be >= 0/],
      [() => adam.loadStateDict({ ...a, state: { ...a.state, '0.exp_avg': 'x' as never } }), /^optim\.Adam\.loadStateDict: expected a Tensor for state\["0\.exp_avg"\]/],
      [() => adam.loadStateDict(null as never), /^optim\.Adam\.loadStateDict: expected a state dict/],
      [() => adam.loadStateDict({ ...a, extra: 1 } as never), /^optim\.Adam\.loadStateDict: unknown option "extra"/],
    ];
    for (const [f, re] of bad) expect(f).toThrow(re);
    expect(adam.stateDict()).toEqual(before);
  });
});

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const c of CLIP.cases) {
    it(`maxNorm ${c.maxNorm}, normType ${c.normType}`, () => {
      for (const form of ['tensor', 'legacy'] as const) {
        const params = makeParams(form, CLIP.shapes.map((s) => new Array(s.reduce((a, b) => a * b, 1)).fill(0)), CLIP.shapes);
        params.forEach((p, k) => setGrad(p, CLIP.grads[k], CLIP.shapes[k]));
        const normType = c.normType === 'Infinity' ? Infinity : c.normType;
        const total = normType === 2 ? optim.clipGradNorm(params as never, c.maxNorm) : optim.clipGradNorm(params as never, c.maxNorm, normType);
        close([total], [c.total], 'total');
        params.forEach((p, k) => {
          const g = (p as { grad: T | null }).grad;
          if (c.clipped[k] === null) expect(g).toBeNull();
          else close(g!.data, c.clipped[k]!, `grad ${k}`);
        });
      }
    });
  }
  it('rejects bad arguments naming clipGradNorm', () => {
    const p = makeParams('tensor', [[1]], [[1]]);
    expect(() => optim.clipGradNorm(p as never, -1)).toThrow(/^optim\.clipGradNorm: maxNorm must be >= 0/);
    expect(() => optim.clipGradNorm(p as never, 1, 0)).toThrow(/^optim\.clipGradNorm: normType must be a number > 0/);
    expect(() => optim.clipGradNorm([] as never, 1)).toThrow(/^optim\.clipGradNorm: params must be a non-empty array/);
    expect(optim.clipGradNorm(p as never, 1)).toBe(0);
  });
});

describe('learning-rate schedules match torch 1.13', () => {
  const make = (c: (typeof SCHED.cases)[number]) => {
    const p = { data: new Float32Array(1), grad: null };
    const o = SCHED.optimizers[c.optimizer];
    const opt = c.optimizer === 'SGD' ? new optim.SGD([p], o as never) : new optim.Adam([p], o as never);
    const C = { StepLR: optim.StepLR, CosineAnnealingLR: optim.CosineAnnealingLR, OneCycleLR: optim.OneCycleLR }[c.scheduler];
    return { opt, sched: new C(opt, c.options as never) };
  };
  const mom = (opt: ck.optim.Optimizer) => (opt instanceof optim.SGD ? opt.momentum : (opt as ck.optim.Adam).betas[0]);
  for (const c of SCHED.cases) {
    it(`${c.name}: lr${c.scheduler === 'OneCycleLR' ? ' and momentum' : ''} over ${SCHED.steps} steps`, () => {
      const { opt, sched } = make(c);
      const lrs = [sched.getLastLr()[0]];
      const moms = [mom(opt)];
      for (let s = 0; s < SCHED.steps; s++) {
        opt.step();
        sched.step();
        lrs.push(sched.getLastLr()[0]);
        moms.push(mom(opt));
        expect(opt.lr).toBe(lrs.at(-1));
      }
      close(lrs, c.lr, `${c.name} lr`, 1e-9);
      close(moms, c.momentum, `${c.name} momentum`, 1e-9);
    });
    it(`${c.name}: stateDict round trip (JSON) continues the same schedule`, () => {
      const a = make(c);
      for (let s = 0; s < 12; s++) a.sched.step();
      const sd = JSON.parse(JSON.stringify({ opt: a.opt.stateDict(), sched: a.sched.stateDict() }));
      const b = make(c);
      b.opt.loadStateDict(sd.opt);
      b.sched.loadStateDict(sd.sched);
      expect(b.sched.getLastLr()).toEqual(a.sched.getLastLr());
      for (let s = 12; s < SCHED.steps; s++) {
        a.sched.step();
        b.sched.step();
        expect(b.sched.getLastLr()).toEqual(a.sched.getLastLr());
        expect(mom(b.opt)).toBe(mom(a.opt));
      }
    });
  }
  it('OneCycleLR refuses to step past totalSteps; bad options name the scheduler and the key', () => {
    const p = { data: new Float32Array(1), grad: null };
    const opt = new optim.SGD([p], { lr: 0.1 });
    const s = new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    expect(() => s.step()).toThrow(/^optim\.OneCycleLR\.step: tried to step 5 times; totalSteps is 3/);
    expect(() => new optim.OneCycleLR(opt, { maxLr: 1 } as never)).toThrow(/^optim\.OneCycleLR: totalSteps is required/);
    expect(() => new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 3, threeePhase: true } as never)).toThrow(/^optim\.OneCycleLR: unknown option "threeePhase" \(did you mean "threePhase"\?\)/);
    expect(() => new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 3, anneal: 'exp' as never })).toThrow(/^optim\.OneCycleLR: anneal must be 'cos' or 'linear'/);
    expect(() => new optim.StepLR(opt, { gamma: 0.1 } as never)).toThrow(/^optim\.StepLR: stepSize is required/);
    expect(() => new optim.CosineAnnealingLR({} as never, { tMax: 3 })).toThrow(/^optim\.CosineAnnealingLR: expected an optimizer/);
    expect(() => s.loadStateDict({ ...s.stateDict(), maxLr: undefined as never })).toThrow(/^optim\.OneCycleLR\.loadStateDict: maxLr is missing/);
  });
});

describe('parameter forms', () => {
  it('module.parameters() and legacy { value, grad } records work, and bad params name the optimizer and the entry', () => {
    const l = new ck.nn.Linear(2, 2);
    const opt = new optim.AdamW(l.parameters(), { lr: 0.1 });
    const before = l.weight.data.slice();
    l.weight.grad = ck.ones([2, 2]);
    opt.step();
    expect(l.weight.data.every((v, i) => v !== before[i])).toBe(true);
    const legacy = l.namedParameters().map(([name, t]) => ({ name, value: t, grad: ck.ones(t.shape) }));
    new optim.SGD(legacy, { lr: 0.1 }).step();
    expect(() => new optim.SGD([{ foo: 1 }] as never, { lr: 0.1 })).toThrow(/^optim\.SGD: expected a parameter .* for params\[0\]/);
    expect(() => new optim.SGD([{ data: [1, 2], grad: null }] as never, { lr: 0.1 })).toThrow(/^optim\.SGD: expected a Float32Array for params\[0\]\.data/);
    expect(() => new optim.SGD([{ data: new Float32Array(2), grad: ck.zeros([3]) }] as never, { lr: 0.1 })).toThrow(/^optim\.SGD: params\[0\] has data \[2\] and grad \[3\]/);
    expect(() => new optim.AdamW(l.parameters(), { lr: 0.1, betas: [0.9] as never })).toThrow(/^optim\.AdamW: expected two numbers/);
  });
});
