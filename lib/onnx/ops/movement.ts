// Data movement: Transpose, Slice, Split, Expand, Tile (strided copies: backend().copyStrided)
// and Pad (backend().pad). On known values (shape arithmetic) they compute at plan time.
import { backend } from '../../backend/select';
import { MAX_COPY_RANK, padOutputShape, stridesOf, type PadMode, type StridedCopyInfo } from '../../shape/copy-info';
import type { Attrs } from '../attrs';
import type { Data } from '../graph';
import { axisOf, constInput, dims, input, numel, op, type Kernel, type PlanArgs, type Planned, type Value } from './op';

/**
 * The copy y[i] = x[xOffset + sum(i[d] * xStrides[d])] over `shape`, y contiguous, with size-1
 * dimensions dropped and neighbours that step alike merged (so rank <= 6 for most graphs).
 */
export function copyInfo(shape: readonly number[], xOffset: number, xStrides: readonly number[]): StridedCopyInfo {
  const yStrides = stridesOf(shape);
  const s: number[] = [], xs: number[] = [], ys: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const k = s.length - 1;
    if (k >= 0 && xs[k] === xStrides[i] * d && ys[k] === yStrides[i] * d) { s[k] *= d; xs[k] = xStrides[i]; ys[k] = yStrides[i]; return; }
    s.push(d); xs.push(xStrides[i]); ys.push(yStrides[i]);
  });
  if (s.length > MAX_COPY_RANK) throw new RangeError(`the copy needs ${s.length} dimensions after merging (shape ${dims(shape)}); convkit copies at most ${MAX_COPY_RANK}`);
  return { shape: s, xOffset, xStrides: xs, yOffset: 0, yStrides: ys };
}

/** The same copy on known data in plain JS (plan-time folding: small tensors). */
function copyKnown(x: Data, shape: readonly number[], xOffset: number, xStrides: readonly number[]): Data {
  const n = numel(shape), out = new (x.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(n), r = shape.length;
  for (let i = 0; i < n; i++) {
    let rem = i, off = xOffset;
    for (let d = r - 1; d >= 0; d--) { const c = rem % shape[d]; rem = (rem - c) / shape[d]; off += c * xStrides[d]; }
    out[i] = x[off];
  }
  return out;
}

/** Output `shape` read from x at xOffset with xStrides: folded when x is known, else a copyStrided step. */
function strided(x: Value, shape: number[], xOffset: number, xStrides: number[]): Planned {
  if (x.data) return { outputs: [{ shape, dtype: x.dtype, data: copyKnown(x.data, shape, xOffset, xStrides) }] };
  if (x.dtype !== 'float32') throw new TypeError(`moves ${x.dtype} values from the model's inputs at run time; convkit runs float32 data`);
  if (numel(shape) === 0) return { outputs: [{ shape, dtype: 'float32' }], kernel: () => {} };
  const info = copyInfo(shape, xOffset, xStrides);
  const be = backend();
  return { outputs: [{ shape, dtype: 'float32' }], kernel: (xs, ys) => be.copyStrided(xs[0] as Float32Array, ys[0], info) };
}

export const Transpose = op({
  inputs: [1, 1],
  load(a: Attrs) { a.only(['perm']); return a.has('perm') ? a.ints('perm') : null; },
  plan(p) {
    const x = input(p, 0), r = x.shape.length;
    const perm = p.attrs ?? x.shape.map((_, i) => r - 1 - i);
    if (perm.length !== r || new Set(perm.map((a) => axisOf(a, r, 'perm axis'))).size !== r) throw new RangeError(`perm ${dims(perm)} is not a permutation of the ${r} axes of x ${dims(x.shape)}`);
    const st = stridesOf(x.shape);
    return strided(x, perm.map((a) => x.shape[a]), 0, perm.map((a) => st[a]));
  },
});

/** Slice: starts, ends, axes, steps as attributes (before opset 10) or known inputs. */
export const Slice = op({
  inputs: [1, 5],
  load(a: Attrs, opset: number) {
    if (opset < 10) {
      a.only(['starts', 'ends', 'axes']);
      return { starts: a.ints('starts'), ends: a.ints('ends'), axes: a.has('axes') ? a.ints('axes') : null };
    }
    a.only([]);
    return null;
  },
  plan(p) {
    const x = input(p, 0), r = x.shape.length;
    const list = (i: number, what: string) => (p.inputs[i] ? Array.from(constInput(p, i, what)) : null);
    const starts = p.attrs ? p.attrs.starts : list(1, 'starts')!;
    const ends = p.attrs ? p.attrs.ends : list(2, 'ends')!;
    if (!starts || !ends) throw new TypeError('needs starts and ends');
    const axes = (p.attrs ? p.attrs.axes : list(3, 'axes')) ?? starts.map((_, i) => i);
    const steps = (p.attrs ? null : list(4, 'steps')) ?? starts.map(() => 1);
    if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
      throw new RangeError(`starts ${dims(starts)}, ends ${dims(ends)}, axes ${dims(axes)} and steps ${dims(steps)} differ in length`);
    }
    const shape = x.shape.slice(), st = stridesOf(x.shape), strides = st.slice();
    let offset = 0;
    const seen = new Set<number>();
    axes.forEach((ax, i) => {
      const a = axisOf(ax, r);
      if (seen.has(a)) throw new RangeError(`axes ${dims(axes)} repeat an axis`);
      seen.add(a);
      const n = x.shape[a], step = steps[i];
      if (!Number.isInteger(step) || step === 0) throw new RangeError(`step ${step} of axis ${ax} must be a nonzero integer`);
      // ONNX (as NumPy): negative indices count from the end, then clamp ([0, n] forward, [-1, n-1] backward).
      const fix = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
      const s = step > 0 ? fix(starts[i], 0, n) : fix(starts[i], 0, n - 1);
      const e = step > 0 ? fix(ends[i], 0, n) : fix(ends[i], -1, n - 1);
      const len = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
      shape[a] = len;
      strides[a] = st[a] * step;
      if (len > 0) offset += s * st[a];
    });
    return strided(x, shape, offset, strides);
  },
});

