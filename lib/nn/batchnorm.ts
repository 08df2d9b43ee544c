// nn.BatchNorm2d: per-channel normalization with learned scale and shift and running
// statistics, as torch.nn.BatchNorm2d (state-dict names weight, bias, running_mean,
// running_var, num_batches_tracked).
import { checkBool, checkIntAtLeast, checkOptions } from '../check';
import { rangeError } from '../errors';
import { batchNorm2d } from '../ops/norm';
import type { Layout } from '../shape/conv2d-info';
import { ones, Tensor, zeros } from '../tensor';
import { Module, parameter } from './module';

/** Options of {@link BatchNorm2d}, as torch.nn.BatchNorm2d's. */
export interface BatchNorm2dLayerOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of each batch in the running statistics; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel scale (weight) and shift (bias). Default true. */
  affine?: boolean;
  /** Keep running statistics (used in eval mode). Default true; false normalizes by each batch's statistics in eval mode too. */
  trackRunningStats?: boolean;
  /** The input's layout. Default 'nchw'. */
  layout?: Layout;
}

/**
 * Batch normalization over the channels of `[N, C, H, W]` (or `[N, H, W, C]` with layout
 * 'nhwc'), as torch.nn.BatchNorm2d: in training mode each channel is normalized by the
 * batch's mean and variance, and the running statistics are updated in place; in eval mode
 * by the running statistics. Then scaled by weight and shifted by bias.
 * @example
 * ```ts
 * const bn = new nn.BatchNorm2d(64);
 * bn.forward(x);            // training: batch statistics, running ones updated
 * bn.eval().forward(x);     // inference: running statistics
 * ```
 */
export class BatchNorm2d extends Module {
  /** The scale (gamma) `[C]`, a parameter (null with `affine: false`). */
  readonly weight: Tensor | null;
  /** The shift (beta) `[C]`, a parameter (null with `affine: false`). */
  readonly bias: Tensor | null;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Weight of each batch in the running statistics (null: cumulative average). */
  readonly momentum: number | null;
  private readonly layout: Layout;

  /**
   * Creates the layer: weight 1, bias 0, running mean 0, running variance 1.
   * @param numFeatures - the channel count C.
   * @param options - eps, momentum, affine, trackRunningStats, layout; see {@link BatchNorm2dLayerOptions}.
   */
  constructor(
    /** The channel count C. */
    readonly numFeatures: number,
    options?: BatchNorm2dLayerOptions) {
    super();
    const op = 'nn.BatchNorm2d';
    const o = checkOptions(op, options, ['eps', 'momentum', 'affine', 'trackRunningStats', 'layout']) as BatchNorm2dLayerOptions;
    checkIntAtLeast(op, 'numFeatures', numFeatures, 1);
    this.eps = o.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps > 0)) throw rangeError(op, `eps must be a positive number, got ${String(o.eps)}`);
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    if (this.momentum !== null && (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1))) {
      throw rangeError(op, `momentum must be in [0, 1] or null, got ${String(o.momentum)}`);
    }
    const affine = checkBool(op, 'affine', o.affine, true);
    const track = checkBool(op, 'trackRunningStats', o.trackRunningStats, true);
    this.layout = o.layout ?? 'nchw';
    this.weight = affine ? parameter(ones([numFeatures])) : null;
    this.bias = affine ? parameter(zeros([numFeatures])) : null;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? new Tensor(new Int32Array(1), []) : null);
  }

  /** The running mean `[C]` (buffer `running_mean`), or null without trackRunningStats. */
  get runningMean(): Tensor | null { return this.getBuffer('running_mean') as Tensor | null; }
  /** The running variance `[C]` (buffer `running_var`), or null without trackRunningStats. */
  get runningVar(): Tensor | null { return this.getBuffer('running_var') as Tensor | null; }
  /** How many training batches updated the running statistics (buffer `num_batches_tracked`). */
  get numBatchesTracked(): number { return (this.getBuffer('num_batches_tracked')?.data[0]) ?? 0; }

  forward(x: Tensor): Tensor {
    const rm = this.runningMean;
    const rv = this.runningVar;
    const useBatch = this.training || rm === null;
    let momentum = this.momentum ?? 0;
    if (this.training && rm !== null) {
      const n = this.getBuffer('num_batches_tracked')!;
      n.data[0] += 1;
      if (this.momentum === null) momentum = 1 / n.data[0];
    }
    return batchNorm2d(x, {
      runningMean: rm, runningVar: rv, weight: this.weight, bias: this.bias,
      training: useBatch, momentum, eps: this.eps, layout: this.layout,
    });
  }

  override describe(): string {
    return `BatchNorm2d(${this.numFeatures}${this.eps !== 1e-5 ? `, eps ${this.eps}` : ''})`;
  }
}
