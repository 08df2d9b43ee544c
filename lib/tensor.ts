// Tensor: a contiguous, row-major float32 array with a shape. Ops never mutate their inputs.
import { inspect, types } from 'node:util';
import { formatTensor } from './format';
import { checkDim, checkOptions, isDim, isInt } from './check';
import { invalidType, rangeError, shapeStr } from './errors';
import { mulberry32, sharedRandom } from './random';
import { allocate } from './alloc';
import { AutogradMeta } from './autograd/node';
import { needsGrad, record } from './autograd/record';
import { runBackward, type BackwardOptions } from './autograd/backward';

/**
 * A tensor's dimensions, outermost first (row-major), e.g. `[N, C, H, W]`; `[]` is a scalar.
 * Every entry is a non-negative integer.
 */
export type Shape = readonly number[];
/** A tensor of either element type: float32 values or int32 integers (indices, counters read from files). */
export type AnyTensor = Tensor<Float32Array | Int32Array>;
/**
 * A number, or nested arrays of numbers: what {@link tensor} takes and {@link Tensor.toArray}
 * returns (`[[1, 2], [3, 4]]` is a `[2, 2]` tensor).
 */
export type NestedArray = number | NestedArray[];

/** Validates a shape and returns the product of its dimensions. */
export function shapeSize(op: string, shape: unknown, name = 'shape'): number {
  if (!Array.isArray(shape)) throw invalidType(op, name, 'an array of dimensions', shape);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    // The element's name is built only for the message (this runs on every op's every tensor).
    size *= isDim(d) ? d : checkDim(op, `${name}[${i}]`, d);
  }
  if (!Number.isSafeInteger(size)) throw rangeError(op, `${name} ${shapeStr(shape)} has too many elements`);
  return size;
}

/** numpy's limit; also bounds the work a Proxy claiming a huge shape length can cause. */
export const MAX_RANK = 64;

// The intrinsic %TypedArray%.prototype.length getter: an own or prototype-swapped `length`
// property on the array cannot lie to it.
const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Float32Array.prototype), 'length')!.get!;

/**
 * The element count of a real Float32Array, else a TypeError naming op and argument.
 * util.types.isFloat32Array, not instanceof: a Proxy or an object whose prototype was set to
 * Float32Array.prototype passes instanceof but has no float32 storage a kernel could use.
 */
export function float32Length(op: string, name: string, v: unknown): number {
  if (!types.isFloat32Array(v)) throw invalidType(op, name, 'a Float32Array', v);
  return typedArrayLength.call(v) as number;
}

/** The true element count of a real typed array (util.types.isTypedArray checked by the caller). */
export function typedLength(v: ArrayBufferView): number {
  return typedArrayLength.call(v) as number;
}

// The names ('x.data', 'x.shape') are built only for a message: this runs for every tensor of
// every op call.
const partName = (owner: string, part: string): string => (owner === '' ? part : `${owner}.${part}`);

/** A plain copy of owner's shape, each element read once (a Proxy or getters see one read each). */
function copyShape(op: string, owner: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw invalidType(op, partName(owner, 'shape'), 'an array of dimensions', shape);
  const rank: unknown = shape.length;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 0 || rank > MAX_RANK) {
    throw rangeError(op, `${partName(owner, 'shape')} must have at most ${MAX_RANK} dimensions, got length ${String(rank)}`);
  }
  const out: number[] = new Array(rank);
  for (let i = 0; i < rank; i++) out[i] = shape[i];
  return out;
}

