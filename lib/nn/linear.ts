// nn.Linear: weight [out, in] (PyTorch), bias [out]; x [..., in].
import { checkIntAtLeast, checkOptions } from '../check';
import { rangeError, shapeStr } from '../errors';
import { productRunsBf16 } from '../ops/bf16-where-it-pays';
import { linear } from '../ops/gemm';
import { Tensor, zeros } from '../tensor';
import { fillUniform } from './init';
import { Module, parameter } from './module';

/**
 * A fully connected layer (torch.nn.Linear): `y = x @ weight^T + bias`, x `[..., inFeatures]`
 * -> `[..., outFeatures]`, with PyTorch's default initialization (uniform in ±1/sqrt(inFeatures)).
 */
export class Linear extends Module {
  /** The weight `[outFeatures, inFeatures]` (a parameter). */
  readonly weight: Tensor;
  /** The bias `[outFeatures]` (a parameter), or null with `{ bias: false }`. */
  readonly bias: Tensor | null;

  /**
   * Creates the layer with freshly initialized weight and bias ({@link manualSeed} makes them reproducible).
   * @param inFeatures - size of each input row.
   * @param outFeatures - size of each output row.
   * @param options - `bias` (default true).
   */
  constructor(
    /** Size of each input row. */
    readonly inFeatures: number,
    /** Size of each output row. */
    readonly outFeatures: number,
    options?: {
      /** Whether the layer learns a bias `[outFeatures]`. Default true. */
      bias?: boolean;
    }) {
    super();
    const o = checkOptions('nn.Linear', options, ['bias']);
    checkIntAtLeast('nn.Linear', 'inFeatures', inFeatures, 1);
    checkIntAtLeast('nn.Linear', 'outFeatures', outFeatures, 1);
    const bound = 1 / Math.sqrt(inFeatures);
    const w = zeros([outFeatures, inFeatures]);
    fillUniform(w.data, bound);
    this.weight = parameter(w);
    this.bias = o.bias === false ? null : parameter(zeros([outFeatures]));
    if (this.bias) fillUniform(this.bias.data, bound);
  }

  forward(x: Tensor): Tensor {
    // bf16 in eval mode after setPrecision('bf16'), on 8 rows and more (productRunsBf16).
    const bf16 = !this.training && this.precision === 'bf16' && x instanceof Tensor && productRunsBf16(x.size / this.inFeatures);
    return linear(x, this.weight, this.bias, bf16 ? { precision: 'bf16' } : undefined);
  }

  /** The output shape for an input shape `[..., inFeatures]`. */
  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length < 1 || inputShape[inputShape.length - 1] !== this.inFeatures) {
      throw rangeError('nn.Linear', `input ${shapeStr(inputShape)} must end in ${this.inFeatures} features`);
    }
    return [...inputShape.slice(0, -1), this.outFeatures];
  }

  override describe(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures}${this.precision === 'bf16' ? ', bf16 in eval from 8 rows' : ''})`;
  }
}
