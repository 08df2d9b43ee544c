// nn.Linear: weight [out, in] (PyTorch), bias [out]; x [..., in].
import { checkIntAtLeast, checkOptions } from '../check';
import { rangeError, shapeStr } from '../errors';
import { gemm, linear } from '../ops/gemm';
import { checkTensor, Tensor, zeros } from '../tensor';
import { fillUniform } from './init';
import { accumulate, cached, Module, param, type Parameter } from './module';

/**
 * A fully connected layer (torch.nn.Linear): `y = x @ weight^T + bias`, x `[..., inFeatures]`
 * -> `[..., outFeatures]`, with PyTorch's default initialization (uniform in ±1/sqrt(inFeatures)).
 */
export class Linear extends Module {
  /** `[outFeatures, inFeatures]` (PyTorch's layout). */
  readonly weight: Parameter;
  /** `[outFeatures]`, or null with `{ bias: false }`. */
  readonly bias: Parameter | null;
  private input: Tensor | null = null;

  /**
   * Creates the layer with freshly initialized weight and bias ({@link manualSeed} makes them reproducible).
   * @param inFeatures - size of each input row.
   * @param outFeatures - size of each output row.
   * @param options - `bias`: whether to learn a bias (default true).
   */
  constructor(
    /** Size of each input row (x's last dimension). */
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
    this.weight = param('weight', w);
    this.bias = o.bias === false ? null : param('bias', zeros([outFeatures]));
    if (this.bias) fillUniform(this.bias.value.data, bound);
  }

  forward(x: Tensor): Tensor {
    // Cache the snapshot, not the caller's object: backward must see what forward saw.
    const xt = checkTensor('linear', 'x', x);
    this.input = this.training ? xt : null;
    return linear(xt, this.weight.value, this.bias ? this.bias.value : null);
  }

  backward(dy: Tensor): Tensor {
    const x = cached('Linear', this.input);
    const rows = x.size / this.inFeatures;
    const x2 = x.reshape([rows, this.inFeatures]);
    const dy2 = checkTensor('Linear.backward', 'dy', dy).reshape([rows, this.outFeatures]);
    // dW [out, in] += dy^T [out, rows] @ x [rows, in]; dx [rows, in] = dy [rows, out] @ W [out, in].
    accumulate(this.weight, gemm(dy2, x2, { transA: true }));
    if (this.bias) {
      const db = zeros([this.outFeatures]);
      for (let r = 0; r < rows; r++) for (let j = 0; j < this.outFeatures; j++) db.data[j] += dy2.data[r * this.outFeatures + j];
      accumulate(this.bias, db);
    }
    return gemm(dy2, this.weight.value).reshape(x.shape);
  }

  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length < 1 || inputShape[inputShape.length - 1] !== this.inFeatures) {
      throw rangeError('nn.Linear', `input ${shapeStr(inputShape)} must end in ${this.inFeatures} features`);
    }
    return [...inputShape.slice(0, -1), this.outFeatures];
  }

  protected override ownParameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  describe(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures})`;
  }
}
