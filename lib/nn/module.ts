// Module: the base of every layer and model, as torch.nn.Module. Children, parameters and
// buffers are found from own properties (so a structure that mirrors a PyTorch model has its
// state-dict names); gradients come from the tape (lib/autograd): layers have no backward code.
import { isGradEnabled, noGrad } from '../autograd/grad-mode';
import { AutogradMeta } from '../autograd/node';
import { invalidType, rangeError, shapeStr } from '../errors';
import { type AnyTensor, checkTensor, Tensor, zeros } from '../tensor';
import type { ProductPrecision } from '../ops/gemm';

/** What {@link Module.loadStateDict} did not match (with `strict: false`; strict loading throws instead). */
export interface LoadResult {
  /** The model's names the dict did not hold (left unchanged). */
  missingKeys: string[];
  /** The dict's names the model does not have (ignored). */
  unexpectedKeys: string[];
}

// The last training-mode forward of a module called with a plain input: the input (a leaf the
// module made, sharing the caller's data, so backward(dy) can return dx) and the output.
interface LastCall { input: Tensor; output: Tensor; own: boolean }

// summary(): while set, every module call reports its output shape here.
let trace: Map<Module, readonly number[]> | null = null;

/**
 * The base of every layer and model, as torch.nn.Module. Subclass it, assign layers, tensors
 * and arrays of layers to properties, and write `forward`:
 * - own properties that are Modules (or arrays of Modules, or an {@link ModuleList}) are the
 *   children; own Tensors with `requiresGrad` are the parameters; {@link Module.registerBuffer}
 *   adds state that is saved but not trained;
 * - names follow property paths (`layer1.0.conv1.weight`), so a model that mirrors a PyTorch
 *   one has the same state-dict names;
 * - parameters(), train(), eval(), stateDict(), loadStateDict() and summary() walk the tree.
 * Gradients come from the tape: `loss.backward()` fills every parameter's `.grad`.
 * @example
 * ```ts
 * class Block extends nn.Module {
 *   conv1 = new nn.Conv2d(64, 64, 3, { padding: 1, bias: false }); bn1 = new nn.BatchNorm2d(64);
 *   conv2 = new nn.Conv2d(64, 64, 3, { padding: 1, bias: false }); bn2 = new nn.BatchNorm2d(64);
 *   forward(x: Tensor) {
 *     return relu(add(this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x))))), x));
 *   }
 * }
 * ```
 */
export abstract class Module {
  /** Training mode (default true); set for the whole tree by train() and eval(). */
  training = true;
  /**
   * The arithmetic of the layers' eval-mode forward (default `'fp32'`); set for the whole tree
   * by {@link Module.setPrecision}.
   */
  precision: ProductPrecision = 'fp32';

  /** Sets up the module's hidden state (buffers, the last call); subclasses call super() first. */
  constructor() {
    // Hidden (non-enumerable) state, so property walks see only the user's fields.
    Object.defineProperty(this, '_buffers', { value: new Map<string, AnyTensor | null>(), enumerable: false });
    Object.defineProperty(this, '_last', { value: null, writable: true, enumerable: false });
    // forward is wrapped once per instance: the wrapper remembers a training-mode call for
    // backward(dy) and reports output shapes to summary(). The subclass's forward is already
    // on the prototype chain when this runs.
    const inner = this.forward;
    Object.defineProperty(this, 'forward', {
      value: (x: Tensor, ...rest: unknown[]) => this.runForward(inner, x, rest), enumerable: false, writable: true, configurable: true,
    });
  }

  /**
   * The buffers by name (registerBuffer), non-enumerable.
   * @internal
   */
  declare readonly _buffers: Map<string, AnyTensor | null>;
  /**
   * The last training-mode call, for backward(dy), non-enumerable.
   * @internal
   */
  declare _last: LastCall | null;

  /** Computes the module's output for x (see each layer for the shapes). */
  abstract forward(x: Tensor): Tensor;

