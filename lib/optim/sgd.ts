// optim.SGD, PyTorch's update: g = grad + wd*p; buf = momentum*buf + g (buf = g at the first
// step); g = nesterov ? g + momentum*buf : buf; p -= lr*g.
import type { Parameter } from './optimizer';
import { checkBool } from '../check';
import { rangeError } from '../errors';
import { nonNegative, Optimizer } from './optimizer';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate (>= 0). Required. */
  lr: number;
  /** Momentum factor (>= 0). Default 0 (plain SGD). */
  momentum?: number;
  /** L2 penalty (>= 0): `weightDecay * value` is added to the gradient. Default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay,
 * with PyTorch's update: `g = grad + weightDecay*p; buf = momentum*buf + g` (buf = g at the
 * first step); `g = nesterov ? g + momentum*buf : buf; p -= lr*g`.
 * @example
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * ```
 */
export class SGD extends Optimizer {
  /** Momentum factor (default 0). */
  readonly momentum: number;
  /** L2 penalty added to the gradient (default 0). */
  readonly weightDecay: number;
  /** Whether Nesterov momentum is used (default false). */
  readonly nesterov: boolean;
  private readonly buffers: (Float32Array | null)[];

  /**
   * Creates the optimizer (momentum buffers start empty).
   * @param params - the parameters to update, e.g. `model.parameters()`.
   * @param options - lr (required), momentum, weightDecay, nesterov; see {@link SGDOptions}.
   */
  constructor(params: Parameter[], options: SGDOptions) {
    const op = 'optim.SGD';
    super(op, params);
    const o = this.readOptions(options, ['lr', 'momentum', 'weightDecay', 'nesterov']);
    this.momentum = nonNegative(op, 'momentum', o.momentum, 0);
    this.weightDecay = nonNegative(op, 'weightDecay', o.weightDecay, 0);
    this.nesterov = checkBool(op, 'nesterov', o.nesterov, false);
    if (this.nesterov && this.momentum === 0) throw rangeError(op, 'nesterov needs momentum > 0');
    this.buffers = params.map(() => null);
  }

  step(): void {
    const { lr, momentum, weightDecay, nesterov } = this;
    this.params.forEach((_, k) => {
      let buf = this.buffers[k];
      const { w, g } = this.tensors('optim.SGD.step', k, buf === null ? 0 : buf.length);
      const first = buf === null;
      if (momentum !== 0 && buf === null) buf = this.buffers[k] = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        let d = g[i] + weightDecay * w[i];
        if (buf !== null) {
          buf[i] = first ? d : momentum * buf[i] + d;
          d = nesterov ? d + momentum * buf[i] : buf[i];
        }
        w[i] -= lr * d;
      }
    });
  }
}
