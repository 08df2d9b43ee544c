// Module: the base of every layer. A layer caches what its backward needs during a forward in
// training mode; backward(dy) returns dx and adds the parameter gradients into param.grad.
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';

/** A learnable tensor of a module, with its accumulated gradient. */
export interface Parameter {
  /** Its state-dict name, PyTorch style: `'weight'`, `'bias'`, or `'0.weight'` inside a Sequential. */
  name: string;
  /** The current values (optimizers update them in place). */
  value: Tensor;
  /** The gradient of the loss with respect to value, same shape; backward adds into it, the optimizer's zeroGrad clears it. */
  grad: Tensor;
}

/**
 * The base of every layer, as torch.nn.Module: `forward` computes, `backward` returns the
 * input gradient and adds the parameter gradients into each {@link Parameter}.grad. A layer
 * keeps what its backward needs only during a forward in training mode.
 * @example
 * ```ts
 * const model = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.Flatten(), new nn.Linear(6 * 24 * 24, 10));
 * const y = model.forward(x);                 // x [N, 1, 28, 28] -> y [N, 10]
 * const { loss, dlogits } = crossEntropy(y, labels);
 * model.backward(dlogits);                    // fills every parameter's grad
 * ```
 */
export abstract class Module {
  /** Training mode (default true): forward keeps what backward needs. Set by train() and eval(). */
  training = true;

  /** Computes the layer's output for x (see each layer for the shapes). */
  abstract forward(x: Tensor): Tensor;

  /** The same result as forward; layers with a native async kernel run it off the main thread. */
  forwardAsync(x: Tensor): Promise<Tensor> {
    return new Promise((resolve, reject) => {
      try { resolve(this.forward(x)); } catch (e) { reject(e); }
    });
  }

  /**
   * Backpropagates dy, the gradient of the loss with respect to the last forward's output
   * (same shape): adds the parameter gradients into their grad and returns the gradient with
   * respect to that forward's input. Needs a forward in training mode first.
   */
  abstract backward(dy: Tensor): Tensor;

  /** The output shape for an input shape, checked as forward would check it. */
  abstract outputShape(inputShape: readonly number[]): number[];

  /** This layer's own parameters, unprefixed ('weight', 'bias'). */
  protected ownParameters(): Parameter[] {
    return [];
  }

  /** The learnable parameters, this module's and its children's, with PyTorch-style names. */
  parameters(): Parameter[] {
    return this.ownParameters();
  }

  /** Switches to training mode (and the children); returns this. */
  train(): this {
    this.training = true;
    return this;
  }

  /** Switches to inference mode (and the children): forward keeps nothing for backward. Returns this. */
  eval(): this {
    this.training = false;
    return this;
  }

  /** A short description for summary(), e.g. "Conv2d(1, 6, kernel 5)". */
  abstract describe(): string;

  /**
   * The parameters by name (`'0.weight'`, `'0.bias'`, ... as PyTorch names them), sharing their
   * data: ready for {@link io}.saveSafetensors. The record is prototype-free, so any name (even
   * "__proto__") is an own key, as in a loaded file.
   */
  stateDict(): Record<string, Tensor> {
    const dict: Record<string, Tensor> = Object.create(null);
    for (const p of this.parameters()) dict[p.name] = p.value;
    return dict;
  }

  /**
   * Copies values into the parameters, e.g. from {@link io}.loadSafetensors (a state dict PyTorch
   * saved loads into the same architecture). Every parameter must be present with its exact
   * shape, and nothing else; all are checked before any is written.
   */
  loadStateDict(dict: Record<string, Tensor>): void {
    const op = 'loadStateDict';
    if (dict === null || typeof dict !== 'object') throw invalidType(op, 'dict', 'a record of Tensors', dict);
    const params = this.parameters();
    const known = new Set(params.map((p) => p.name));
    const keys = Object.keys(dict);
    const unexpected = keys.filter((k) => !known.has(k));
    if (unexpected.length) throw rangeError(op, `unexpected keys ${unexpected.join(', ')} (expected ${[...known].join(', ')})`);
    // Own keys only (dict.constructor or dict.__proto__ must not count as a tensor), each read
    // once into a snapshot, and all checked before any parameter is written.
    const present = new Set(keys);
    const sources = params.map((p) => {
      if (!present.has(p.name)) throw rangeError(op, `missing key ${p.name}`);
      const t = checkTensor(op, `dict[${JSON.stringify(p.name)}]`, dict[p.name]);
      const target = checkTensor(op, `parameter ${p.name}`, p.value);
      if (t.size !== target.size || t.rank !== target.rank || t.shape.some((d, i) => d !== target.shape[i])) {
        throw rangeError(op, `${p.name} has shape ${shapeStr(t.shape)} but the model expects ${shapeStr(target.shape)}`);
      }
      return [target, t] as const;
    });
    for (const [target, t] of sources) target.data.set(t.data);
  }

  /**
   * A table with one row per layer (name, output shape, parameter count) and the total.
   * @param inputShape - the shape of an input x, e.g. `[1, 1, 28, 28]`.
   */
  summary(inputShape: readonly number[]): string {
    const rows: [string, string, string][] = [['Layer', 'Output shape', 'Params']];
    let total = 0;
    const visit = (m: Module, name: string, shape: readonly number[]): number[] => {
      const children = m.children();
      if (children.length) {
        let s = [...shape];
        for (const [childName, child] of children) s = visit(child, name ? `${name}.${childName}` : childName, s);
        return s;
      }
      const out = m.outputShape(shape);
      const count = m.parameters().reduce((a, p) => a + p.value.size, 0);
      total += count;
      rows.push([`${name ? `${name}: ` : ''}${m.describe()}`, `[${out.join(', ')}]`, count.toLocaleString('en-US')]);
      return out;
    };
    visit(this, '', inputShape);
    rows.push(['Total', '', total.toLocaleString('en-US')]);
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: [string, string, string]): string => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}`;
    const rule = '-'.repeat(widths[0] + widths[1] + widths[2] + 4);
    return [line(rows[0]), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1])].join('\n');
  }

  /** The named sub-modules (`['0', layer0], ...` for a Sequential; none for a single layer). */
  children(): [string, Module][] {
    return [];
  }
}

/** Throws unless a training-mode forward left a cached input. */
export function cached<T>(layer: string, v: T | null): T {
  if (v === null) throw new Error(`${layer}.backward: call forward in training mode first`);
  return v;
}

export function param(name: string, value: Tensor): Parameter {
  return { name, value, grad: new Tensor(new Float32Array(value.size), value.shape) };
}

/** grad += delta (gradients accumulate until the optimizer's zeroGrad). */
export function accumulate(p: Parameter, delta: Tensor): void {
  const g = p.grad.data;
  const d = delta.data;
  for (let i = 0; i < g.length; i++) g[i] += d[i];
}
