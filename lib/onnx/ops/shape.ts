// Shape ops. On runtime float data most are views (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout in inference); on known values (the Shape -> Gather -> Concat -> Reshape
// chains of an export) they compute at plan time.
import type { Attrs } from '../attrs';
import type { Data } from '../graph';
import { axisOf, constInput, dims, input, numel, op, type PlanArgs, type Planned, type Value } from './op';

/** Output 0 = input 0 under a new shape: a value when known, else a view. */
function view(x: Value, shape: number[]): Planned {
  if (numel(shape) !== numel(x.shape)) throw new RangeError(`cannot view ${dims(x.shape)} as ${dims(shape)}`);
  return x.data ? { outputs: [{ shape, dtype: x.dtype, data: x.data }] } : { outputs: [{ shape, dtype: x.dtype }], alias: true };
}

const noAttrs = (a: Attrs) => { a.only([]); return null; };

export const Identity = op({ inputs: [1, 1], load: noAttrs, plan: (p) => view(input(p, 0), input(p, 0).shape) });

/** Dropout at inference is the identity (the mask output, if asked for, is not supported). */
export const Dropout = op({
  inputs: [1, 3],
  load(a: Attrs) {
    a.only(['seed', 'ratio']);
    if (a.node.outputs.length > 1 && a.node.outputs[1] !== '') throw new TypeError(`onnx.load: node "${a.node.name}" (Dropout) asks for its mask output, which convkit does not produce`);
    return null;
  },
  plan: (p) => view(input(p, 0), input(p, 0).shape),
});

export const Shape = op({
  inputs: [1, 1],
  load(a: Attrs) { a.only(['start', 'end']); return { start: a.int('start', 0), end: a.has('end') ? a.int('end') : null }; },
  plan(p) {
    const s = input(p, 0).shape, r = s.length;
    const clampAxis = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const part = s.slice(clampAxis(p.attrs.start), p.attrs.end === null ? r : clampAxis(p.attrs.end));
    return { outputs: [{ shape: [part.length], dtype: 'int64', data: Float64Array.from(part) }] };
  },
});

export const Reshape = op({
  inputs: [2, 2],
  load(a: Attrs) { a.only(['allowzero']); return { allowzero: a.int('allowzero', 0) }; },
  plan(p) {
    const x = input(p, 0);
    const spec = Array.from(constInput(p, 1, 'shape'));
    let infer = -1, known = 1;
    const shape = spec.map((d, i) => {
      if (d === -1) {
        if (infer >= 0) throw new RangeError(`shape ${dims(spec)} has more than one -1`);
        infer = i;
        return 1;
      }
      if (d === 0 && !p.attrs.allowzero) {
        if (i >= x.shape.length) throw new RangeError(`shape ${dims(spec)} copies dimension ${i} of x ${dims(x.shape)}, which has none`);
        d = x.shape[i];
      }
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`shape ${dims(spec)} has an invalid dimension ${d}`);
      known *= d;
      return d;
    });
    if (infer >= 0) {
      if (known === 0 || numel(x.shape) % known !== 0) throw new RangeError(`cannot reshape x ${dims(x.shape)} to ${dims(spec)}`);
      shape[infer] = numel(x.shape) / known;
    }
    return view(x, shape);
  },
});

export const Flatten = op({
  inputs: [1, 1],
  load(a: Attrs) { a.only(['axis']); return a.int('axis', 1); },
  plan(p) {
    const x = input(p, 0), r = x.shape.length;
    const axis = p.attrs < 0 ? p.attrs + r : p.attrs;
    if (axis < 0 || axis > r) throw new RangeError(`axis ${p.attrs} is out of range for x ${dims(x.shape)}`);
    return view(x, [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))]);
  },
});

// Unsqueeze and Squeeze take their axes alike: the attribute (before opset 13) or the second input.
const AXES = {
  inputs: [1, 2] as [number, number],
  load(a: Attrs) { a.only(['axes']); return a.has('axes') ? a.ints('axes') : null; },
};

/** Axes from the attribute (before opset 13) or the second input (13 and later). */
function axesOf(p: PlanArgs<number[] | null>, what: string): number[] | null {
  if (p.inputs[1]) return Array.from(constInput(p, 1, what));
  return p.attrs;
}

export const Unsqueeze = op({
  ...AXES,
  plan(p) {
    const x = input(p, 0);
    const axes = axesOf(p, 'axes');
    if (!axes) throw new TypeError('needs axes');
    const r = x.shape.length + axes.length;
    const at = new Set(axes.map((a) => axisOf(a, r)));
    if (at.size !== axes.length) throw new RangeError(`axes ${dims(axes)} repeat an axis`);
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < r; i++) shape.push(at.has(i) ? 1 : x.shape[k++]);
    return view(x, shape);
  },
});

