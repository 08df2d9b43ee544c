// optim.Adam and optim.AdamW, PyTorch 1.13's single-tensor updates, per parameter (its own step):
// Adam adds weightDecay*p to the gradient; AdamW first decays p *= 1 - lr*weightDecay. Then
// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2 (amsgrad: vmax = max(vmax, v), used below for v);
// p -= (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps).
import { checkBool } from '../check';
import { invalidType, rangeError } from '../errors';
import { boolField, type HyperValue, nonNegative, nonNegativeField, Optimizer, setFields } from './optimizer';
import type { ParamLike } from './params';

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate (>= 0). Required; 1e-3 is the usual choice. */
  lr: number;
  /** Decay rates of the first and second moment estimates, each in [0, 1). Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Added to the denominator for numerical stability (>= 0). Default 1e-8. */
  eps?: number;
  /**
   * Weight decay (>= 0). Adam: an L2 penalty added to the gradient (default 0); AdamW:
   * decoupled, `p *= 1 - lr*weightDecay` before the update (default 1e-2), as torch.
   */
  weightDecay?: number;
  /** Use the maximum of the second moment estimates so far (AMSGrad). Default false. */
  amsgrad?: boolean;
}

function checkBetas(op: string, name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw invalidType(op, name, 'two numbers [beta1, beta2]', v);
  const b: unknown[] = [...v];
  if (b.some((x) => !(typeof x === 'number' && x >= 0 && x < 1))) {
    throw rangeError(op, `${name} must be two numbers in [0, 1), got ${JSON.stringify(b)}`);
  }
  return b as [number, number];
}

/** The shared implementation of {@link Adam} and {@link AdamW}. */
export abstract class AdamBase extends Optimizer {
  /** Decay rates of the moment estimates (default [0.9, 0.999]). Mutable: {@link OneCycleLR} cycles beta1. */
  betas: [number, number];
  /** Denominator term for numerical stability (default 1e-8). */
  readonly eps: number;
  /** The weight decay: L2 in the gradient (Adam) or decoupled (AdamW). */
  readonly weightDecay: number;
  /** Whether AMSGrad is used (default false). */
  readonly amsgrad: boolean;

  /**
   * Reads the options shared by Adam and AdamW (for the subclasses).
   * @param op - `'optim.Adam'` or `'optim.AdamW'`.
   * @param params - the parameters to update.
   * @param options - see {@link AdamOptions}.
   * @param decoupled - AdamW's decoupled weight decay (else Adam's L2 in the gradient).
   */
  constructor(op: string, params: readonly ParamLike[], options: AdamOptions,
    /** Whether the weight decay is decoupled (AdamW). */
    private readonly decoupled: boolean) {
    super(op, params);
    const o = this.readOptions(options, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad']);
    this.betas = o.betas === undefined ? [0.9, 0.999] : checkBetas(op, 'betas', o.betas);
    this.eps = nonNegative(op, 'eps', o.eps, 1e-8);
    this.weightDecay = nonNegative(op, 'weightDecay', o.weightDecay, decoupled ? 1e-2 : 0);
    this.amsgrad = checkBool(op, 'amsgrad', o.amsgrad, false);
    this.steps = this.params.map(() => 0);
    this.slots.exp_avg = this.params.map(() => null);
    this.slots.exp_avg_sq = this.params.map(() => null);
    this.slots.max_exp_avg_sq = this.params.map(() => null);
  }

  step(): void {
    const op = `${this.op}.step`;
    const [b1, b2] = this.betas;
    const { lr, eps, weightDecay, amsgrad, decoupled } = this;
    const steps = this.steps!;
    const { exp_avg: ms, exp_avg_sq: vs, max_exp_avg_sq: vmaxs } = this.slots;
    for (let k = 0; k < this.params.length; k++) {
      const { w, g } = this.tensors(op, k, ms[k] === null ? 0 : ms[k]!.length);
      if (g === null) continue;
      if (ms[k] === null) {
        ms[k] = new Float32Array(w.length);
        vs[k] = new Float32Array(w.length);
      }
      if (amsgrad && vmaxs[k] === null) vmaxs[k] = new Float32Array(w.length);
      const m = ms[k]!;
      const v = vs[k]!;
      const vmax = amsgrad ? vmaxs[k]! : null;
      const t = ++steps[k];
      const stepSize = lr / (1 - b1 ** t);
      const c2 = Math.sqrt(1 - b2 ** t);
      const l2 = decoupled ? 0 : weightDecay;
      const shrink = decoupled ? 1 - lr * weightDecay : 1;
      for (let i = 0; i < w.length; i++) {
        if (shrink !== 1) w[i] *= shrink;
        const d = g[i] + l2 * w[i];
        m[i] = b1 * m[i] + (1 - b1) * d;
        v[i] = b2 * v[i] + (1 - b2) * d * d;
        let s = v[i];
        if (vmax !== null) s = vmax[i] = Math.max(vmax[i], s);
        w[i] -= (stepSize * m[i]) / (Math.sqrt(s) / c2 + eps);
      }
    }
  }

  protected hyper(): Record<string, HyperValue> {
    return { betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
  }

  protected setHyper(op: string, g: Record<string, unknown>): void {
    setFields<HyperValue>(this, op, g, { betas: checkBetas, eps: nonNegativeField, weightDecay: nonNegativeField, amsgrad: boolField }, 'paramGroups[0].');
  }

  protected override requiredWithStep(key: string): boolean {
    return key !== 'max_exp_avg_sq';
  }
}

/**
 * Adam (Kingma and Ba), with PyTorch's update: `m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)`, g including the L2 weight decay. Each
 * parameter counts its own steps (one with a null grad is skipped). State dict:
 * `<k>.step`, `<k>.exp_avg`, `<k>.exp_avg_sq` (and `<k>.max_exp_avg_sq` with amsgrad), as torch.
 * @example
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class Adam extends AdamBase {
  /**
   * Creates the optimizer (moment estimates start at 0).
   * @param params - the parameters to update, e.g. `model.parameters()`.
   * @param options - lr (required), betas, eps, weightDecay (L2, default 0), amsgrad; see {@link AdamOptions}.
   */
  constructor(params: readonly ParamLike[], options: AdamOptions) {
    super('optim.Adam', params, options, false);
  }
}

/**
 * AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, as torch.optim.AdamW:
 * `p *= 1 - lr*weightDecay` (default weightDecay 1e-2), then Adam's update without L2.
 * @example
 * ```ts
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export class AdamW extends AdamBase {
  /**
   * Creates the optimizer (moment estimates start at 0).
   * @param params - the parameters to update, e.g. `model.parameters()`.
   * @param options - lr (required), betas, eps, weightDecay (decoupled, default 1e-2), amsgrad; see {@link AdamOptions}.
   */
  constructor(params: readonly ParamLike[], options: AdamOptions) {
    super('optim.AdamW', params, options, true);
  }
}
