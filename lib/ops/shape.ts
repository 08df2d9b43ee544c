// Shape and data-movement ops: reshape, flatten (sharing data), transpose, concat, split,
// slice, pad (new tensors, through the backend's copyStrided and pad kernels), and their
// gradients as plain functions.
import { backend } from '../backend/select';
import { checkOptions, checkOneOf } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { MAX_COPY_RANK, type PadMode, padOutputShape, stridesOf } from '../shape/copy-info';
import { needsGrad, record } from '../autograd/record';
import { checkTensor, Tensor, type Shape } from '../tensor';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function axisOf(op: string, name: string, axis: unknown, rank: number, x: readonly number[]): number {
  if (typeof axis !== 'number') throw invalidType(op, name, 'an integer', axis);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw rangeError(op, `${name} ${axis} out of range for ${shapeStr(x)} (rank ${rank})`);
  return axis < 0 ? axis + rank : axis;
}

function checkRank(op: string, shape: readonly number[]): void {
  if (shape.length > MAX_COPY_RANK) throw rangeError(op, `x ${shapeStr(shape)} has ${shape.length} dimensions, at most ${MAX_COPY_RANK}`);
}

/** x's data under a new shape (no copy; one `-1` is inferred), as {@link Tensor.reshape}. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return checkTensor('reshape', 'x', x).reshape(shape);
}

/** x with dimensions startDim.. merged into one (no copy): `[N, C, H, W]` -> `[N, C*H*W]` by default. startDim may be negative. */
export function flatten(x: Tensor, startDim = 1): Tensor {
  const xt = checkTensor('flatten', 'x', x);
  if (xt.rank === 0) return xt.reshape([1]);
  const s = axisOf('flatten', 'startDim', startDim, xt.rank, xt.shape);
  return xt.reshape([...xt.shape.slice(0, s), size(xt.shape.slice(s))]);
}

/** The perm checked: a permutation of [0, rank), negative entries counted from the end. */
function permOf(op: string, perm: unknown, shape: readonly number[]): number[] {
  if (!Array.isArray(perm)) throw invalidType(op, 'perm', 'an array of axes', perm);
  const r = shape.length;
  if (perm.length !== r) throw rangeError(op, `perm [${perm.join(', ')}] must have ${r} entries for x ${shapeStr(shape)}`);
  const seen = new Array<boolean>(r).fill(false);
  return perm.map((p: unknown) => {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < -r || p >= r) throw rangeError(op, `perm [${perm.join(', ')}] is not a permutation of the axes of x ${shapeStr(shape)}`);
    const a = p < 0 ? p + r : p;
    if (seen[a]) throw rangeError(op, `perm [${perm.join(', ')}] repeats axis ${a}: not a permutation of the axes of x ${shapeStr(shape)}`);
    seen[a] = true;
    return a;
  });
}

/** x with its axes permuted: result axis i is x's axis perm[i] (`[0, 2, 3, 1]` turns NCHW into NHWC). */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const op = 'transpose';
  const xt = checkTensor(op, 'x', x);
  const p = permOf(op, perm, xt.shape);
  checkRank(op, xt.shape);
  const shape = p.map((a) => xt.shape[a]), xs = stridesOf(xt.shape);
  const be = backend();
  const y = new Tensor(be.output(xt.size), shape);
  be.copyStrided(xt.data, y.data, { shape, xOffset: 0, xStrides: p.map((a) => xs[a]), yOffset: 0, yStrides: stridesOf(shape) });
  if (needsGrad(xt)) record(op, y, [xt], (gy) => [transposeBackward(gy, p)]);
  return y;
}

/** The gradient of {@link transpose}: dy transposed back. */
export function transposeBackward(dy: Tensor, perm: readonly number[]): Tensor {
  const p = permOf('transposeBackward', perm, checkTensor('transposeBackward', 'dy', dy).shape);
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => { inv[a] = i; });
  return transpose(dy, inv);
}

