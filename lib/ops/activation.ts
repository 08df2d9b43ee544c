// Element-wise activations, softmax and the ReLU gradient.
import { backend } from '../backend/select';
import type { ActivationKind } from '../backend/backend';
import { isInt } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor, trustedTensor } from '../tensor';
import { needsGrad, record } from '../autograd/record';
import { unaryBackward as kernelBackward } from './arith';

function unary(op: ActivationKind, x: unknown, params?: number[]): Tensor {
  const xt = checkTensor(op, 'x', x);
  const y = trustedTensor(backend().output(xt.size), xt.shape);  // xt's frozen shape, checked
  backend().activation(op, xt.data, y.data, params);
  // sigmoid's and tanh's gradients read their output, every other kind's its input.
  if (needsGrad(xt)) {
    const saved = op === 'sigmoid' || op === 'tanh' ? y.detach() : xt.detach();
    record(op, y, [xt], (gy) => [kernelBackward(op, gy, saved, params)]);
  }
  return y;
}

/** ReLU, element-wise: `max(0, x)`. Same shape as x. */
export function relu(x: Tensor): Tensor { return unary('relu', x); }
/** The logistic sigmoid, element-wise: `1 / (1 + exp(-x))`. Same shape as x. */
export function sigmoid(x: Tensor): Tensor { return unary('sigmoid', x); }
/** The hyperbolic tangent, element-wise. Same shape as x. */
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
  const y = trustedTensor(backend().output(xt.size), xt.shape);
  backend().softmax(xt.data, y.data, outer, len, inner, log);
  if (needsGrad(xt)) {
    const saved = y.detach();
    record(op, y, [xt], (gy) => [softmaxBackwardOp(`${op}Backward`, gy, saved, axis, log)]);
  }
  return y;
}

/**
 * Softmax along one axis: `exp(x - max) / sum(exp(x - max))`, so each slice along `axis`
 * sums to 1. Same shape as x.
 * @param axis - the axis to normalize; negative counts from the end. Default -1 (the last,
 *   the class axis of `[N, C]` logits).
 */
export function softmax(x: Tensor, axis = -1): Tensor { return softmaxOp('softmax', x, axis, false); }
/**
 * Log-softmax along one axis: `x - max - log(sum(exp(x - max)))`, computed stably. Same shape as x.
 * @param axis - the axis to normalize; negative counts from the end. Default -1.
 */
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

/** The gradient of {@link relu} from its input x: dx = dy where x > 0, else 0 (0 at x == 0, as PyTorch). dy and x have the same shape. */
export function reluBackward(dy: Tensor, x: Tensor): Tensor { return unaryBackward('reluBackward', 'relu', dy, 'x', x); }
/** The gradient of {@link sigmoid} from its output y = sigmoid(x): dx = dy * y * (1 - y). dy and y have the same shape. */
export function sigmoidBackward(dy: Tensor, y: Tensor): Tensor { return unaryBackward('sigmoidBackward', 'sigmoid', dy, 'y', y); }
/** The gradient of {@link tanh} from its output y = tanh(x): dx = dy * (1 - y^2). dy and y have the same shape. */
export function tanhBackward(dy: Tensor, y: Tensor): Tensor { return unaryBackward('tanhBackward', 'tanh', dy, 'y', y); }

function softmaxBackwardOp(op: string, dy: unknown, y: unknown, axis: unknown, log: boolean): Tensor {
  const [dyt, yt] = sameShape(op, dy, 'y', y);
  const { outer, len, inner } = axisView(op, yt, axis);
  const dx = new Tensor(backend().output(yt.size), yt.shape);
  backend().softmaxBackward(dyt.data, yt.data, dx.data, outer, len, inner, log);
  return dx;
}

/** The gradient of {@link softmax} from its output y = softmax(x, axis): dx = y * (dy - sum(dy * y)) along axis (default -1). */
export function softmaxBackward(dy: Tensor, y: Tensor, axis = -1): Tensor { return softmaxBackwardOp('softmaxBackward', dy, y, axis, false); }
/** The gradient of {@link logSoftmax} from its output y = logSoftmax(x, axis): dx = dy - exp(y) * sum(dy) along axis (default -1). */
export function logSoftmaxBackward(dy: Tensor, y: Tensor, axis = -1): Tensor { return softmaxBackwardOp('logSoftmaxBackward', dy, y, axis, true); }

/** Leaky ReLU, element-wise: x where x > 0, else `slope * x` (slope finite, default 0.01). */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  if (typeof slope !== 'number' || !Number.isFinite(slope)) throw invalidType('leakyRelu', 'slope', 'a finite number', slope);
  return unary('leakyRelu', x, [slope]);
}
/** ReLU6, element-wise: `min(max(x, 0), 6)`. */
export function relu6(x: Tensor): Tensor { return unary('relu6', x); }
/** SiLU (swish), element-wise: `x * sigmoid(x)`. */
export function silu(x: Tensor): Tensor { return unary('silu', x); }
/** GELU, element-wise, PyTorch's default exact form: `x/2 * (1 + erf(x / sqrt(2)))`. */
export function gelu(x: Tensor): Tensor { return unary('gelu', x); }
/** Hard sigmoid, element-wise, as PyTorch: `relu6(x + 3) / 6`. */
export function hardSigmoid(x: Tensor): Tensor { return unary('hardSigmoid', x); }
/** Hard swish, element-wise, as PyTorch: `x * relu6(x + 3) / 6`. */
export function hardSwish(x: Tensor): Tensor { return unary('hardSwish', x); }

