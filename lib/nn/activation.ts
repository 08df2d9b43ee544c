// The activation layers (nn.ReLU, nn.Sigmoid, ..., nn.Hardswish): parameter-free, shape-preserving.
import { gelu, hardSigmoid, hardSwish, leakyRelu, relu, relu6, sigmoid, silu, softmax, tanh } from '../ops/activation';
import { Tensor } from '../tensor';
import { Module } from './module';

/** A layer whose output has its input's shape. */
export abstract class ShapePreserving extends Module {
  /** The output shape: the input shape. */
  outputShape(inputShape: readonly number[]): number[] { return [...inputShape]; }
}

/** A parameter-free layer that applies one element-wise op of lib/ops/activation (the subclass names it). */
export abstract class ElementWise extends ShapePreserving {
  /** The op applied to the input. */
  protected abstract readonly op: (x: Tensor) => Tensor;

  forward(x: Tensor): Tensor { return this.op(x); }
}

/** relu(x) = max(x, 0), element-wise (torch.nn.ReLU). */
export class ReLU extends ElementWise { protected override readonly op = relu; }

/** sigmoid(x) = 1 / (1 + e^-x), element-wise (torch.nn.Sigmoid). */
export class Sigmoid extends ElementWise { protected override readonly op = sigmoid; }

/** tanh(x), element-wise (torch.nn.Tanh). */
export class Tanh extends ElementWise { protected override readonly op = tanh; }

/** softmax along an axis (torch.nn.Softmax; default the last). */
export class Softmax extends ShapePreserving {
  /**
   * Creates the layer (no parameters).
   * @param axis - the axis the probabilities sum to 1 along (default -1, the last).
   */
  constructor(private readonly axis = -1) {
    super();
  }

  forward(x: Tensor): Tensor { return softmax(x, this.axis); }

  override describe(): string { return `Softmax(axis ${this.axis})`; }
}

/** leakyRelu(x) = x for x > 0, slope * x otherwise (torch.nn.LeakyReLU). */
export class LeakyReLU extends ShapePreserving {
  /**
   * Creates the layer (no parameters).
   * @param slope - the negative slope (default 0.01).
   */
  constructor(
    /** The negative slope. */
    readonly slope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return leakyRelu(x, this.slope); }
  override describe(): string { return `LeakyReLU(${this.slope})`; }
}

/** relu6(x) = min(max(x, 0), 6) (torch.nn.ReLU6). */
export class ReLU6 extends ElementWise { protected override readonly op = relu6; }

/** silu(x) = x * sigmoid(x) (torch.nn.SiLU, "swish"). */
export class SiLU extends ElementWise { protected override readonly op = silu; }

/** gelu(x) = x * Phi(x), the exact erf form (torch.nn.GELU). */
export class GELU extends ElementWise { protected override readonly op = gelu; }

/** hardSwish(x) = x * relu6(x + 3) / 6 (torch.nn.Hardswish). */
export class Hardswish extends ElementWise { protected override readonly op = hardSwish; }

/** hardSigmoid(x) = relu6(x + 3) / 6 (torch.nn.Hardsigmoid). */
export class Hardsigmoid extends ElementWise { protected override readonly op = hardSigmoid; }
