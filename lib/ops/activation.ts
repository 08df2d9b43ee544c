// Element-wise activations, softmax and the ReLU gradient.
import { backend } from '../backend/select';
import type { ActivationKind } from '../backend/backend';
import { isInt } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';

function unary(op: ActivationKind, x: unknown): Tensor {
  const xt = checkTensor(op, 'x', x);
  const y = new Tensor(backend().output(xt.size), xt.shape);
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
  const y = new Tensor(backend().output(xt.size), xt.shape);
  backend().softmax(xt.data, y.data, outer, len, inner, log);
  return y;
}

export function softmax(x: Tensor, axis = -1): Tensor { return softmaxOp('softmax', x, axis, false); }
export function logSoftmax(x: Tensor, axis = -1): Tensor { return softmaxOp('logSoftmax', x, axis, true); }

function sameShape(op: string, dy: unknown, tName: string, t: unknown): [Tensor, Tensor] {
  const dyt = checkTensor(op, 'dy', dy);
  const tt = checkTensor(op, tName, t);
  if (dyt.rank !== tt.rank || dyt.shape.some((d, i) => d !== tt.shape[i])) {
    throw rangeError(op, `dy and ${tName} must have the same shape, got dy ${shapeStr(dyt.shape)}, ${tName} ${shapeStr(tt.shape)}`);
  }
  return [dyt, tt];
}

function unaryBackward(op: string, kind: ActivationKind, dy: unknown, tName: string, t: unknown): Tensor {
  const [dyt, tt] = sameShape(op, dy, tName, t);
  const dx = new Tensor(backend().output(tt.size), tt.shape);
  backend().activationBackward(kind, dyt.data, tt.data, dx.data);
  return dx;
}

/** dx = dy where x > 0, else 0 (0 at x == 0, as PyTorch). */
export function reluBackward(dy: Tensor, x: Tensor): Tensor { return unaryBackward('reluBackward', 'relu', dy, 'x', x); }
/** From the forward output y: dx = dy * y * (1 - y). */
export function sigmoidBackward(dy: Tensor, y: Tensor): Tensor { return unaryBackward('sigmoidBackward', 'sigmoid', dy, 'y', y); }
/** From the forward output y: dx = dy * (1 - y^2). */
export function tanhBackward(dy: Tensor, y: Tensor): Tensor { return unaryBackward('tanhBackward', 'tanh', dy, 'y', y); }

function softmaxBackwardOp(op: string, dy: unknown, y: unknown, axis: unknown, log: boolean): Tensor {
  const [dyt, yt] = sameShape(op, dy, 'y', y);
  const { outer, len, inner } = axisView(op, yt, axis);
  const dx = new Tensor(backend().output(yt.size), yt.shape);
  backend().softmaxBackward(dyt.data, yt.data, dx.data, outer, len, inner, log);
  return dx;
}

/** From the forward output y = softmax(x): dx = y * (dy - sum(dy * y)) along axis. */
export function softmaxBackward(dy: Tensor, y: Tensor, axis = -1): Tensor { return softmaxBackwardOp('softmaxBackward', dy, y, axis, false); }
/** From the forward output y = logSoftmax(x): dx = dy - exp(y) * sum(dy) along axis. */
export function logSoftmaxBackward(dy: Tensor, y: Tensor, axis = -1): Tensor { return softmaxBackwardOp('logSoftmaxBackward', dy, y, axis, true); }
