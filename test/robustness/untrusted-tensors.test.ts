// Issue 10 item 13: ops must not trust the Tensor objects they are given. A shape getter that
// changes between reads, a fake or Proxy tensor, Proxy-wrapped or Float64Array data, a
// prototype-swapped array or an own `length` property must give a TypeError/RangeError naming
// the op and the argument, or the result of the honest tensor: never NaNs or reads past the
// data. checkTensor reads `data` and `shape` once; every op uses that snapshot only.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { nativeRequired } from '../helpers/native';

const { Tensor } = ck;
type T = InstanceType<typeof Tensor>;

/** t whose `shape` getter answers `first` on the first read and `later` afterwards. */
function shifty(t: T, first: number[], later: number[]): T {
  let reads = 0;
  Object.defineProperty(t, 'shape', { get: () => (reads++ === 0 ? first : later) });
  return t;
}

/** A transparent Proxy of t that counts reads of `data` and `shape`. */
function counted(t: T): { p: T; reads: { data: number; shape: number } } {
  const reads = { data: 0, shape: 0 };
  const p = new Proxy(t, {
    get(target, prop, receiver) {
      if (prop === 'data' || prop === 'shape') reads[prop]++;
      return Reflect.get(target, prop, receiver);
    },
  });
  return { p, reads };
}

function withData(t: T, data: unknown): T {
  Object.defineProperty(t, 'data', { value: data });
  return t;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-untrusted-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const backendsToTest = ck.info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);

