// optim.SGD, PyTorch's update: g = grad + wd*p; buf = momentum*buf + (1-dampening)*g (buf = g
// at the first step); g = nesterov ? g + momentum*buf : buf; p -= lr*g.
import { checkBool } from '../check';
import { rangeError } from '../errors';
import { boolField, type HyperValue, nonNegative, nonNegativeField, Optimizer, setFields } from './optimizer';
import type { ParamLike } from './params';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate (>= 0). Required. */
  lr: number;
  /** Momentum factor (>= 0). Default 0 (plain SGD). */
  momentum?: number;
  /** Dampening of the momentum (>= 0): `buf = momentum*buf + (1-dampening)*g`. Default 0. */
  dampening?: number;
  /** L2 penalty (>= 0): `weightDecay * value` is added to the gradient. Default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay,
 * with PyTorch's update: `g = grad + weightDecay*p; buf = momentum*buf + (1-dampening)*g`
 * (buf = g at the first step); `g = nesterov ? g + momentum*buf : buf; p -= lr*g`.
 * State dict: `<k>.momentum_buffer` per parameter (with momentum), as torch.
 * @example
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * ```
 */
export class SGD extends Optimizer {
  /** Momentum factor (default 0). Mutable: {@link OneCycleLR} cycles it. */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  readonly dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  readonly weightDecay: number;
  /** Whether Nesterov momentum is used (default false). */
  readonly nesterov: boolean;

  /**
   * Creates the optimizer (momentum buffers start empty).
   * @param params - the parameters to update, e.g. `model.parameters()`.
   * @param options - lr (required), momentum, dampening, weightDecay, nesterov; see {@link SGDOptions}.
   */
  constructor(params: readonly ParamLike[], options: SGDOptions) {
    const op = 'optim.SGD';
    super(op, params);
    const o = this.readOptions(options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
    this.momentum = nonNegative(op, 'momentum', o.momentum, 0);
    this.dampening = nonNegative(op, 'dampening', o.dampening, 0);
    this.weightDecay = nonNegative(op, 'weightDecay', o.weightDecay, 0);
    this.nesterov = checkBool(op, 'nesterov', o.nesterov, false);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) throw rangeError(op, 'nesterov needs momentum > 0 and dampening 0');
    this.slots.momentum_buffer = this.params.map(() => null);
  }

  step(): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this;
    const bufs = this.slots.momentum_buffer;
    for (let k = 0; k < this.params.length; k++) {
      let buf = bufs[k];
      const { w, g } = this.tensors('optim.SGD.step', k, buf === null ? 0 : buf.length);
      if (g === null) continue;
      const first = buf === null;
      if (momentum !== 0 && buf === null) buf = bufs[k] = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        let d = g[i] + weightDecay * w[i];
        if (momentum !== 0 && buf !== null) {
          buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
          d = nesterov ? d + momentum * buf[i] : buf[i];
        }
        w[i] -= lr * d;
      }
    }
  }

  protected hyper(): Record<string, HyperValue> {
    return { momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  protected setHyper(op: string, g: Record<string, unknown>): void {
    setFields<HyperValue>(this, op, g, { momentum: nonNegativeField, dampening: nonNegativeField, weightDecay: nonNegativeField, nesterov: boolField }, 'paramGroups[0].');
  }
}
