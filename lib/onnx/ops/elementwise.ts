// Element-wise ops: the binary arithmetic with NumPy broadcasting (backend().binary) and the
// unary activations (backend().activation). Integer operands (shape arithmetic) fold at plan
// time in plain JS.
import { backend } from '../../backend/select';
import type { ActivationKind, BinaryKind } from '../../backend/backend';
import { broadcastInfo, broadcastShape } from '../../shape/broadcast-info';
import type { Attrs } from '../attrs';
import type { Data } from '../graph';
import { input, numel, op, type OpDef, type Value } from './op';

/** Element i of the broadcast result reads a at aIndex[i] and b at bIndex[i] (plan-time folding only: small tensors). */
export function broadcastIndices(aShape: readonly number[], bShape: readonly number[], out: readonly number[]): [number[], number[]] {
  const n = numel(out), rank = out.length;
  const pad = (s: readonly number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const as = pad(aShape), bs = pad(bShape);
  const ai: number[] = [], bi: number[] = [];
  for (let i = 0; i < n; i++) {
    let rem = i, ao = 0, bo = 0, am = 1, bm = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rem % out[d];
      rem = (rem - c) / out[d];
      if (as[d] !== 1) ao += c * am;
      if (bs[d] !== 1) bo += c * bm;
      am *= as[d];
      bm *= bs[d];
    }
    ai.push(ao);
    bi.push(bo);
  }
  return [ai, bi];
}

const INT_BINARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b,
  div: (a, b) => Math.trunc(a / b), pow: (a, b) => a ** b, maximum: Math.max, minimum: Math.min,
};

function binary(kind: BinaryKind): OpDef<null> {
  return op({
    inputs: [2, 2],
    load: (a: Attrs) => { a.only([]); return null; },
    plan(p) {
      const a = input(p, 0), b = input(p, 1);
      if (a.dtype !== b.dtype) throw new TypeError(`operands have types ${a.dtype} and ${b.dtype}`);
      const shape = broadcastShape(kind, a.shape, b.shape);
      if (a.dtype !== 'float32') {
        if (!a.data || !b.data) throw new TypeError(`computes ${a.dtype} values from the model's inputs; convkit folds integer arithmetic at plan time only`);
        const [ai, bi] = broadcastIndices(a.shape, b.shape, shape);
        const f = INT_BINARY[kind], ad = a.data, bd = b.data;
        return { outputs: [{ shape, dtype: a.dtype, data: Float64Array.from(ai, (x, i) => f(ad[x], bd[bi[i]])) }] };
      }
      const info = broadcastInfo(kind, a.shape, b.shape);
      const be = backend();
      return { outputs: [{ shape, dtype: 'float32' }], kernel: (xs, ys) => be.binary(kind, xs[0] as Float32Array, xs[1] as Float32Array, ys[0], info) };
    },
  });
}

export const Add = binary('add');
export const Sub = binary('sub');
export const Mul = binary('mul');
export const Div = binary('div');
export const Pow = binary('pow');

/**
 * Sum, Mean, Max, Min: one or more inputs broadcast together, folded left to right with the
 * binary kernel (partial results of a smaller shape than the output go through scratch arrays).
 */
function variadic(kind: BinaryKind, mean: boolean): OpDef<null> {
  return op({
    inputs: [1, 1 << 20],
    load: (a: Attrs) => { a.only([]); return null; },
    plan(p) {
      const xs = p.inputs.map((_, i) => input(p, i));
      for (const x of xs) if (x.dtype !== 'float32') throw new TypeError(`input is ${x.dtype}; convkit runs this op on float32`);
      const partial: number[][] = [xs[0].shape];
      for (let i = 1; i < xs.length; i++) partial.push(broadcastShape(kind, partial[i - 1], xs[i].shape));
      const shape = partial[partial.length - 1], n = numel(shape);
      const be = backend();
      if (xs.length === 1 && !mean) return { outputs: [{ shape, dtype: 'float32' }], kernel: (ins, ys) => ys[0].set(ins[0] as Float32Array) };
      const infos = xs.map((x, i) => (i === 0 ? null : broadcastInfo(kind, partial[i - 1], x.shape)));
      // Where each partial lives: the output when it has the output's size, else scratch.
      const homes = partial.map((s, i) => (i === 0 ? null : numel(s) === n ? null : new Float32Array(numel(s))));
      const scale = mean ? broadcastInfo('mul', shape, [1]) : null;
      const inv = Float32Array.of(1 / xs.length);
      return {
        outputs: [{ shape, dtype: 'float32' }],
        kernel: (ins, ys) => {
          let prev = ins[0] as Float32Array;
          if (xs.length === 1) ys[0].set(prev);
          for (let i = 1; i < xs.length; i++) {
            const y = homes[i] ?? ys[0];
            be.binary(kind, prev, ins[i] as Float32Array, y, infos[i]!);
            prev = y;
          }
          if (scale) be.binary('mul', ys[0], inv, ys[0], scale);
        },
      };
    },
  });
}

export const Sum = variadic('add', false);
export const Mean = variadic('add', true);
export const Max = variadic('maximum', false);
export const Min = variadic('minimum', false);

