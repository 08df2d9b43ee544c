// nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax: parameter-free, shape-preserving.
import { relu, reluBackward, sigmoid, sigmoidBackward, softmax, softmaxBackward, tanh, tanhBackward } from '../ops/activation';
import { checkTensor, Tensor } from '../tensor';
import { cached, Module } from './module';

/** A parameter-free, shape-preserving layer. */
abstract class Elementwise extends Module {
  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}

/** ReLU layer: `max(0, x)`, element-wise, any shape. */
export class ReLU extends Elementwise {
  private input: Tensor | null = null;
  forward(x: Tensor): Tensor {
    const xt = checkTensor('relu', 'x', x);
    this.input = this.training ? xt : null;
    return relu(xt);
  }
  backward(dy: Tensor): Tensor {
    return reluBackward(dy, cached('ReLU', this.input));
  }
  describe(): string { return 'ReLU()'; }
}

/** A layer whose backward needs only its own output y (kept during a training forward). */
abstract class SavesOutput extends Elementwise {
  private output: Tensor | null = null;
  /** The layer's name (for messages), its function f and its gradient df from the output. */
  constructor(private readonly layer: string, private readonly f: (x: Tensor) => Tensor,
    private readonly df: (dy: Tensor, y: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    const y = this.f(x);
    this.output = this.training ? y : null;
    return y;
  }
  backward(dy: Tensor): Tensor {
    return this.df(dy, cached(this.layer, this.output));
  }
  describe(): string { return `${this.layer}()`; }
}

/** Sigmoid layer: `1 / (1 + exp(-x))`, element-wise, any shape. */
export class Sigmoid extends SavesOutput {
  /** Creates the layer (no parameters). */
  constructor() { super('Sigmoid', sigmoid, sigmoidBackward); }
}

/** Tanh layer: the hyperbolic tangent, element-wise, any shape. */
export class Tanh extends SavesOutput {
  /** Creates the layer (no parameters). */
  constructor() { super('Tanh', tanh, tanhBackward); }
}

/** Softmax layer along `axis` (default -1, the class axis of `[N, C]` logits); same shape as x. */
export class Softmax extends SavesOutput {
  /**
   * Creates the layer (no parameters).
   * @param axis - the axis to normalize; negative counts from the end. Default -1.
   */
  constructor(private readonly axis = -1) {
    super('Softmax', (x) => softmax(x, axis), (dy, y) => softmaxBackward(dy, y, axis));
  }
  /** `'Softmax(axis -1)'`: this layer's row in summary(). */
  override describe(): string { return `Softmax(axis ${this.axis})`; }
}
