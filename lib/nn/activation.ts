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

export class Sigmoid extends Elementwise {
  private output: Tensor | null = null;
  forward(x: Tensor): Tensor {
    const y = sigmoid(x);
    this.output = this.training ? y : null;
    return y;
  }
  backward(dy: Tensor): Tensor {
    return sigmoidBackward(dy, cached('Sigmoid', this.output));
  }
  describe(): string { return 'Sigmoid()'; }
}

export class Tanh extends Elementwise {
  private output: Tensor | null = null;
  forward(x: Tensor): Tensor {
    const y = tanh(x);
    this.output = this.training ? y : null;
    return y;
  }
  backward(dy: Tensor): Tensor {
    return tanhBackward(dy, cached('Tanh', this.output));
  }
  describe(): string { return 'Tanh()'; }
}

/** Softmax along `axis` (default -1, the class axis of [N, C] logits). */
export class Softmax extends Elementwise {
  private output: Tensor | null = null;
  constructor(private readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    const y = softmax(x, this.axis);
    this.output = this.training ? y : null;
    return y;
  }
  backward(dy: Tensor): Tensor {
    return softmaxBackward(dy, cached('Softmax', this.output), this.axis);
  }
  describe(): string { return `Softmax(axis ${this.axis})`; }
}