  private runForward(inner: (x: Tensor, ...rest: unknown[]) => Tensor, x: Tensor, rest: unknown[]): Tensor {
    // A plain input in training mode becomes a leaf of the module's own (sharing x's data) that
    // requires grad only while the forward records and while backward(dy) runs, so dx is
    // computed only when backward(dy) asks for it, never for loss.backward().
    const own = this.training && isGradEnabled() && x instanceof Tensor && !x.requiresGrad && x.isLeaf;
    let input = x;
    if (own) {
      input = new Tensor(x.data, x.shape);
      input._ag = new AutogradMeta(true, null);
    }
    let y: Tensor;
    try {
      y = inner.call(this, input, ...rest);
    } finally {
      if (own) input._ag!.requiresGrad = false;
    }
    this._last = this.training && y instanceof Tensor && y.requiresGrad ? { input, output: y, own } : null;
    if (trace && y instanceof Tensor && !trace.has(this)) trace.set(this, y.shape);
    return y;
  }

  /** The same result as forward; layers with a native async kernel run it off the main thread. */
  forwardAsync(x: Tensor): Promise<Tensor> {
    return new Promise((resolve, reject) => {
      try { resolve(this.forward(x)); } catch (e) { reject(e); }
    });
  }

  /**
   * Backpropagates dy, the gradient of the loss with respect to the last training-mode
   * forward's output: `output.backward(dy)` (filling every parameter's grad), returning the
   * gradient with respect to that forward's input (zeros where none flows).
   * @throws Error if there was no training-mode forward (with grad enabled) since the last backward.
   */
  backward(dy: Tensor): Tensor {
    const last = this._last;
    if (last === null) throw new Error(`${this.constructor.name}.backward: call forward in training mode (with grad enabled) first`);
    const meta = last.input._ag;
    if (last.own && meta) { meta.requiresGrad = true; meta.grad = null; }
    try {
      last.output.backward(checkTensor(`${this.constructor.name}.backward`, 'dy', dy));
    } finally {
      if (last.own && meta) meta.requiresGrad = false;
    }
    this._last = null;
    const dx = last.input.grad;
    if (last.own && meta) meta.grad = null;
    return dx ?? zeros(last.input.shape);
  }

