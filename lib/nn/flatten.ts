// nn.Flatten: [N, ...] -> [N, prod(...)], sharing data.
import { rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';
import { cached, Module } from './module';

/** Flatten layer: `[N, ...]` -> `[N, product of the rest]`, sharing the data (between the conv and linear layers of a CNN). */
export class Flatten extends Module {
  private inputShape: readonly number[] | null = null;

  forward(x: Tensor): Tensor {
    const xt = checkTensor('nn.Flatten', 'x', x);
    this.inputShape = this.training ? xt.shape : null;
    return xt.reshape(this.outputShape(xt.shape));
  }

  backward(dy: Tensor): Tensor {
    return checkTensor('Flatten.backward', 'dy', dy).reshape(cached('Flatten', this.inputShape));
  }

  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length < 1) throw rangeError('nn.Flatten', `input must have a batch dimension, got ${shapeStr(inputShape)}`);
    return [inputShape[0], inputShape.slice(1).reduce((a, b) => a * b, 1)];
  }

  describe(): string { return 'Flatten()'; }
}