/** The tensors joined along axis; every other dimension must agree. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const op = 'concat';
  if (!Array.isArray(xs)) throw invalidType(op, 'xs', 'an array of Tensors', xs);
  if (xs.length === 0) throw rangeError(op, 'xs is empty');
  const ts = xs.map((t, i) => checkTensor(op, `xs[${i}]`, t));
  const s0 = ts[0].shape, r = s0.length;
  if (r === 0) throw rangeError(op, 'xs[0] is a scalar: nothing to concatenate along');
  const a = axisOf(op, 'axis', axis, r, s0);
  ts.forEach((t, i) => {
    if (t.rank !== r || t.shape.some((d, k) => k !== a && d !== s0[k])) {
      throw rangeError(op, `xs[${i}] ${shapeStr(t.shape)} does not match xs[0] ${shapeStr(s0)} outside axis ${a}`);
    }
  });
  const outer = size(s0.slice(0, a)), inner = size(s0.slice(a + 1));
  const total = ts.reduce((n, t) => n + t.shape[a], 0);
  const shape = s0.slice(); shape[a] = total;
  const be = backend();
  const y = new Tensor(be.output(size(shape)), shape);
  let off = 0;
  for (const t of ts) {
    const row = t.shape[a] * inner;
    if (row > 0 && outer > 0) {
      be.copyStrided(t.data, y.data, { shape: [outer, row], xOffset: 0, xStrides: [row, 1], yOffset: off * inner, yStrides: [total * inner, 1] });
    }
    off += t.shape[a];
  }
  if (needsGrad(...ts)) {
    const sizes = ts.map((t) => t.shape[a]);
    record(op, y, ts, (gy, needed) => split(gy, sizes, a).map((g, i) => (needed[i] ? g : null)));
  }
  return y;
}

/** The gradient of {@link concat}: dy split into the inputs' sizes along axis. */
export function concatBackward(dy: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  return split(dy, sizes, axis);
}

/**
 * x cut along axis into pieces of the given sizes (summing to the axis length), or into
 * `count` equal pieces (the axis length must divide).
 */
export function split(x: Tensor, sizesOrCount: readonly number[] | number, axis = 0): Tensor[] {
  const op = 'split';
  const xt = checkTensor(op, 'x', x);
  if (xt.rank === 0) throw rangeError(op, 'x is a scalar: nothing to split');
  checkRank(op, xt.shape);
  const a = axisOf(op, 'axis', axis, xt.rank, xt.shape), len = xt.shape[a];
  let sizes: number[];
  if (typeof sizesOrCount === 'number') {
    if (!Number.isInteger(sizesOrCount) || sizesOrCount < 1) throw rangeError(op, `count must be a positive integer, got ${sizesOrCount}`);
    if (len % sizesOrCount !== 0) throw rangeError(op, `axis ${a} of x ${shapeStr(xt.shape)} (${len}) does not split into ${sizesOrCount} equal parts; pass the sizes`);
    sizes = new Array<number>(sizesOrCount).fill(len / sizesOrCount);
  } else if (Array.isArray(sizesOrCount)) {
    sizes = sizesOrCount.map((s: unknown) => {
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) throw rangeError(op, `sizes must be non-negative integers, got [${sizesOrCount.join(', ')}]`);
      return s;
    });
    const sum = sizes.reduce((p, q) => p + q, 0);
    if (sum !== len) throw rangeError(op, `sizes [${sizes.join(', ')}] sum to ${sum} but axis ${a} of x ${shapeStr(xt.shape)} is ${len}`);
  } else {
    throw invalidType(op, 'sizesOrCount', 'an array of sizes or a count', sizesOrCount);
  }
  const outer = size(xt.shape.slice(0, a)), inner = size(xt.shape.slice(a + 1));
  const be = backend();
  const grad = needsGrad(xt);
  let off = 0;
  return sizes.map((s) => {
    const shape = xt.shape.slice(); shape[a] = s;
    const y = new Tensor(be.output(size(shape)), shape);
    if (s > 0 && outer > 0 && inner > 0) {
      be.copyStrided(xt.data, y.data, { shape: [outer, s * inner], xOffset: off * inner, xStrides: [len * inner, 1], yOffset: 0, yStrides: [s * inner, 1] });
    }
    if (grad) {
      // Each piece's gradient lands in its span of x (the tape sums the pieces').
      const starts = [...new Array<number>(a).fill(0), off];
      const ends = [...xt.shape.slice(0, a), off + s];
      const xShape = xt.shape;
      record(op, y, [xt], (gy) => [sliceBackward(gy, xShape, starts, ends)]);
    }
    off += s;
    return y;
  });
}

/** The gradient of {@link split}: the pieces' gradients joined (null: zeros of that piece's shape). */
export function splitBackward(dys: readonly (Tensor | null)[], xShape: readonly number[], axis = 0): Tensor {
  const a = axis < 0 ? axis + xShape.length : axis;
  const sizes = dys.map((d) => (d === null ? -1 : d.shape[a]));
  const known = sizes.filter((s) => s >= 0).reduce((p, q) => p + q, 0);
  const missing = sizes.filter((s) => s < 0).length;
  return concat(dys.map((d) => {
    if (d !== null) return d;
    const shape = xShape.slice(); shape[a] = (xShape[a] - known) / missing;
    return new Tensor(new Float32Array(size(shape)), shape);
  }), a);
}

