// Arithmetic with NumPy broadcasting (add, sub, mul, div, pow, maximum, minimum) and the
// element-wise unary math (neg, exp, log, sqrt, abs, clamp), with their gradients.
import { backend } from '../backend/select';
import type { ActivationKind, BinaryKind } from '../backend/backend';
import { broadcastInfo } from '../shape/broadcast-info';
import { invalidType, rangeError } from '../errors';
import { checkTensor, isTensor, Tensor, trustedTensor } from '../tensor';
import { sumToShape } from './broadcast';
import { needsGrad, record } from '../autograd/record';

function operand(op: string, name: string, v: unknown): Tensor {
  if (typeof v === 'number') return new Tensor(new Float32Array([v]), []);
  if (!isTensor(v)) throw invalidType(op, name, 'a Tensor or a number', v);
  return checkTensor(op, name, v);
}

/** y = a (op) b with NumPy broadcasting, on the active backend. */
export function binaryOp(op: BinaryKind, a: unknown, b: unknown): Tensor {
  const at = operand(op, 'a', a), bt = operand(op, 'b', b);
  const info = broadcastInfo(op, at.shape, bt.shape);
  // info.shape: a fresh array of checked dimensions whose product is info.size.
  const y = trustedTensor(backend().output(info.size), Object.freeze(info.shape));
  backend().binary(op, at.data, bt.data, y.data, info);
  if (needsGrad(at, bt)) {
    // add and sub need no saved values; pow's exponent gradient reuses the output.
    const [a0, b0] = op === 'add' || op === 'sub' ? [at, bt] : [at.detach(), bt.detach()];
    const y0 = op === 'pow' ? y.detach() : undefined;
    const [as, bs] = [at.shape, bt.shape];
    record(op, y, [at, bt], (gy, need) => binaryBackward(op, gy, op === 'add' || op === 'sub' ? shaped(as) : a0, op === 'add' || op === 'sub' ? shaped(bs) : b0, y0, need));
  }
  return y;
}

/** A stand-in carrying only a shape (add's and sub's gradients read no values). */
function shaped(shape: readonly number[]): Tensor {
  return { shape } as unknown as Tensor;
}

/** An element-wise unary op (ActivationKind) of x, with its params. */
export function unaryOp(op: string, kind: ActivationKind, x: unknown, params?: number[]): Tensor {
  const xt = checkTensor(op, 'x', x);
  const y = trustedTensor(backend().output(xt.size), xt.shape);  // xt's frozen shape, checked
  backend().activation(kind, xt.data, y.data, params);
  if (needsGrad(xt)) {
    const saved = xt.detach();
    record(op, y, [xt], (gy) => [unaryBackward(kind, gy, saved, params)]);
  }
  return y;
}

/** dx of a unary op from dy and its saved input x (same shapes). */
export function unaryBackward(kind: ActivationKind, dy: Tensor, x: Tensor, params?: number[]): Tensor {
  const dx = new Tensor(backend().output(x.size), x.shape);
  backend().activationBackward(kind, dy.data, x.data, dx.data, params);
  return dx;
}

/** `a + b`, element-wise with NumPy broadcasting; a or b may be a number. */
export function add(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('add', a, b); }
/** `a - b`, element-wise with NumPy broadcasting; a or b may be a number. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('sub', a, b); }
/** `a * b`, element-wise with NumPy broadcasting; a or b may be a number. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('mul', a, b); }
/** `a / b`, element-wise with NumPy broadcasting (IEEE: x/0 is +-Infinity or NaN); a or b may be a number. */
export function div(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('div', a, b); }
/** `x ** p`, element-wise with NumPy broadcasting (as Math.pow, in float32); p a number or a Tensor. */
export function pow(x: Tensor | number, p: Tensor | number): Tensor { return binaryOp('pow', x, p); }
/** The larger of a and b, element-wise with NumPy broadcasting; NaN if either is NaN (torch.maximum). */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('maximum', a, b); }
/** The smaller of a and b, element-wise with NumPy broadcasting; NaN if either is NaN (torch.minimum). */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('minimum', a, b); }

/** `-x`, element-wise. */
export function neg(x: Tensor): Tensor { return unaryOp('neg', 'neg', x); }
/** `e ** x`, element-wise. */
export function exp(x: Tensor): Tensor { return unaryOp('exp', 'exp', x); }
/** The natural logarithm, element-wise (NaN below 0, -Infinity at 0). */
export function log(x: Tensor): Tensor { return unaryOp('log', 'log', x); }
/** The square root, element-wise (NaN below 0; -0 stays -0). */
export function sqrt(x: Tensor): Tensor { return unaryOp('sqrt', 'sqrt', x); }
/** `|x|`, element-wise. */
export function abs(x: Tensor): Tensor { return unaryOp('abs', 'abs', x); }

/**
 * x limited to [min, max], element-wise: `min(max(x, min), max)` (NaN stays NaN; min > max gives
 * max everywhere, as PyTorch). Either bound may be omitted (undefined), not both.
 */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  return unaryOp('clamp', 'clamp', x, clampParams(min, max));
}

/** clamp's [min, max] params, with +-Infinity for an absent bound. */
export function clampParams(min: unknown, max: unknown): number[] {
  if (min === undefined && max === undefined) throw rangeError('clamp', 'at least one of min and max must be given');
  for (const [name, v] of [['min', min], ['max', max]] as const) {
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) throw invalidType('clamp', name, 'a number (not NaN) or undefined', v);
  }
  return [min === undefined ? -Infinity : min as number, max === undefined ? Infinity : max as number];
}

/**
 * The gradients of a broadcast binary op y = a (op) b for an upstream gradient gy of y's shape:
 * [da, db], each summed back to its input's shape (maximum/minimum split ties evenly, as PyTorch).
 */
export function binaryBackward(kind: BinaryKind, gy: Tensor, a: Tensor, b: Tensor, y?: Tensor,
  need: readonly boolean[] = [true, true]): [Tensor | null, Tensor | null] {
  const [na, nb] = need;
  const back = (g: () => Tensor, t: Tensor, wanted: boolean) => (wanted ? sumToShape(g(), t.shape) : null);
  switch (kind) {
    case 'add': return [back(() => gy, a, na), back(() => gy, b, nb)];
    case 'sub': return [back(() => gy, a, na), back(() => neg(gy), b, nb)];
    case 'mul': return [back(() => mul(gy, b), a, na), back(() => mul(gy, a), b, nb)];
    case 'div': return [back(() => div(gy, b), a, na), back(() => neg(div(mul(gy, a), mul(b, b))), b, nb)];
    case 'pow': {
      const yy = y ?? pow(a, b);
      return [back(() => mul(gy, mul(b, pow(a, sub(b, 1)))), a, na), back(() => mul(gy, mul(yy, log(a))), b, nb)];
    }
    case 'maximum':
    case 'minimum': {
      // Weight 1 where a wins, 0 where b wins, 1/2 at ties (NaN: both get the gradient).
      const wa = kind === 'maximum' ? sub(a, b) : sub(b, a);
      const w = new Tensor(new Float32Array(wa.size), wa.shape);
      for (let i = 0; i < wa.size; i++) { const d = wa.data[i]; w.data[i] = d > 0 ? 1 : d < 0 ? 0 : d === 0 ? 0.5 : 1; }
      const ga = mul(gy, w);
      return [back(() => ga, a, na), back(() => sub(gy, ga), b, nb)];
    }
  }
}