/** A unary op over float32 with fixed params, read from the attributes at load. */
function unary<A>(load: (a: Attrs) => A, kindOf: (attrs: A) => { kind: ActivationKind; params?: number[] }): OpDef<A> {
  return op({
    inputs: [1, 1],
    load,
    plan(p) {
      const x = input(p, 0);
      if (x.dtype !== 'float32') throw new TypeError(`input is ${x.dtype}; convkit runs this op on float32`);
      const { kind, params } = kindOf(p.attrs);
      const be = backend();
      return { outputs: [{ shape: x.shape, dtype: 'float32' }], kernel: (xs, ys) => be.activation(kind, xs[0] as Float32Array, ys[0], params) };
    },
  });
}

const none = (a: Attrs) => { a.only([]); return null; };
export const Relu = unary(none, () => ({ kind: 'relu' }));
export const Sigmoid = unary(none, () => ({ kind: 'sigmoid' }));
export const Tanh = unary(none, () => ({ kind: 'tanh' }));
export const Neg = unary(none, () => ({ kind: 'neg' }));
export const Exp = unary(none, () => ({ kind: 'exp' }));
export const Log = unary(none, () => ({ kind: 'log' }));
export const Sqrt = unary(none, () => ({ kind: 'sqrt' }));
export const Abs = unary(none, () => ({ kind: 'abs' }));
export const HardSwish = unary(none, () => ({ kind: 'hardSwish' }));

/** HardSigmoid max(0, min(1, alpha x + beta)): PyTorch's hardsigmoid (alpha 1/6, beta 1/2) is the backend kind; others scale, shift and clamp. */
export const HardSigmoid = op({
  inputs: [1, 1],
  load(a: Attrs) { a.only(['alpha', 'beta']); return { alpha: a.float('alpha', 0.2), beta: a.float('beta', 0.5) }; },
  plan(p) {
    const x = input(p, 0);
    if (x.dtype !== 'float32') throw new TypeError(`input is ${x.dtype}; convkit runs this op on float32`);
    const { alpha, beta } = p.attrs;
    const be = backend();
    if (Math.fround(alpha) === Math.fround(1 / 6) && beta === 0.5) {
      return { outputs: [{ shape: x.shape, dtype: 'float32' }], kernel: (xs, ys) => be.activation('hardSigmoid', xs[0] as Float32Array, ys[0]) };
    }
    const info = broadcastInfo('mul', x.shape, [1]), al = Float32Array.of(alpha), bt = Float32Array.of(beta);
    return {
      outputs: [{ shape: x.shape, dtype: 'float32' }],
      kernel: (xs, ys) => {
        be.binary('mul', xs[0] as Float32Array, al, ys[0], info);
        be.binary('add', ys[0], bt, ys[0], info);
        be.activation('clamp', ys[0], ys[0], [0, 1]);
      },
    };
  },
});

/** erf(x) in double: 2/sqrt(pi) e^(-x^2) sum x^(2n+1) 2^n / (2n+1)!! (positive terms, no cancellation); +-1 past |x| = 6. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < 6)) return Number.isNaN(x) ? NaN : Math.sign(x);
  const x2 = 2 * ax * ax;
  let term = ax, sum = ax;
  for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
  }
  const r = Math.min(1, 1.1283791670955126 * Math.exp(-ax * ax) * sum);
  return x < 0 ? -r : r;
}

/** Erf: a TypeScript loop (GELU's exported form; the passes fuse x*0.5*(1+Erf(x/sqrt2)) into gelu). */
export const Erf = op({
  inputs: [1, 1],
  load: (a: Attrs) => { a.only([]); return null; },
  plan(p) {
    const x = input(p, 0);
    if (x.dtype !== 'float32') throw new TypeError(`input is ${x.dtype}; convkit runs this op on float32`);
    return {
      outputs: [{ shape: x.shape, dtype: 'float32' }],
      kernel: (xs, ys) => { const a = xs[0]!, y = ys[0]; for (let i = 0; i < y.length; i++) y[i] = erf(a[i]); },
      note: 'ts',
    };
  },
});

export const LeakyRelu = unary((a) => { a.only(['alpha']); return a.float('alpha', 0.01); }, (alpha) => ({ kind: 'leakyRelu', params: [alpha] }));

/** Clip: min and max are attributes before opset 11, optional inputs after (known at plan time). */
export const Clip = op({
  inputs: [1, 3],
  load(a: Attrs) {
    a.only(['min', 'max']);
    return { min: a.float('min', -Infinity), max: a.float('max', Infinity) };
  },
  plan(p) {
    const x = input(p, 0);
    const bound = (i: number, dflt: number): number => {
      const v: Value | null | undefined = p.inputs[i];
      if (!v) return dflt;
      if (!v.data) throw new TypeError(`its ${i === 1 ? 'min' : 'max'} (input ${i}) must be known before the inputs arrive`);
      return v.data[0];
    };
    const lo = bound(1, p.attrs.min), hi = bound(2, p.attrs.max);
    const be = backend();
    const relu6 = lo === 0 && hi === 6;
    return {
      outputs: [{ shape: x.shape, dtype: 'float32' }],
      kernel: relu6 ? (xs, ys) => be.activation('relu6', xs[0] as Float32Array, ys[0]) : (xs, ys) => be.activation('clamp', xs[0] as Float32Array, ys[0], [lo, hi]),
    };
  },
});

/** Data as Float64 for integer folding; float32 stays. */
export function asData(values: readonly number[], dtype: string): Data {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}