export const Squeeze = op({
  ...AXES,
  plan(p) {
    const x = input(p, 0);
    const axes = axesOf(p, 'axes');
    const r = x.shape.length;
    const drop = axes ? new Set(axes.map((a) => axisOf(a, r))) : new Set(x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
    for (const a of drop) if (x.shape[a] !== 1) throw new RangeError(`cannot squeeze axis ${a} of x ${dims(x.shape)}: its size is not 1`);
    return view(x, x.shape.filter((_, i) => !drop.has(i)));
  },
});

export const Constant = op({
  inputs: [0, 0],
  load(a: Attrs) {
    const keys = Object.keys(a.node.attrs);
    if (keys.length !== 1) throw new TypeError(`onnx.load: node "${a.node.name}" (Constant) must have exactly one value attribute, has ${keys.length ? keys.join(', ') : 'none'}`);
    const key = keys[0];
    const v = a.node.attrs[key];
    switch (key) {
      case 'value': return a.tensor('value')!;
      case 'value_float': return { dtype: 'float32' as const, shape: [], data: Float32Array.of(a.float(key, 0)) };
      case 'value_floats': return { dtype: 'float32' as const, shape: [a.floats(key).length], data: Float32Array.from(a.floats(key)) };
      case 'value_int': return { dtype: 'int64' as const, shape: [], data: Float64Array.of(a.int(key)) };
      case 'value_ints': return { dtype: 'int64' as const, shape: [a.ints(key).length], data: Float64Array.from(a.ints(key)) };
      default: throw new TypeError(`onnx.load: node "${a.node.name}" (Constant) attribute "${key}" (${typeof v}) is not supported by convkit`);
    }
  },
  plan: (p) => ({ outputs: [{ shape: p.attrs.shape, dtype: p.attrs.dtype, data: p.attrs.data }] }),
});

/** Elements of `data` (shape) gathered along `axis` at `indices`, into `into` (a run's output) or a new array. */
function gatherKnown(data: Data, shape: readonly number[], axis: number, indices: readonly number[], into?: Data): Data {
  const outer = numel(shape.slice(0, axis)), n = shape[axis], inner = numel(shape.slice(axis + 1));
  const out = into ?? new (data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(outer * indices.length * inner);
  let o = 0;
  for (let i = 0; i < outer; i++) for (const j of indices) {
    const k = j < 0 ? j + n : j;
    if (k < 0 || k >= n) throw new RangeError(`index ${j} is out of range for axis ${axis} of size ${n}`);
    out.set(data.subarray((i * n + k) * inner, (i * n + k + 1) * inner), o);
    o += inner;
  }
  return out;
}

export const Gather = op({
  inputs: [2, 2],
  load(a: Attrs) { a.only(['axis']); return a.int('axis', 0); },
  plan(p) {
    const x = input(p, 0), idx = input(p, 1);
    const axis = axisOf(p.attrs, x.shape.length);
    const indices = Array.from(constInput(p, 1, 'indices'));
    const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
    if (x.data) return { outputs: [{ shape, dtype: x.dtype, data: gatherKnown(x.data, x.shape, axis, indices) }] };
    if (x.dtype !== 'float32') throw new TypeError(`gathers ${x.dtype} values from the model's inputs at run time`);
    return {
      outputs: [{ shape, dtype: 'float32' }],
      kernel: (xs, ys) => { gatherKnown(xs[0] as Float32Array, x.shape, axis, indices, ys[0]); },
    };
  },
});

export const Concat = op({
  inputs: [1, 1 << 20],
  load(a: Attrs) { a.only(['axis']); return a.int('axis'); },
  plan(p) {
    const xs = p.inputs.map((_, i) => input(p, i));
    const r = xs[0].shape.length;
    const axis = axisOf(p.attrs, r);
    for (const x of xs) {
      if (x.dtype !== xs[0].dtype) throw new TypeError(`inputs have types ${xs[0].dtype} and ${x.dtype}`);
      if (x.shape.length !== r || x.shape.some((d, i) => i !== axis && d !== xs[0].shape[i])) {
        throw new RangeError(`inputs ${xs.map((v) => dims(v.shape)).join(', ')} differ outside axis ${axis}`);
      }
    }
    const shape = xs[0].shape.slice();
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    const outer = numel(shape.slice(0, axis)), inner = numel(shape.slice(axis + 1));
    const widths = xs.map((x) => x.shape[axis] * inner), total = shape[axis] * inner;
    const copy = (ins: readonly (Data | null)[], y: Data) => {
      let off = 0;
      ins.forEach((d, k) => {
        const w = widths[k];
        for (let i = 0; i < outer; i++) y.set(d!.subarray(i * w, (i + 1) * w), i * total + off);
        off += w;
      });
    };
    if (xs.every((x) => x.data)) {
      const y = xs[0].dtype === 'float32' ? new Float32Array(numel(shape)) : new Float64Array(numel(shape));
      copy(xs.map((x) => x.data!), y);
      return { outputs: [{ shape, dtype: xs[0].dtype, data: y }] };
    }
    if (xs[0].dtype !== 'float32') throw new TypeError(`concatenates ${xs[0].dtype} values from the model's inputs at run time`);
    return { outputs: [{ shape, dtype: 'float32' }], kernel: (ins, ys) => copy(ins, ys[0]) };
  },
});
