// nn.CrossEntropyLoss and nn.MSELoss: the loss ops as modules (forward(input, target)).
import { checkOptions } from '../check';
import { crossEntropyLoss, type CrossEntropyLossOptions, mseLoss } from '../ops/loss';
import { Tensor } from '../tensor';
import { Module } from './module';

/** Cross-entropy of logits `[N, C]` against class indices, as torch.nn.CrossEntropyLoss (a scalar Tensor by default). */
export class CrossEntropyLoss extends Module {
  private readonly opts: CrossEntropyLossOptions;

  /**
   * Creates the loss.
   * @param options - `reduction` ('mean' default, 'sum', 'none') and `labelSmoothing` (default 0).
   */
  constructor(options: CrossEntropyLossOptions = {}) {
    super();
    this.opts = checkOptions('nn.CrossEntropyLoss', options, ['reduction', 'labelSmoothing']) as CrossEntropyLossOptions;
  }

  /** The loss of logits against labels (Int32Array, number[] or an integer Tensor of class indices). */
  forward(logits: Tensor, labels?: Int32Array | readonly number[] | Tensor<Int32Array> | Tensor): Tensor {
    return crossEntropyLoss(logits, labels as Int32Array, this.opts);
  }
}

/** Mean squared error between a and b, as torch.nn.MSELoss. */
export class MSELoss extends Module {
  private readonly opts: { reduction?: 'mean' | 'sum' | 'none' };

  /**
   * Creates the loss.
   * @param options - `reduction` ('mean' default, 'sum', 'none').
   */
  constructor(options: {
    /** `'mean'` (default), `'sum'` or `'none'`. */
    reduction?: 'mean' | 'sum' | 'none';
  } = {}) {
    super();
    this.opts = checkOptions('nn.MSELoss', options, ['reduction']) as { reduction?: 'mean' | 'sum' | 'none' };
  }

  /** The loss of a against the target b (same shape). */
  forward(a: Tensor, b?: Tensor): Tensor {
    return mseLoss(a, b as Tensor, this.opts);
  }
}