/** Split: sizes from the `split` attribute (before opset 13) or input, else equal parts (num_outputs from 18). */
export const Split = op({
  inputs: [1, 2],
  load(a: Attrs) {
    a.only(['axis', 'split', 'num_outputs']);
    return { axis: a.int('axis', 0), split: a.has('split') ? a.ints('split') : null };
  },
  plan(p) {
    const x = input(p, 0), r = x.shape.length, axis = axisOf(p.attrs.axis, r);
    const k = p.node.outputs.length, n = x.shape[axis];
    let sizes = p.inputs[1] ? Array.from(constInput(p, 1, 'split')) : p.attrs.split;
    if (!sizes) {
      // Equal parts; with num_outputs (18) the last may be smaller: ceil(n / k) each.
      const part = Math.ceil(n / k);
      sizes = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(part, n - i * part)));
      if (p.opset < 18 && n % k !== 0) throw new RangeError(`axis ${axis} of x ${dims(x.shape)} does not split into ${k} equal parts`);
    }
    if (sizes.length !== k || sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new RangeError(`split ${dims(sizes)} does not divide axis ${axis} (size ${n}) of x ${dims(x.shape)} into ${k} outputs`);
    }
    const st = stridesOf(x.shape);
    let start = 0;
    const parts = sizes.map((s) => {
      const shape = x.shape.slice();
      shape[axis] = s;
      const part = strided(x, shape, start * st[axis], st);
      start += s;
      return part;
    });
    const outputs = parts.map((q) => q.outputs[0]);
    if (x.data) return { outputs };
    const kernels = parts.map((q) => q.kernel!);
    const kernel: Kernel = (xs, ys) => { kernels.forEach((kf, i) => kf(xs, [ys[i]])); };
    return { outputs, kernel };
  },
});