describe.each(backendsToTest)('untrusted tensors on %s', (backend) => {
  const use = () => ck.setBackend(backend);
  afterAll(() => ck.setBackend(ck.info().native.loaded ? 'native' : 'ts'));

  it('a shape getter that grows after the first read gives the honest result, not NaNs', () => {
    use();
    const x = shifty(ck.ones([1, 1, 4, 4]), [1, 1, 4, 4], [1, 1, 400, 400]);
    const y = ck.conv2d(x, ck.ones([1, 1, 3, 3]));
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([9, 9, 9, 9]);
    const p = shifty(ck.ones([1, 1, 4, 4]), [1, 1, 4, 4], [1, 1, 400, 400]);
    expect(ck.maxPool2d(p, { kernel: 2 }).shape).toEqual([1, 1, 2, 2]);
    const g = shifty(ck.ones([1, 1, 4, 4]), [1, 1, 4, 4], [1, 1, 400, 400]);
    const dx = ck.conv2dBackward(ck.ones([1, 1, 2, 2]), g, ck.ones([1, 1, 3, 3])).dx!;
    expect(dx.shape).toEqual([1, 1, 4, 4]);
    expect(dx.data.every(Number.isFinite)).toBe(true);
  });

  it('a shape getter that lies on the first read is a RangeError naming the op and x.shape', () => {
    use();
    const x = shifty(ck.ones([1, 1, 4, 4]), [1, 1, 400, 400], [1, 1, 4, 4]);
    expect(() => ck.conv2d(x, ck.ones([1, 1, 3, 3]))).toThrow(RangeError);
    expect(() => ck.conv2d(shifty(ck.ones([1, 1, 4, 4]), [1, 1, 400, 400], [1, 1, 4, 4]), ck.ones([1, 1, 3, 3])))
      .toThrow(/^conv2d: x\.data has 16 elements but x\.shape \[1, 1, 400, 400\] needs 160000/);
  });

  it('every op reads data and shape of each input exactly once', () => {
    use();
    const cases: [string, (p: T) => unknown, () => T][] = [
      ['relu', (p) => ck.relu(p), () => ck.ones([2, 3])],
      ['softmax', (p) => ck.softmax(p), () => ck.ones([2, 3])],
      ['reluBackward dy', (p) => ck.reluBackward(p, ck.ones([2, 3])), () => ck.ones([2, 3])],
      ['conv2d x', (p) => ck.conv2d(p, ck.ones([2, 1, 3, 3])), () => ck.ones([1, 1, 5, 5])],
      ['conv2d w', (p) => ck.conv2d(ck.ones([1, 1, 5, 5]), p), () => ck.ones([2, 1, 3, 3])],
      ['conv2d bias', (p) => ck.conv2d(ck.ones([1, 1, 5, 5]), ck.ones([2, 1, 3, 3]), { bias: p }), () => ck.ones([2])],
      ['conv2dBackward x', (p) => ck.conv2dBackward(ck.ones([1, 2, 3, 3]), p, ck.ones([2, 1, 3, 3])), () => ck.ones([1, 1, 5, 5])],
      ['conv2dBackward w', (p) => ck.conv2dBackward(ck.ones([1, 2, 3, 3]), ck.ones([1, 1, 5, 5]), p), () => ck.ones([2, 1, 3, 3])],
      ['conv2dBackward dy', (p) => ck.conv2dBackward(p, ck.ones([1, 1, 5, 5]), ck.ones([2, 1, 3, 3])), () => ck.ones([1, 2, 3, 3])],
      ['maxPool2d', (p) => ck.maxPool2d(p, { kernel: 2 }), () => ck.ones([1, 1, 4, 4])],
      ['maxPool2dBackward x', (p) => ck.maxPool2dBackward(ck.ones([1, 1, 2, 2]), p, { kernel: 2 }), () => ck.ones([1, 1, 4, 4])],
      ['avgPool2dBackward x', (p) => ck.avgPool2dBackward(ck.ones([1, 1, 2, 2]), p, { kernel: 2 }), () => ck.ones([1, 1, 4, 4])],
      ['globalAvgPool2d', (p) => ck.globalAvgPool2d(p), () => ck.ones([1, 2, 3, 3])],
      ['gemm a', (p) => ck.gemm(p, ck.ones([3, 2])), () => ck.ones([2, 3])],
      ['gemm c', (p) => ck.gemm(ck.ones([2, 3]), ck.ones([3, 2]), { c: p }), () => ck.ones([2, 2])],
      ['matmul b', (p) => ck.matmul(ck.ones([2, 3]), p), () => ck.ones([3, 2])],
      ['linear x', (p) => ck.linear(p, ck.ones([4, 3]), ck.ones([4])), () => ck.ones([2, 3])],
      ['linear b', (p) => ck.linear(ck.ones([2, 3]), ck.ones([4, 3]), p), () => ck.ones([4])],
      ['crossEntropy', (p) => ck.crossEntropy(p, [0, 1]), () => ck.ones([2, 3])],
      ['filter2d image', (p) => ck.filter2d(p, ck.filters.box(3)), () => ck.ones([5, 5])],
      ['filter2d kernel', (p) => ck.filter2d(ck.ones([5, 5]), p), () => ck.filters.box(3)],
      ['image.tile', (p) => ck.image.tile(p), () => ck.ones([4, 3, 3])],
      ['image.writePng', (p) => ck.image.writePng(path.join(tmp, 'a.png'), p), () => ck.ones([3, 3])],
      ['io.saveSafetensors', (p) => ck.io.saveSafetensors(path.join(tmp, 'a.safetensors'), { a: p }), () => ck.ones([3, 3])],
      ['nn.Linear forward+backward', (p) => { const l = new ck.nn.Linear(3, 2); l.forward(p); return l.backward(ck.ones([2, 2])); }, () => ck.ones([2, 3])],
      ['nn.Flatten', (p) => new ck.nn.Flatten().forward(p), () => ck.ones([2, 3, 2])],
      ['loadStateDict', (p) => { const l = new ck.nn.Linear(3, 2, { bias: false }); l.loadStateDict({ weight: p }); }, () => ck.ones([2, 3])],
    ];
    for (const [name, run, make] of cases) {
      const { p, reads } = counted(make());
      run(p);
      expect({ name, ...reads }).toEqual({ name, data: 1, shape: 1 });
    }
  });

  it('a frozen shape is used as it is, a Proxy over one cannot lie, and an unfrozen one is copied', () => {
    use();
    const honest = ck.relu(ck.randn([2, 3], { seed: 5 }));
    // A Proxy over a frozen array whose get trap answers another first dimension: the engine's
    // invariant check throws a TypeError rather than letting the op see 6.
    const lying = ck.randn([2, 3], { seed: 5 });
    Object.defineProperty(lying, 'shape', { value: new Proxy(Object.freeze([2, 3]), { get: (t, k) => (k === '0' ? 6 : Reflect.get(t, k)) }) });
    expect(() => ck.relu(lying)).toThrow(TypeError);
    // An unfrozen shape array the caller changes after the call: the result kept its copy.
    const loose = ck.randn([2, 3], { seed: 5 });
    const dims = [2, 3];
    Object.defineProperty(loose, 'shape', { value: dims });
    const y = ck.relu(loose);
    dims[0] = 600;
    expect(y.shape).toEqual([2, 3]);
    expect(Object.isFrozen(y.shape)).toBe(true);
    expect(Array.from(y.data)).toEqual(Array.from(honest.data));
  });

  it('a fake tensor (Object.create(Tensor.prototype)) is a TypeError naming the op and x.data', () => {
    use();
    const fake = Object.create(Tensor.prototype) as T;
    expect(() => ck.relu(fake)).toThrow(TypeError);
    expect(() => ck.conv2d(fake, ck.ones([1, 1, 1, 1]))).toThrow(/^conv2d: expected a Float32Array for x\.data but received undefined/);
    expect(() => ck.maxPool2d(fake, { kernel: 1 })).toThrow(/^maxPool2d: expected a Float32Array for x\.data/);
  });

  it('Proxy-wrapped, Float64Array, prototype-swapped and length-faking data are TypeError/RangeError', () => {
    use();
    const proxyData = withData(ck.ones([4]), new Proxy(new Float32Array(4), {}));
    expect(() => ck.relu(proxyData)).toThrow(/^relu: expected a Float32Array for x\.data/);
    expect(() => ck.relu(withData(ck.ones([4]), new Float64Array(4)))).toThrow(/^relu: expected a Float32Array for x\.data but received a Float64Array/);
    const swapped = new Float64Array(2);
    Object.setPrototypeOf(swapped, Float32Array.prototype);
    expect(() => ck.gemm(withData(ck.ones([2, 2]), swapped), ck.ones([2, 2]))).toThrow(/^gemm: expected a Float32Array for a\.data/);
    // An own `length` claiming 16 elements over a 4-element buffer.
    const short = new Float32Array(4);
    Object.defineProperty(short, 'length', { value: 16 });
    expect(() => ck.relu(withData(ck.ones([16]), short))).toThrow(/^relu: x\.data has 4 elements but x\.shape \[16\] needs 16/);
    expect(() => ck.sgemm(false, false, 16, 1, 1, 1, short, 1, new Float32Array(1), 1, 0, new Float32Array(16), 1)).toThrow(/^sgemm: A .* has 4/);
    expect(() => ck.sgemm(false, false, 1, 1, 1, 1, new Proxy(new Float32Array(1), {}), 1, new Float32Array(1), 1, 0, new Float32Array(1), 1)).toThrow(TypeError);
  });
});

