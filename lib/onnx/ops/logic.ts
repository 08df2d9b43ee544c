// Value-producing and logic ops exports put around shape arithmetic: Cast, ConstantOfShape,
// Range, Equal / Less / Greater / Not, Where. Integer and bool results are folded at plan time;
// float32 data flows at run time (Cast float -> float is a view, Where a TypeScript loop).
import { DTYPES, type Data, type DType } from '../graph';
import type { Attrs } from '../attrs';
import { broadcastShape } from '../../shape/broadcast-info';
import { broadcastIndices } from './elementwise';
import { constInput, dims, input, numel, op } from './op';

/** Rounds a value the way a cast to dtype stores it (integers truncate toward zero, bool is != 0). */
function castValue(v: number, to: DType): number {
  switch (to) {
    case 'float32': case 'float16': case 'bfloat16': return Math.fround(v);
    case 'float64': return v;
    case 'bool': return v !== 0 ? 1 : 0;
    default: return Number.isFinite(v) ? Math.trunc(v) : v;
  }
}

function arrayFor(dtype: DType, n: number): Data {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

export const Cast = op({
  inputs: [1, 1],
  load(a: Attrs) {
    a.only(['to', 'saturate']);
    const code = a.int('to');
    const to = DTYPES[code];
    if (!to || to === 'string') throw new RangeError(`onnx.load: node "${a.node.name}" (Cast) attribute "to" is element type #${code}, which convkit does not run`);
    return to;
  },
  plan(p) {
    const x = input(p, 0), to = p.attrs;
    if (x.data) {
      const out = arrayFor(to, x.data.length);
      for (let i = 0; i < out.length; i++) out[i] = castValue(x.data[i], to);
      return { outputs: [{ shape: x.shape, dtype: to, data: out }] };
    }
    if (x.dtype === 'float32' && (to === 'float32' || to === 'float64' || to === 'float16')) {
      // float32 data stays float32 (convkit computes in float32): a view.
      return { outputs: [{ shape: x.shape, dtype: 'float32' }], alias: true };
    }
    throw new TypeError(`casts ${x.dtype} values from the model's inputs to ${to} at run time; convkit runs float32 data and folds integer (shape) arithmetic at plan time`);
  },
});

export const ConstantOfShape = op({
  inputs: [1, 1],
  load(a: Attrs) {
    a.only(['value']);
    const t = a.tensor('value');
    return t ? { dtype: t.dtype, value: t.data[0] ?? 0 } : { dtype: 'float32' as DType, value: 0 };
  },
  plan(p) {
    const shape = Array.from(constInput(p, 0, 'shape'));
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`shape ${dims(shape)} is not a valid shape`);
    const data = arrayFor(p.attrs.dtype, numel(shape)).fill(p.attrs.value);
    return { outputs: [{ shape, dtype: p.attrs.dtype, data }] };
  },
});

export const Range = op({
  inputs: [3, 3],
  load: (a: Attrs) => { a.only([]); return null; },
  plan(p) {
    const start = constInput(p, 0, 'start')[0], limit = constInput(p, 1, 'limit')[0], delta = constInput(p, 2, 'delta')[0];
    if (delta === 0) throw new RangeError('delta is 0');
    const n = Math.max(0, Math.ceil((limit - start) / delta));
    const dtype = input(p, 0).dtype;
    const out = arrayFor(dtype, n);
    for (let i = 0; i < n; i++) out[i] = castValue(start + i * delta, dtype);
    return { outputs: [{ shape: [n], dtype, data: out }] };
  },
});

/** A comparison folded at plan time into a bool tensor (both operands must be known). */
function compare(f: (a: number, b: number) => boolean) {
  return op({
    inputs: [2, 2],
    load: (a: Attrs) => { a.only([]); return null; },
    plan(p) {
      const a = input(p, 0), b = input(p, 1);
      const ad = constInput(p, 0, 'operand'), bd = constInput(p, 1, 'operand');
      const shape = broadcastShape('compare', a.shape, b.shape);
      const [ai, bi] = broadcastIndices(a.shape, b.shape, shape);
      return { outputs: [{ shape, dtype: 'bool' as DType, data: Float64Array.from(ai, (x, i) => (f(ad[x], bd[bi[i]]) ? 1 : 0)) }] };
    },
  });
}

export const Equal = compare((a, b) => a === b);
export const Less = compare((a, b) => a < b);
export const Greater = compare((a, b) => a > b);

export const Not = op({
  inputs: [1, 1],
  load: (a: Attrs) => { a.only([]); return null; },
  plan(p) {
    const x = constInput(p, 0, 'operand');
    return { outputs: [{ shape: input(p, 0).shape, dtype: 'bool' as DType, data: Float64Array.from(x, (v) => (v ? 0 : 1)) }] };
  },
});

/** Where(cond, x, y): cond known at plan time; x and y known (folded) or float32 data (a TypeScript loop). */
export const Where = op({
  inputs: [3, 3],
  load: (a: Attrs) => { a.only([]); return null; },
  plan(p) {
    const c = input(p, 0), x = input(p, 1), y = input(p, 2);
    const cond = constInput(p, 0, 'condition');
    if (x.dtype !== y.dtype) throw new TypeError(`x and y have types ${x.dtype} and ${y.dtype}`);
    const xy = broadcastShape('Where', x.shape, y.shape);
    const shape = broadcastShape('Where', c.shape, xy);
    const [ci, xi] = broadcastIndices(c.shape, x.shape, shape);
    const [, yi] = broadcastIndices(c.shape, y.shape, shape);
    const pick = (xd: Data, yd: Data, out: Data) => { for (let i = 0; i < out.length; i++) out[i] = cond[ci[i]] ? xd[xi[i]] : yd[yi[i]]; };
    if (x.data && y.data) {
      const out = arrayFor(x.dtype, numel(shape));
      pick(x.data, y.data, out);
      return { outputs: [{ shape, dtype: x.dtype, data: out }] };
    }
    if (x.dtype !== 'float32') throw new TypeError(`selects ${x.dtype} values from the model's inputs at run time; convkit runs float32 data`);
    return { outputs: [{ shape, dtype: 'float32' }], kernel: (xs, ys) => pick(xs[1]!, xs[2]!, ys[0]), note: 'ts' };
  },
});

