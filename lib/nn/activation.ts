// nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax: parameter-free, shape-preserving.
import { relu, sigmoid, softmax, tanh } from '../ops/activation';
import { Tensor } from '../tensor';
import { Module } from './module';

/** A layer whose output has its input's shape. */
export abstract class ShapePreserving extends Module {
  /** The output shape: the input shape. */
  outputShape(inputShape: readonly number[]): number[] { return [...inputShape]; }
}

/** relu(x) = max(x, 0), element-wise (torch.nn.ReLU). */
export class ReLU extends ShapePreserving {
  forward(x: Tensor): Tensor { return relu(x); }
}

/** sigmoid(x) = 1 / (1 + e^-x), element-wise (torch.nn.Sigmoid). */
export class Sigmoid extends ShapePreserving {
  forward(x: Tensor): Tensor { return sigmoid(x); }
}

/** tanh(x), element-wise (torch.nn.Tanh). */
export class Tanh extends ShapePreserving {
  forward(x: Tensor): Tensor { return tanh(x); }
}

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