/** Checks data against shape, reading each once; returns the data and a frozen plain shape. */
// owner: the argument's name ('x': messages say x.data, x.shape), or '' for a Tensor's own.
// ints: an Int32Array is accepted too (the Tensor constructor: argmax's indices, integer
// tensors from files); ops take float32 only.
function checkedParts(op: string, owner: string, data: unknown, shape: unknown, ints = false): [Float32Array, Shape] {
  const length = ints && types.isInt32Array(data) ? typedArrayLength.call(data) as number
    : types.isFloat32Array(data) ? typedArrayLength.call(data) as number : float32Length(op, partName(owner, 'data'), data);
  // A frozen array (every Tensor's own shape is one) cannot change, even behind a Proxy (its
  // traps must report a frozen target's values): used as it is. Anything else is copied.
  const frozen = Array.isArray(shape) && Object.isFrozen(shape) && (shape as unknown[]).length <= MAX_RANK;
  const dims = frozen ? shape as number[] : copyShape(op, owner, shape);
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (!isDim(d)) { size = shapeSize(op, dims, partName(owner, 'shape')); break; }
    size *= d;
  }
  if (!Number.isSafeInteger(size)) size = shapeSize(op, dims, partName(owner, 'shape'));
  if (length !== size) {
    throw rangeError(op, `${partName(owner, 'data')} has ${length} elements but ${partName(owner, 'shape')} ${shapeStr(dims)} needs ${size}`);
  }
  return [data as Float32Array, frozen ? dims : Object.freeze(dims)];
}

/**
 * A contiguous, row-major float32 array with a shape: the value every op takes and returns.
 *
 * `data` holds the elements in row-major order (the last dimension varies fastest); `shape`
 * says how to read them. Ops never change their inputs and return new tensors. Images and
 * feature maps are `[N, C, H, W]` (layout `'nchw'`, the default) or `[N, H, W, C]`
 * (`'nhwc'`); see {@link Layout}.
 *
 * @example
 * ```ts
 * const t = new Tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * t.get(1, 2);   // 6
 * t.reshape([3, -1]).shape;   // [3, 2]
 * ```
 */
export class Tensor<D extends Float32Array | Int32Array = Float32Array> {
  /**
   * The elements, row-major; `data.length === size`. Shared, not copied, by the constructor and
   * {@link Tensor.reshape}. Float32Array for every op's values; an Int32Array for indices
   * ({@link argmax}) and integer tensors read from files. As with Node's small Buffers, an op's
   * small result (up to 1 KB) may be a view into a buffer shared with other results: use
   * `data.byteOffset` and `data.byteLength` with `data.buffer` (transferring that buffer to a
   * worker copies it).
   */
  readonly data: D;
  /** The dimensions, outermost first (frozen): `[N, C, H, W]` for an NCHW batch, `[]` for a scalar. */
  readonly shape: Shape;

  /**
   * Wraps `data` without copying it.
   * @param data - the elements, row-major (a Float32Array, or an Int32Array for integers).
   * @param shape - the dimensions; their product must equal `data.length`.
   * @throws TypeError if data is not a Float32Array or Int32Array or shape not an array;
   *   RangeError if `data.length !== product(shape)` or a dimension is not a non-negative integer.
   */
  constructor(data: D, shape: Shape) {
    const [d, s] = checkedParts('Tensor', '', data, shape, true);
    this.data = d as D;
    this.shape = s;
  }

  /**
   * The autograd identity (lib/autograd), shared with the snapshots ops take of this tensor:
   * null for a tensor no gradient flows through. Internal: use requiresGrad, grad, backward.
   * @internal
   */
  _ag: AutogradMeta | null = null;

  /**
   * Whether gradients flow to this tensor (as torch's requires_grad): set it on a leaf (a
   * tensor you made: a weight, an input) and every op over it records itself, so
   * {@link Tensor.backward} can fill {@link Tensor.grad}. Ops' results report true when any
   * input did. Only leaves can be changed, and only float32 tensors can require grad.
   */
  get requiresGrad(): boolean {
    return this._ag !== null && this._ag.requiresGrad;
  }

