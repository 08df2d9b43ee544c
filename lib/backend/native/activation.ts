// Native activations and softmax.
import type { ActivationKind } from '../backend';
import * as ts from '../ts/activation';
import type { Addon } from './addon-types';

export function makeActivation(addon: Addon) {
  return {
    activation: (kind: ActivationKind, x: Float32Array, y: Float32Array): void => addon.activation(kind, x, y),
    softmax: (x: Float32Array, y: Float32Array, outer: number, axis: number, inner: number, log: boolean): void =>
      addon.softmax(x, y, outer, axis, inner, log),
    // Element-wise gradients run as TS until their C++ kernels land (issue 3).
    activationBackward: ts.activationBackward,
    softmaxBackward: ts.softmaxBackward,
  };
}