describe('the Tensor constructor', () => {
  it('rejects what instanceof and .length would have let through', () => {
    const swapped = new Float64Array(4);
    Object.setPrototypeOf(swapped, Float32Array.prototype);
    expect(() => new Tensor(swapped as unknown as Float32Array, [4])).toThrow(/^Tensor: expected a Float32Array for data/);
    expect(() => new Tensor(new Proxy(new Float32Array(4), {}), [4])).toThrow(TypeError);
    const short = new Float32Array(4);
    Object.defineProperty(short, 'length', { value: 16 });
    expect(() => new Tensor(short, [16])).toThrow(/^Tensor: data has 4 elements but shape \[16\] needs 16/);
  });

  it('reads a Proxy shape once per element and keeps a frozen copy', () => {
    let reads = 0;
    const shape = new Proxy([2, 2], { get: (t, p, r) => { if (p === '0') reads++; return reads > 1 && p === '0' ? 1000 : Reflect.get(t, p, r); } });
    const t = new Tensor(new Float32Array(4), shape);
    expect(t.shape).toEqual([2, 2]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(reads).toBe(1);
    expect(() => new Tensor(new Float32Array(1), new Proxy([], { get: (t, p, r) => (p === 'length' ? 2 ** 32 - 1 : Reflect.get(t, p, r)) })))
      .toThrow(/^Tensor: shape must have at most 64 dimensions/);
  });
});

describe('optimizers and labels', () => {
  it('an optimizer whose parameter was swapped for a smaller tensor throws instead of writing NaNs', () => {
    const l = new ck.nn.Linear(3, 2);
    // Legacy { name, value, grad } records (what parameters() returned before the tape).
    const params = l.namedParameters().map(([name, t]) => ({ name, value: t, grad: ck.zeros(t.shape) }));
    const opt = new ck.optim.Adam(params, { lr: 0.1 });
    opt.step(); // the state (exp_avg, exp_avg_sq) is made at a parameter's first step, as torch
    (params[0] as { value: T }).value = ck.ones([2]);
    (params[0] as { grad: T }).grad = ck.ones([2]);
    expect(() => opt.step()).toThrow(/^optim\.Adam\.step: params\[0\] \(weight\) has value \[2\] and grad \[2\] but the optimizer's state holds 6 elements/);
  });

  it('crossEntropy reads each label once', () => {
    let reads = 0;
    const labels = new Proxy([0, 1], { get: (t, p, r) => { if (p === '0') reads++; return p === '0' && reads > 1 ? 1e9 : Reflect.get(t, p, r); } });
    const { loss } = ck.crossEntropy(ck.zeros([2, 3]), labels);
    expect(loss).toBeCloseTo(Math.log(3), 5);
    expect(reads).toBe(1);
  });
});
