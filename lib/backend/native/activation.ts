// Native activations and softmax, forward and backward.
import type { ActivationKind } from '../backend';
import type { Addon } from './addon-types';

export function makeActivation(addon: Addon) {
  return {
    activation: (kind: ActivationKind, x: Float32Array, y: Float32Array): void => addon.activation(kind, x, y),
    softmax: (x: Float32Array, y: Float32Array, outer: number, axis: number, inner: number, log: boolean): void =>
      addon.softmax(x, y, outer, axis, inner, log),
    activationBackward: (kind: ActivationKind, dy: Float32Array, t: Float32Array, dx: Float32Array): void =>
      addon.activationBackward(kind, dy, t, dx),
    softmaxBackward: (dy: Float32Array, y: Float32Array, dx: Float32Array, outer: number, axis: number, inner: number, log: boolean): void =>
      addon.softmaxBackward(dy, y, dx, outer, axis, inner, log),
  };
}
