// Element-wise activations, softmax and the ReLU gradient.
import { backend } from '../backend/select';
import type { ActivationKind } from '../backend/backend';
import { isInt } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';

function unary(op: ActivationKind, x: unknown): Tensor {
  const xt = checkTensor(op, 'x', x);
  const y = new Tensor(new Float32Array(xt.size), xt.shape);
  backend().activation(op, xt.data, y.data);
  return y;
}

export function relu(x: Tensor): Tensor { return unary('relu', x); }
export function sigmoid(x: Tensor): Tensor { return unary('sigmoid', x); }
export function tanh(x: Tensor): Tensor { return unary('tanh', x); }

/** [outer, axis, inner] view of x around `axis` (negative counts from the end). */
export function axisView(op: string, x: Tensor, axis: unknown): { outer: number; len: number; inner: number } {
  if (typeof axis !== 'number') throw invalidType(op, 'axis', 'an integer', axis);
  if (!isInt(axis) || axis < -x.rank || axis >= x.rank) throw rangeError(op, `axis ${axis} out of range for x ${shapeStr(x.shape)} (rank ${x.rank})`);
  const a = axis < 0 ? axis + x.rank : axis;
  const len = x.shape[a];
  if (len === 0) throw rangeError(op, `axis ${axis} of x ${shapeStr(x.shape)} is empty`);
  const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  return { outer, len, inner };
}

function softmaxOp(op: string, x: unknown, axis: unknown, log: boolean): Tensor {
  const xt = checkTensor(op, 'x', x);
  const { outer, len, inner } = axisView(op, xt, axis);
  const y = new Tensor(new Float32Array(xt.size), xt.shape);
  backend().softmax(xt.data, y.data, outer, len, inner, log);
  return y;
}

export function softmax(x: Tensor, axis = -1): Tensor { return softmaxOp('softmax', x, axis, false); }
export function logSoftmax(x: Tensor, axis = -1): Tensor { return softmaxOp('logSoftmax', x, axis, true); }

/** dx = dy where x > 0, else 0 (0 at x == 0, as PyTorch). */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  const op = 'reluBackward';
  const dyt = checkTensor(op, 'dy', dy);
  const xt = checkTensor(op, 'x', x);
  if (dyt.rank !== xt.rank || dyt.shape.some((d, i) => d !== xt.shape[i])) {
    throw rangeError(op, `dy and x must have the same shape, got dy ${shapeStr(dyt.shape)}, x ${shapeStr(xt.shape)}`);
  }
  const dx = new Tensor(new Float32Array(xt.size), xt.shape);
  for (let i = 0; i < dx.data.length; i++) dx.data[i] = xt.data[i] > 0 ? dyt.data[i] : 0;
  return dx;
}
