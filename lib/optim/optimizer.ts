// Optimizer base: holds the parameters; zeroGrad clears their accumulated gradients.
import type { Parameter } from '../nn/module';
import { checkFinite, checkOptions } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor } from '../tensor';

export abstract class Optimizer {
  /** Mutable, like param_groups[0].lr in PyTorch, for learning-rate schedules. */
  lr = 0;
  protected readonly params: Parameter[];

  constructor(protected readonly op: string, params: Parameter[]) {
    if (!Array.isArray(params) || params.length === 0) throw rangeError(op, 'params must be a non-empty array of parameters (model.parameters())');
    // A copy: the caller's array may change after construction, the optimizer's state may not.
    this.params = [...params];
    for (let k = 0; k < this.params.length; k++) this.tensors(op, k, 0);
  }

  abstract step(): void;

  /** The caller's options object, checked, with the required lr (>= 0) read into this.lr. */
  protected readOptions(options: unknown, keys: readonly string[]): Record<string, unknown> {
    const o = checkOptions(this.op, options, keys);
    if (o.lr === undefined) throw rangeError(this.op, 'lr is required');
    this.lr = nonNegative(this.op, 'lr', o.lr, 0);
    return o;
  }

  zeroGrad(): void {
    for (let k = 0; k < this.params.length; k++) this.tensors(`${this.op}.zeroGrad`, k, 0).g.fill(0);
  }

  /**
   * Parameter k's value and grad data, each read once through checkTensor, with their sizes
   * checked against each other and against the optimizer's state of `stateSize` elements
   * (0: no state yet), so a parameter swapped or resized since construction is an error.
   */
  protected tensors(op: string, k: number, stateSize: number): { w: Float32Array; g: Float32Array } {
    const p = this.params[k];
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
