// nn.Flatten: [N, ...] -> [N, prod(...)], sharing data.
import { rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';
import { Module } from './module';
import { ShapePreserving } from './activation';

/** Flattens every dimension after the first (the batch): `[N, C, H, W]` -> `[N, C*H*W]`, sharing data. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    const xt = checkTensor('nn.Flatten', 'x', x);
    return xt.reshape(this.outputShape(xt.shape));
  }

  /** `[N, ...]` -> `[N, prod(...)]`. */
  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length < 1) throw rangeError('nn.Flatten', `input must have a batch dimension, got ${shapeStr(inputShape)}`);
    return [inputShape[0], inputShape.slice(1).reduce((a, b) => a * b, 1)];
  }
}

/** Returns its input unchanged (torch.nn.Identity): a placeholder, e.g. a shortcut without a projection. */
export class Identity extends ShapePreserving {
  forward(x: Tensor): Tensor { return x; }
}