  /** Marks a leaf as needing gradients (true) or not (false). */
  set requiresGrad(v: boolean) {
    if (typeof v !== 'boolean') throw invalidType('requiresGrad', 'value', 'a boolean', v);
    if (this._ag?.node) {
      throw rangeError('requiresGrad', `can be changed only on a leaf tensor; this ${shapeStr(this.shape)} one was made by ${this._ag.node.op} (use detach() for a leaf with the same data)`);
    }
    if (v && !types.isFloat32Array(this.data)) throw rangeError('requiresGrad', 'only float32 tensors can require grad');
    if (this._ag) this._ag.requiresGrad = v;
    else if (v) this._ag = new AutogradMeta(true, null);
  }

  /**
   * The gradient accumulated by {@link Tensor.backward} calls into this leaf (same shape), or
   * null before any; optimizers' zeroGrad sets it back to null. Tensors made by ops keep none.
   */
  get grad(): Tensor | null {
    return this._ag?.grad ?? null;
  }

  /** Replaces the accumulated gradient (same shape), or clears it with null. */
  set grad(g: Tensor | null) {
    if (g !== null) {
      const t = checkTensor('grad', 'value', g);
      if (t.rank !== this.rank || t.shape.some((d, i) => d !== this.shape[i])) {
        throw rangeError('grad', `the gradient ${shapeStr(t.shape)} does not match the tensor ${shapeStr(this.shape)}`);
      }
    }
    if (this._ag) this._ag.grad = g;
    else if (g !== null) (this._ag = new AutogradMeta(false, null)).grad = g;
  }

  /** The name of the op that made this tensor on the tape (e.g. `'conv2d'`), or null for a leaf. */
  get gradFn(): string | null {
    return this._ag?.node?.op ?? null;
  }