/** The broadcast of x to `to` (NumPy, bidirectional for Expand), as strides (0 on broadcast axes). */
function broadcastTo(x: Value, to: readonly number[], what: string): { shape: number[]; strides: number[] } {
  const r = Math.max(x.shape.length, to.length);
  const xs = [...new Array(r - x.shape.length).fill(1), ...x.shape], ts = [...new Array(r - to.length).fill(1), ...to];
  const st = stridesOf(xs);
  const shape = xs.map((d, i) => {
    if (d !== ts[i] && d !== 1 && ts[i] !== 1) throw new RangeError(`x ${dims(x.shape)} does not broadcast to ${what} ${dims(to)}`);
    return d === 1 ? ts[i] : d;
  });
  return { shape, strides: xs.map((d, i) => (d === 1 ? 0 : st[i])) };
}

export const Expand = op({
  inputs: [2, 2],
  load: (a: Attrs) => { a.only([]); return null; },
  plan(p) {
    const x = input(p, 0);
    const { shape, strides } = broadcastTo(x, Array.from(constInput(p, 1, 'shape')), 'shape');
    return strided(x, shape, 0, strides);
  },
});

/** Tile: repeats known at plan time; each repeated axis becomes two (repeat, then the original). */
export const Tile = op({
  inputs: [2, 2],
  load: (a: Attrs) => { a.only([]); return null; },
  plan(p) {
    const x = input(p, 0), reps = Array.from(constInput(p, 1, 'repeats'));
    if (reps.length !== x.shape.length || reps.some((v) => !Number.isInteger(v) || v < 0)) throw new RangeError(`repeats ${dims(reps)} must be ${x.shape.length} integers >= 0`);
    const st = stridesOf(x.shape), shape: number[] = [], strides: number[] = [];
    x.shape.forEach((d, i) => { shape.push(reps[i], d); strides.push(0, st[i]); });
    const planned = strided(x, shape, 0, strides);
    planned.outputs[0].shape = x.shape.map((d, i) => d * reps[i]);
    return planned;
  },
});

const PAD_MODES: Record<string, PadMode> = { constant: 'constant', reflect: 'reflect', edge: 'edge' };

/** Pad: pads [x1_begin, x2_begin, ..., x1_end, ...] as an attribute (before 11) or input; axes input from 18. */
export const Pad = op({
  inputs: [1, 4],
  load(a: Attrs, opset: number) {
    a.only(opset < 11 ? ['mode', 'pads', 'value'] : ['mode']);
    const mode = PAD_MODES[a.string('mode', ['constant', 'reflect', 'edge'] as const, 'constant')];
    return { mode, pads: opset < 11 ? a.ints('pads') : null, value: opset < 11 ? a.float('value', 0) : 0 };
  },
  plan(p: PlanArgs<{ mode: PadMode; pads: number[] | null; value: number }>) {
    const x = input(p, 0), r = x.shape.length;
    const given = p.attrs.pads ?? Array.from(constInput(p, 1, 'pads'));
    const value = p.inputs[2] ? constInput(p, 2, 'constant_value')[0] ?? 0 : p.attrs.value;
    const axes = p.inputs[3] ? Array.from(constInput(p, 3, 'axes')).map((a) => axisOf(a, r)) : x.shape.map((_, i) => i);
    if (given.length !== 2 * axes.length) throw new RangeError(`pads ${dims(given)} must have ${2 * axes.length} values for x ${dims(x.shape)}`);
    const begins = new Array(r).fill(0), ends = new Array(r).fill(0);
    axes.forEach((a, i) => { begins[a] = given[i]; ends[a] = given[i + axes.length]; });
    if (x.dtype !== 'float32') throw new TypeError(`pads ${x.dtype} values; convkit pads float32 data`);
    if (r > MAX_COPY_RANK) throw new RangeError(`x ${dims(x.shape)} has more than ${MAX_COPY_RANK} dimensions`);
    const shape = padOutputShape('Pad', x.shape, begins, ends, p.attrs.mode);
    const info = { inShape: x.shape.slice(), begins, ends, mode: p.attrs.mode, value };
    const be = backend();
    return { outputs: [{ shape, dtype: 'float32' }], kernel: (xs, ys) => be.pad(xs[0] as Float32Array, ys[0], info) };
  },
});