  /**
   * Adds a buffer: state saved in the state dict but not trained (BatchNorm's running
   * statistics), named `name` as PyTorch names it (`running_mean`). null reserves the name.
   */
  registerBuffer(name: string, tensor: AnyTensor | null): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) throw rangeError('registerBuffer', `name must be a non-empty string without dots, got ${JSON.stringify(name)}`);
    if (tensor !== null && !(tensor instanceof Tensor)) throw invalidType('registerBuffer', name, 'a Tensor or null', tensor);
    this._buffers.set(name, tensor);
  }

  /** The buffer registered as name (null if reserved with null). */
  getBuffer(name: string): AnyTensor | null {
    const t = this._buffers.get(name);
    if (t === undefined) throw rangeError('getBuffer', `${this.constructor.name} has no buffer ${JSON.stringify(name)}`);
    return t;
  }

  /** The direct sub-modules with their names: own properties that are Modules or arrays of them (`blocks.0`). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const key of Object.keys(this)) {
      const v: unknown = (this as Record<string, unknown>)[key];
      if (v instanceof Module) out.push([key, v]);
      else if (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module)) v.forEach((m: Module, i) => out.push([`${key}.${i}`, m]));
    }
    return out;
  }

  /** The direct sub-modules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every module below it, depth first, with their dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    const seen = new Set<Module>([this]);
    const walk = (m: Module, p: string): void => {
      for (const [name, child] of m.namedChildren()) {
        if (seen.has(child)) continue;
        seen.add(child);
        const full = p ? `${p}.${name}` : name;
        out.push([full, child]);
        walk(child, full);
      }
    };
    walk(this, prefix);
    return out;
  }

  /** This module's own parameters: own Tensor properties with requiresGrad. */
  private ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const key of Object.keys(this)) {
      const v: unknown = (this as Record<string, unknown>)[key];
      if (v instanceof Tensor && v.requiresGrad && !this._buffers.has(key)) out.push([key, v]);
    }
    return out;
  }

  /** Every parameter of the tree with its state-dict name (`'0.weight'`, `'layer1.0.conv1.weight'`), each once. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.ownParameters()) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Every parameter of the tree (for an optimizer: `new optim.SGD(model.parameters(), { lr })`). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every buffer of the tree with its state-dict name (`'bn1.running_mean'`). */
  namedBuffers(): [string, AnyTensor][] {
    const out: [string, AnyTensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m._buffers) if (t !== null) out.push([prefix ? `${prefix}.${name}` : name, t]);
    }
    return out;
  }

  /** Every buffer of the tree. */
  buffers(): AnyTensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /**
   * Sets training mode on the whole tree (mode false = eval); returns this. Drops the layers'
   * packed weights (see {@link Module.setPrecision}).
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw invalidType('train', 'mode', 'a boolean', mode);
    for (const [, m] of this.namedModules()) {
      m.training = mode;
      m.dropPacked();
    }
    return this;
  }

  /** Switches the whole tree to inference mode (BatchNorm uses its running statistics, Dropout passes through); returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Sets the arithmetic of the whole tree's eval-mode forward; returns this. `'bf16'` (see
   * {@link Precision}) runs the layers that are faster on bf16 operands that way, as
   * onnx.load's precision does: nn.Conv2d with a 1x1 kernel and one group, and nn.Linear on 8
   * rows or more; the others, and every layer in training mode, stay fp32. An nn.Conv2d converts
   * and packs its weight once per input shape, on its first eval-mode forward, and keeps that
   * copy until train(), eval(), setPrecision() or loadStateDict() is called: after writing into a
   * weight's data by hand, call eval() again. forwardAsync converts per call instead. Gradients
   * flow as through the fp32 product (conv2d's `precision`). `'int8'` (see
   * {@link ProductPrecision}) runs nn.Conv2d layers of one group and 16 input channels or more
   * on int8 operands in eval mode, their filters quantized once per input shape (as above),
   * the input per call; nn.Linear and the other layers stay fp32 (a linear layer would
   * quantize its weight on every call).
   * @param precision - `'fp32'` (the default), `'bf16'` or `'int8'`.
   * @throws RangeError for another value.
   */
  setPrecision(precision: ProductPrecision): this {
    if (precision !== 'fp32' && precision !== 'bf16' && precision !== 'int8') throw rangeError('setPrecision', `precision must be 'fp32', 'bf16' or 'int8', got ${JSON.stringify(precision)}`);
    for (const [, m] of this.namedModules()) {
      m.precision = precision;
      m.dropPacked();
    }
    return this;
  }

  /**
   * Forgets weights packed for eval-mode forwards (nn.Conv2d's), so the next one packs what the
   * parameters hold then. Called by train(), eval(), setPrecision() and loadStateDict().
   * @internal
   */
  protected dropPacked(): void {}

  /** A one-line description for summary(), e.g. "Conv2d(1, 6, kernel 5x5)"; the class name by default. */
  describe(): string {
    return `${this.constructor.name}()`;
  }

  /**
   * The parameters and buffers by name, in PyTorch's order (each module's parameters, then its
   * buffers, then its children), sharing their data: ready for {@link io}.saveSafetensors. The
   * record is prototype-free, so any name is an own key.
   */
  stateDict(): Record<string, AnyTensor> {
    const dict: Record<string, AnyTensor> = Object.create(null);
    const seen = new Set<AnyTensor>();
    for (const [prefix, m] of this.namedModules()) {
      const own: [string, AnyTensor][] = [...m.ownParameters(), ...[...m._buffers].filter((e): e is [string, AnyTensor] => e[1] !== null)];
      for (const [name, t] of own) {
        if (seen.has(t)) continue;
        seen.add(t);
        dict[prefix ? `${prefix}.${name}` : name] = t;
      }
    }
    return dict;
  }

  /**
   * Copies values into the parameters and buffers, e.g. from {@link io}.loadSafetensors (a state
   * dict PyTorch saved loads into a model of the same structure). Every shape must match; with
   * `strict` (the default) the names must match exactly too. Everything is checked before
   * anything is written. Integer tensors (BatchNorm's `num_batches_tracked`) load into integer
   * buffers; values convert between float and integer tensors.
   * @returns the names that did not match (empty lists when strict).
   * @throws RangeError naming the keys that are missing or unexpected (strict), or the key whose shape differs.
   */
  loadStateDict(dict: Record<string, AnyTensor>, opts?: {
    /** Require the dict's names to equal the model's (default true). */
    strict?: boolean;
  }): LoadResult {
    const op = 'loadStateDict';
    if (dict === null || typeof dict !== 'object') throw invalidType(op, 'dict', 'a record of Tensors', dict);
    const strictOpt: unknown = opts?.strict;
    if (strictOpt !== undefined && typeof strictOpt !== 'boolean') throw invalidType(op, 'strict', 'a boolean', strictOpt);
    const strict = strictOpt !== false;
    const targets = this.stateDict();
    const names = Object.keys(targets);
    // Own keys only (dict.constructor or dict.__proto__ must not count as a tensor).
    const keys = Object.keys(dict);
    const present = new Set(keys);
    const known = new Set(names);
    const unexpectedKeys = keys.filter((k) => !known.has(k));
    const missingKeys = names.filter((k) => !present.has(k));
    if (strict && (unexpectedKeys.length || missingKeys.length)) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys ${unexpectedKeys.join(', ')}`);
      throw rangeError(op, `${parts.join('; ')} (the model has ${names.length} keys)`);
    }
    const copies: [AnyTensor, Float32Array | Int32Array][] = [];
    for (const name of names) {
      if (!present.has(name)) continue;
      const v: unknown = dict[name];
      if (!(v instanceof Tensor)) throw invalidType(op, `dict[${JSON.stringify(name)}]`, 'a Tensor', v);
      // One read of data and shape (a getter cannot pass the check with one and copy another).
      const { data, shape } = v as AnyTensor;
      const target = targets[name];
      const len = ArrayBuffer.isView(data) ? (data as Float32Array | Int32Array).length : -1;
      if (!(data instanceof Float32Array || data instanceof Int32Array) || !Array.isArray(shape) || len !== target.size
        || shape.length !== target.rank || shape.some((d, i) => d !== target.shape[i])) {
        throw rangeError(op, `${name} has shape ${Array.isArray(shape) ? shapeStr(shape) : String(shape)} but the model expects ${shapeStr(target.shape)}`);
      }
      copies.push([target, data]);
    }
    noGrad(() => { for (const [target, data] of copies) target.data.set(data); });
    for (const [, m] of this.namedModules()) m.dropPacked();
    return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
  }

  /**
   * A table with one row per leaf module (name, description, output shape, parameter count)
   * and the total. With an input shape, the output shapes come from one forward of zeros, in
   * eval mode and without recording (modes and buffers are left as they were).
   * @param inputShape - the shape of an input x, e.g. `[1, 1, 28, 28]`.
   */
  summary(inputShape?: readonly number[]): string {
    const shapes = new Map<Module, readonly number[]>();
    if (inputShape !== undefined) {
      const x = zeros(inputShape);
      const modes = this.namedModules().map(([, m]) => [m, m.training] as const);
      const saved = this.buffers().map((b) => [b, b.data.slice()] as const);
      trace = shapes;
      try {
        this.eval();
        noGrad(() => this.forward(x));
      } finally {
        trace = null;
        for (const [m, mode] of modes) m.training = mode;
        for (const [b, data] of saved) (b.data as Float32Array).set(data as Float32Array);
      }
    }
    const rows: [string, string, string][] = [['Layer', 'Output shape', 'Params']];
    const counted = new Set<Tensor>();
    for (const [name, m] of this.namedModules()) {
      if (m.namedChildren().length > 0) continue;
      let count = 0;
      for (const [, t] of m.ownParameters()) if (!counted.has(t)) { counted.add(t); count += t.size; }
      const s = shapes.get(m);
      rows.push([`${name ? `${name}: ` : ''}${m.describe()}`, s ? shapeStr(s) : inputShape ? '(not called)' : '', count.toLocaleString('en-US')]);
    }
    const total = this.parameters().reduce((a, t) => a + t.size, 0);
    rows.push(['Total', '', total.toLocaleString('en-US')]);
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: [string, string, string]): string => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}`.trimEnd();
    const rule = '-'.repeat(widths[0] + widths[1] + widths[2] + 4);
    return [line(rows[0]), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1])].join('\n');
  }
}

/** Makes t a parameter (requiresGrad = true, as torch.nn.Parameter) and returns it. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  return t;
}
