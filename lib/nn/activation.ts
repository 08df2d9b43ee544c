// nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax: parameter-free, shape-preserving.
import { relu, reluBackward, sigmoid, sigmoidBackward, softmax, softmaxBackward, tanh, tanhBackward } from '../ops/activation';
import { checkTensor, Tensor } from '../tensor';
import { cached, Module } from './module';

abstract class Elementwise extends Module {
  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}

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

export class Sigmoid extends SavesOutput {
  constructor() { super('Sigmoid', sigmoid, sigmoidBackward); }
}

export class Tanh extends SavesOutput {
  constructor() { super('Tanh', tanh, tanhBackward); }
}

/** Softmax along `axis` (default -1, the class axis of [N, C] logits). */
export class Softmax extends SavesOutput {
  constructor(private readonly axis = -1) {
    super('Softmax', (x) => softmax(x, axis), (dy, y) => softmaxBackward(dy, y, axis));
  }
  override describe(): string { return `Softmax(axis ${this.axis})`; }
}