/** One dimension of a slice after ONNX's clamping: start, step and the length taken. */
function sliceDim(op: string, d: number, n: number, start: unknown, end: unknown, step: unknown): [number, number, number] {
  const num = (name: string, v: unknown) => {
    if (typeof v !== 'number' || Number.isNaN(v) || (!Number.isInteger(v) && Number.isFinite(v))) throw rangeError(op, `${name}[${d}] must be an integer, got ${String(v)}`);
    return v;
  };
  const st = step === undefined ? 1 : num('steps', step);
  if (st === 0 || !Number.isFinite(st)) throw rangeError(op, `steps[${d}] must be a non-zero integer, got ${st}`);
  let s = num('starts', start), e = num('ends', end);
  if (s < 0) s += n;
  if (e < 0) e += n;
  if (st > 0) {
    s = Math.min(Math.max(s, 0), n); e = Math.min(Math.max(e, 0), n);
    return [s, st, Math.max(0, Math.ceil((e - s) / st))];
  }
  s = Math.min(Math.max(s, 0), n - 1); e = Math.min(Math.max(e, -1), n - 1);
  return [s, st, Math.max(0, Math.ceil((s - e) / -st))];
}

function sliceInfo(op: string, shape: readonly number[], starts: unknown, ends: unknown, steps: unknown) {
  if (!Array.isArray(starts)) throw invalidType(op, 'starts', 'an array of integers', starts);
  if (!Array.isArray(ends)) throw invalidType(op, 'ends', 'an array of integers', ends);
  if (steps !== undefined && !Array.isArray(steps)) throw invalidType(op, 'steps', 'an array of integers', steps);
  const k = starts.length;
  if (ends.length !== k || (steps !== undefined && (steps as unknown[]).length !== k) || k > shape.length) {
    throw rangeError(op, `starts, ends (and steps) must have the same length, at most x's rank ${shape.length} (x ${shapeStr(shape)}), got ${k}, ${ends.length}${steps !== undefined ? `, ${(steps as unknown[]).length}` : ''}`);
  }
  const xs = stridesOf(shape);
  const out = shape.slice(), xStrides = xs.slice();
  let xOffset = 0;
  for (let d = 0; d < k; d++) {
    const [s, st, len] = sliceDim(op, d, shape[d], starts[d], ends[d], steps === undefined ? undefined : (steps as unknown[])[d]);
    out[d] = len;
    if (len > 0) xOffset += s * xs[d];
    xStrides[d] = st * xs[d];
  }
  return { out, xOffset, xStrides };
}

