// Optimizer base: holds the parameters; zeroGrad clears their accumulated gradients.
import { Tensor, zeros } from '../tensor';
import { checkFinite, checkOptions } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor } from '../tensor';

/**
 * The base of the optimizers (torch.optim.Optimizer): holds the parameters it updates.
 * A training step is `optimizer.zeroGrad(); model.forward(x); model.backward(dy); optimizer.step()`.
 */
/** A parameter as optimizers take it: a Tensor with `.grad` (model.parameters()), or a legacy `{ value, grad }` record. */
export type Parameter = Tensor | { name?: string; value: Tensor; grad: Tensor };

/** The base of the optimizers: holds the parameters; step() updates them from their gradients. */
export abstract class Optimizer {
  /** The learning rate (>= 0). Mutable, like param_groups[0].lr in PyTorch, for learning-rate schedules. */
  lr = 0;
  /** The parameters this optimizer updates (a copy of the array it was given). */
  protected readonly params: Parameter[];

  /**
   * Keeps a copy of the parameter array (for subclasses; users construct {@link SGD} or {@link Adam}).
   * @param op - the optimizer's name in error messages, e.g. `'optim.SGD'`.
   * @param params - the parameters to update, e.g. `model.parameters()`; not empty.
   */
  constructor(
    /** The optimizer's name in error messages, e.g. `'optim.SGD'`. */
    protected readonly op: string,
    params: Parameter[]) {
    if (!Array.isArray(params) || params.length === 0) throw rangeError(op, 'params must be a non-empty array of parameters (model.parameters())');
    // A copy: the caller's array may change after construction, the optimizer's state may not.
    this.params = [...params];
    for (let k = 0; k < this.params.length; k++) this.tensors(op, k, 0);
  }

  /** Updates every parameter's value from its grad (one optimization step). */
  abstract step(): void;

  /** The caller's options object, checked, with the required lr (>= 0) read into this.lr. */
  protected readOptions(options: unknown, keys: readonly string[]): Record<string, unknown> {
    const o = checkOptions(this.op, options, keys);
    if (o.lr === undefined) throw rangeError(this.op, 'lr is required');
    this.lr = nonNegative(this.op, 'lr', o.lr, 0);
    return o;
  }

  /** Sets every parameter's grad to 0 (gradients accumulate across backward calls until then). */
  zeroGrad(): void {
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k];
      if (p instanceof Tensor) p.grad = null;
      else this.tensors(`${this.op}.zeroGrad`, k, 0).g.fill(0);
    }
  }

  /**
   * Parameter k's value and grad data, each read once through checkTensor, with their sizes
   * checked against each other and against the optimizer's state of `stateSize` elements
   * (0: no state yet), so a parameter swapped or resized since construction is an error.
   */
  protected tensors(op: string, k: number, stateSize: number): {
    /** The parameter's value data. */
    w: Float32Array;
    /** Its grad data. */
    g: Float32Array;
  } {
    const p = this.params[k];
    if (p instanceof Tensor) {
      // Interim: a parameter no gradient reached counts as a zero gradient.
      if (p.grad === null) p.grad = zeros(p.shape);
      return { w: p.data, g: p.grad.data };
    }
    if (p === null || typeof p !== 'object') throw invalidType(op, `params[${k}]`, 'a parameter { name, value, grad }', p);
    const w = checkTensor(op, `params[${k}].value`, p.value);
    const g = checkTensor(op, `params[${k}].grad`, p.grad);
    if (g.size !== w.size || (stateSize !== 0 && w.size !== stateSize)) {
      throw rangeError(op, `params[${k}] (${p.name}) has value ${shapeStr(w.shape)} and grad ${shapeStr(g.shape)}${stateSize ? ` but the optimizer's state holds ${stateSize} elements` : ''}`);
    }
    return { w: w.data, g: g.data };
  }
}

export function nonNegative(op: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = checkFinite(op, name, v);
  if (n < 0) throw rangeError(op, `${name} must be >= 0, got ${n}`);
  return n;
}
