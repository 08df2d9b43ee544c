// optim.Adam, PyTorch's update (L2 weight decay added to the gradient):
// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps).
import type { Parameter } from './optimizer';
import { rangeError } from '../errors';
import { nonNegative, Optimizer } from './optimizer';

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Learning rate (>= 0). Required; 1e-3 is the usual choice. */
  lr: number;
  /** Decay rates of the first and second moment estimates, each in [0, 1). Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Added to the denominator for numerical stability (>= 0). Default 1e-8. */
  eps?: number;
  /** L2 penalty (>= 0) added to the gradient, as torch.optim.Adam (not decoupled as AdamW). Default 0. */
  weightDecay?: number;
}

/**
 * Adam (Kingma and Ba), with PyTorch's update: `m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)`, g including the L2 weight decay.
 * @example
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class Adam extends Optimizer {
  /** Decay rates of the moment estimates (default [0.9, 0.999]). */
  readonly betas: [number, number];
  /** Denominator term for numerical stability (default 1e-8). */
  readonly eps: number;
  /** L2 penalty added to the gradient (default 0). */
  readonly weightDecay: number;
  private t = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  /**
   * Creates the optimizer (moment estimates start at 0).
   * @param params - the parameters to update, e.g. `model.parameters()`.
   * @param options - lr (required), betas, eps, weightDecay; see {@link AdamOptions}.
   */
  constructor(params: Parameter[], options: AdamOptions) {
    const op = 'optim.Adam';
    super(op, params);
    const o = this.readOptions(options, ['lr', 'betas', 'eps', 'weightDecay']);
    const betas = (o.betas ?? [0.9, 0.999]) as [number, number];
    if (!Array.isArray(betas) || betas.length !== 2 || betas.some((b) => !(b >= 0 && b < 1))) {
      throw rangeError(op, `betas must be two numbers in [0, 1), got ${JSON.stringify(o.betas)}`);
    }
    this.betas = betas;
    this.eps = nonNegative(op, 'eps', o.eps, 1e-8);
    this.weightDecay = nonNegative(op, 'weightDecay', o.weightDecay, 0);
    this.m = this.params.map((_, k) => new Float32Array(this.tensors(op, k, 0).w.length));
    this.v = this.m.map((m) => new Float32Array(m.length));
  }

  step(): void {
    this.t++;
    const [b1, b2] = this.betas;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const { lr, eps, weightDecay } = this;
    this.params.forEach((_, k) => {
      const m = this.m[k];
      const { w, g } = this.tensors('optim.Adam.step', k, m.length);
      const v = this.v[k];
      for (let i = 0; i < w.length; i++) {
        const d = g[i] + weightDecay * w[i];
        m[i] = b1 * m[i] + (1 - b1) * d;
        v[i] = b2 * v[i] + (1 - b2) * d * d;
        w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    });
  }
}