/**
 * A strided window of x, as numpy's `x[s0:e0:t0, s1:e1:t1, ...]` or ONNX Slice over the first
 * `starts.length` axes: negative starts and ends count from the end, steps may be negative,
 * out-of-range bounds are clamped (ONNX's rules).
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor {
  const op = 'slice';
  const xt = checkTensor(op, 'x', x);
  checkRank(op, xt.shape);
  const { out, xOffset, xStrides } = sliceInfo(op, xt.shape, starts, ends, steps);
  const be = backend();
  const y = new Tensor(be.output(size(out)), out);
  if (y.size > 0) be.copyStrided(xt.data, y.data, { shape: out, xOffset, xStrides, yOffset: 0, yStrides: stridesOf(out) });
  if (needsGrad(xt)) {
    const xShape = xt.shape;
    const [s0, e0, t0] = [[...starts], [...ends], steps === undefined ? undefined : [...steps]];
    record(op, y, [xt], (gy) => [sliceBackward(gy, xShape, s0, e0, t0)]);
  }
  return y;
}

/** The gradient of {@link slice}: dy scattered into zeros of x's shape. */
export function sliceBackward(dy: Tensor, xShape: readonly number[], starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor {
  const op = 'sliceBackward';
  const dyt = checkTensor(op, 'dy', dy);
  const { out, xOffset, xStrides } = sliceInfo(op, xShape, starts, ends, steps);
  if (out.length !== dyt.rank || out.some((d, i) => d !== dyt.shape[i])) throw rangeError(op, `dy ${shapeStr(dyt.shape)} must be the slice's shape ${shapeStr(out)}`);
  const dx = new Tensor(new Float32Array(size(xShape)), xShape.slice());
  if (dyt.size > 0) backend().copyStrided(dyt.data, dx.data, { shape: out, xOffset: 0, xStrides: stridesOf(out), yOffset: xOffset, yStrides: xStrides });
  return dx;
}

/** Options of {@link pad}. */
export interface PadOptions {
  /** `'constant'` (default: fill with value), `'reflect'` (mirror, edge not repeated) or `'edge'` (repeat the border). */
  mode?: PadMode;
  /** The fill of constant mode. Default 0. */
  value?: number;
}

function padArgs(op: string, shape: readonly number[], pads: unknown): [number[], number[]] {
  const r = shape.length;
  if (!Array.isArray(pads)) throw invalidType(op, 'pads', 'an array of integers', pads);
  if (pads.length !== 2 * r) throw rangeError(op, `pads must have ${2 * r} entries ([begin..., end...]) for x ${shapeStr(shape)}, got ${pads.length}`);
  pads.forEach((p: unknown) => { if (typeof p !== 'number' || !Number.isInteger(p)) throw rangeError(op, `pads must be integers, got [${pads.join(', ')}]`); });
  return [pads.slice(0, r) as number[], pads.slice(r) as number[]];
}

/**
 * x padded (ONNX Pad): `pads` is `[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`, one begin and
 * one end per axis; negative pads crop.
 */
export function pad(x: Tensor, pads: readonly number[], options?: PadOptions): Tensor {
  const op = 'pad';
  const xt = checkTensor(op, 'x', x);
  const o = checkOptions(op, options, ['mode', 'value']);
  const mode = checkOneOf(op, 'mode', o.mode, ['constant', 'reflect', 'edge'] as const, 'constant');
  if (o.value !== undefined && typeof o.value !== 'number') throw invalidType(op, 'value', 'a number', o.value);
  const value = (o.value as number | undefined) ?? 0;
  if (xt.rank === 0) throw rangeError(op, 'x is a scalar: nothing to pad');
  checkRank(op, xt.shape);
  const [begins, ends] = padArgs(op, xt.shape, pads);
  const out = padOutputShape(op, xt.shape, begins, ends, mode);
  const be = backend();
  const y = new Tensor(be.output(size(out)), out);
  if (y.size > 0) be.pad(xt.data, y.data, { inShape: xt.shape.slice(), begins, ends, mode, value });
  if (needsGrad(xt)) {
    const xShape = xt.shape;
    const p = [...begins, ...ends];
    record(op, y, [xt], (gy) => [padBackward(gy, xShape, p, { mode, value })]);
  }
  return y;
}

/**
 * The gradient of {@link pad}: dy cropped back to x's shape; reflect and edge add each padded
 * cell's gradient into the cell it copied.
 */
export function padBackward(dy: Tensor, xShape: readonly number[], pads: readonly number[], options?: PadOptions): Tensor {
  const op = 'padBackward';
  const dyt = checkTensor(op, 'dy', dy);
  const o = checkOptions(op, options, ['mode', 'value']);
  const mode = checkOneOf(op, 'mode', o.mode, ['constant', 'reflect', 'edge'] as const, 'constant');
  const [begins, ends] = padArgs(op, xShape, pads);
  const out = padOutputShape(op, xShape, begins, ends, mode);
  if (out.length !== dyt.rank || out.some((d, i) => d !== dyt.shape[i])) throw rangeError(op, `dy ${shapeStr(dyt.shape)} must be the padded shape ${shapeStr(out)}`);
  if (mode === 'constant') return pad(dyt, [...begins.map((b) => -b), ...ends.map((e) => -e)]);
  // reflect / edge: every dy cell adds into the x cell it was copied from.
  const r = xShape.length, xs = stridesOf(xShape), dx = new Float32Array(size(xShape));
  const idx = new Array<number>(r).fill(0);
  for (let t = 0; t < dyt.size; t++) {
    let xo = 0;
    for (let d = 0; d < r; d++) {
      const n = xShape[d], i = idx[d] - begins[d];
      const src = i >= 0 && i < n ? i : mode === 'edge' ? (i < 0 ? 0 : n - 1) : (i < 0 ? -i : 2 * (n - 1) - i);
      xo += src * xs[d];
    }
    dx[xo] += dyt.data[t];
    for (let d = r - 1; d >= 0; d--) { if (++idx[d] < out[d]) break; idx[d] = 0; }
  }
  return new Tensor(dx, xShape.slice());
}

/** The gradient of {@link reshape} and {@link flatten}: dy under x's shape. */
export function reshapeBackward(dy: Tensor, xShape: readonly number[]): Tensor {
  return reshape(dy, xShape.slice());
}