  /** Whether this is a leaf of the tape: made by the user (or inside noGrad), not recorded by an op. */
  get isLeaf(): boolean {
    return !this._ag?.node;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad and adds
   * it into their {@link Tensor.grad} (as torch's backward). The tape it walked is freed.
   * @param grad - dL/d(this tensor), same shape; omit it for a one-element tensor (a loss).
   * @param opts - `retainGraph: true` keeps the tape for another backward.
   * @throws RangeError if this tensor does not require grad, grad is missing for a
   *   multi-element tensor or has another shape, or the tape was freed by an earlier backward.
   */
  backward(grad?: Tensor, opts?: BackwardOptions): void {
    runBackward(this._ag, this.shape, grad, opts);
  }

  /** The same data (shared, no copy) as a new leaf with no history: no gradient flows through it. */
  detach(): Tensor<D> {
    return trustedTensor(this.data, this.shape);
  }

  /** The number of elements: the product of `shape` (1 for a scalar). */
  get size(): number {
    return this.data.length;
  }

  /** The number of dimensions: `shape.length` (0 for a scalar, 4 for `[N, C, H, W]`). */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * The same data under a new shape (no copy: writes through one show in the other).
   * @param shape - the new dimensions; one may be `-1`, inferred from the others. Their
   *   product must equal {@link Tensor.size}.
   * @throws RangeError if the sizes differ or more than one `-1` is given.
   */
  reshape(shape: Shape): Tensor<D> {
    if (!Array.isArray(shape)) throw invalidType('reshape', 'shape', 'an array of dimensions', shape);
    const inferred = shape.indexOf(-1);
    if (inferred >= 0 && shape.indexOf(-1, inferred + 1) >= 0) throw rangeError('reshape', `only one -1 allowed, got ${shapeStr(shape)}`);
    const dims = [...shape];
    if (inferred >= 0) {
      const known = dims.reduce((p, d, i) => (i === inferred ? p : p * checkDim('reshape', `shape[${i}]`, d)), 1);
      if (known === 0 || this.size % known !== 0) {
        throw rangeError('reshape', `cannot reshape ${shapeStr(this.shape)} to ${shapeStr(shape)}`);
      }
      dims[inferred] = this.size / known;
    }
    const size = shapeSize('reshape', dims);
    if (size !== this.size) throw rangeError('reshape', `cannot reshape ${shapeStr(this.shape)} (${this.size} elements) to ${shapeStr(shape)}`);
    const y = new Tensor(this.data, dims);
    const from = this.shape;
    if (needsGrad(this as Tensor)) record('reshape', y as Tensor, [this as Tensor], (gy) => [gy.reshape(from)]);
    return y;
  }

  /** A copy with its own data and the same shape (on the tape: the gradient passes through). */
  clone(): Tensor<D> {
    const y = new Tensor(this.data.slice() as D, this.shape);
    if (needsGrad(this as Tensor)) record('clone', y as Tensor, [this as Tensor], (gy) => [gy]);
    return y;
  }

  /** The elements as nested arrays, one level per dimension (a plain number for a scalar). */
  toArray(): NestedArray {
    if (this.rank === 0) return this.data[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === this.rank - 1 ? this.data[offset + i] : build(dim + 1, offset + i * stride);
      }
      return out;
    };
    return build(0, 0);
  }

  /**
   * One element, by one index per dimension: `t.get(n, c, h, w)` for a rank-4 tensor.
   * @throws RangeError if the index count differs from {@link Tensor.rank} or an index is out of range.
   */
  get(...index: number[]): number {
    if (index.length !== this.rank) throw rangeError('get', `expected ${this.rank} indices for shape ${shapeStr(this.shape)}, got ${index.length}`);
    let offset = 0;
    for (let i = 0; i < index.length; i++) {
      const v = index[i];
      if (!isInt(v) || v < 0 || v >= this.shape[i]) {
        throw rangeError('get', `index ${v} out of range for dimension ${i} of ${shapeStr(this.shape)}`);
      }
      offset = offset * this.shape[i] + v;
    }
    return this.data[offset];
  }

  /**
   * A readable description for `String(t)`, template strings and `console.log`: the shape
   * (and the values, truncated, as PyTorch prints a tensor).
   */
  toString(): string {
    const extra: string[] = [];
    if (this.data instanceof Int32Array) extra.push('dtype=int32');
    if (this.gradFn) extra.push(`gradFn=${this.gradFn}`);
    else if (this.requiresGrad) extra.push('requiresGrad=true');
    return formatTensor(this.data, this.shape, extra);
  }

  /** console.log(t) and util.inspect(t) print toString(). */
  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * @internal A Tensor over data and a frozen shape that are already known to agree (another
 * tensor's): no checks, for the tape's hot paths. Fields in the constructor's order, so both
 * kinds share one hidden class.
 */
export function trustedTensor<D extends Float32Array | Int32Array>(data: D, shape: Shape): Tensor<D> {
  const t = Object.create(Tensor.prototype) as { _ag: AutogradMeta | null; data: D; shape: Shape };
  t._ag = null;
  t.data = data;
  t.shape = shape;
  return t as unknown as Tensor<D>;
}

export function isTensor(v: unknown): v is Tensor<Float32Array | Int32Array> {
  return v instanceof Tensor;
}

/**
 * A plain Tensor snapshot of v (same data, copied shape), or a TypeError/RangeError naming op
 * and argument. v's `data` and `shape` are read exactly once, so a getter that changes between
 * reads, a Proxy or a fake object (Object.create(Tensor.prototype)) cannot hand the kernels a
 * shape that disagrees with the data. Ops use only the returned value, never v again.
 */
export function checkTensor(op: string, name: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) throw invalidType(op, name, 'a Tensor', v);
  const { data, shape, _ag } = v as { data: unknown; shape: unknown; _ag: unknown };
  const [d, s] = checkedParts(op, name, data, shape);
  // Checked just now: no second pass through the constructor's checks.
  const t = trustedTensor(d, s);
  // The snapshot shares the autograd identity, so gradients reach the caller's tensor.
  if (_ag instanceof AutogradMeta) t._ag = _ag;
  return t;
}

function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/**
 * A new tensor holding a copy of `values`.
 * @param values - nested arrays (the shape is inferred: `[[1, 2], [3, 4]]` is `[2, 2]`), a
 *   typed array or array-like of numbers (shape `[length]`), or one number (a scalar, shape `[]`).
 * @param shape - the dimensions to give the copied elements instead of the inferred ones
 *   (same element count).
 * @throws RangeError for ragged nested arrays or a shape that does not fit.
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape): Tensor {
  let flat: Float32Array;
  if (ArrayBuffer.isView(values) || (!Array.isArray(values) && typeof values === 'object')) {
    flat = Float32Array.from(values as ArrayLike<number>);
    return new Tensor(flat, shape ?? [flat.length]);
  }
  if (typeof values === 'number') {
    return new Tensor(Float32Array.of(values), shape ?? []);
  }
  if (!Array.isArray(values)) throw invalidType('tensor', 'values', 'nested arrays of numbers', values);
  const inferred = inferShape(values);
  const size = inferred.reduce((a, b) => a * b, 1);
  flat = new Float32Array(size);
  let k = 0;
  const walk = (v: unknown, dim: number): void => {
    if (dim === inferred.length) {
      if (typeof v !== 'number') throw invalidType('tensor', 'values', 'numbers', v);
      flat[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== inferred[dim]) throw rangeError('tensor', `ragged nested array: expected shape ${shapeStr(inferred)}`);
    for (const e of v) walk(e, dim + 1);
  };
  walk(values, 0);
  return new Tensor(flat, shape ?? inferred);
}

/** A zero-filled Float32Array for a creator's shape, or a RangeError naming op and shape. */
function fresh(op: string, shape: Shape): Float32Array {
  const n = shapeSize(op, shape);
  return allocate(op, n, () => ({ what: `shape ${shapeStr(shape)}`, context: '' }), (k) => new Float32Array(k));
}

/** A new tensor of `shape` filled with 0. */
export function zeros(shape: Shape): Tensor {
  return new Tensor(fresh('zeros', shape), shape);
}

/** A new tensor of `shape` with every element set to `value` (stored as float32). */
export function full(shape: Shape, value: number): Tensor {
  return new Tensor(fresh('full', shape).fill(value), shape);
}

/** A new tensor of `shape` filled with 1. */
export function ones(shape: Shape): Tensor {
  return full(shape, 1);
}

function rng(op: string, opts?: { seed?: number }): () => number {
  const o = checkOptions(op, opts, ['seed']);
  if (o.seed === undefined) return sharedRandom();
  if (typeof o.seed !== 'number' || !Number.isFinite(o.seed)) throw rangeError(op, `seed must be a finite number, got ${String(o.seed)}`);
  return mulberry32(o.seed);
}

/**
 * A new tensor of `shape` with elements drawn uniformly from [0, 1).
 * @param opts - `seed`: a finite number for a reproducible stream (a mulberry32 generator);
 *   without it, the generator {@link manualSeed} seeds (Math.random until it is called).
 */
export function rand(shape: Shape, opts?: {
  /** Seed (a finite number) for a stream of its own; default: the shared generator of {@link manualSeed}. */
  seed?: number;
}): Tensor {
  const next = rng('rand', opts);
  const t = new Tensor(fresh('rand', shape), shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = next();
  return t;
}

/**
 * A new tensor of `shape` with elements drawn from the standard normal distribution (mean 0,
 * standard deviation 1; Box-Muller).
 * @param opts - `seed`: a finite number for a reproducible stream; without it, the generator
 *   {@link manualSeed} seeds (Math.random until it is called).
 */
export function randn(shape: Shape, opts?: {
  /** Seed (a finite number) for a stream of its own; default: the shared generator of {@link manualSeed}. */
  seed?: number;
}): Tensor {
  const next = rng('randn', opts);
  const t = new Tensor(fresh('randn', shape), shape);
  for (let i = 0; i < t.data.length; i += 2) {
    const u = 1 - next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    t.data[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < t.data.length) t.data[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return t;
}
