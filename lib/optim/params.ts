// The two parameter forms an optimizer accepts, normalized once: PyTorch-style tensors that
// carry `.grad` (null until a backward) and the legacy { name, value, grad } records of
// lib/nn/module.ts. The kind is fixed at construction; data and grad are re-read at each use
// (a backward may set a new grad tensor, a loadStateDict may swap the value).
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, isTensor, type Tensor } from '../tensor';

/** A PyTorch-style parameter: a Tensor (or Tensor-like) whose gradient is `grad`, null until a backward. */
export interface TensorParam {
  /** The values, updated in place by the optimizer. */
  readonly data: Float32Array;
  /** The accumulated gradient, same size as data; null means "no gradient": the optimizer skips the parameter. */
  grad: Tensor | null;
}

/** A legacy parameter record, as `module.parameters()` returns today: `{ name, value, grad }`. */
export interface LegacyParam {
  /** Its state-dict name, used in error messages. */
  readonly name?: string;
  /** The values, updated in place by the optimizer. */
  value: Tensor;
  /** The accumulated gradient, same shape as value; null skips the parameter. */
  grad: Tensor | null;
}

/** Either parameter form; an optimizer's params array may be of one form or the other (or mixed). */
export type ParamLike = TensorParam | LegacyParam;

/** One parameter as the optimizer reads it. */
export interface ParamData {
  /** The values. */
  w: Float32Array;
  /** The gradient, or null: skip this parameter. */
  g: Float32Array | null;
  /** The shape to give state tensors (the parameter's when known, else [w.length]). */
  shape: readonly number[];
}

/** A normalized reference to one entry of the params array. */
export class ParamRef {
  /**
   * @param src - the caller's object (kept: its grad changes between steps).
   * @param legacy - whether it is a { value, grad } record.
   * @param label - `params[k]`, with the name when it has one, for error messages.
   */
  constructor(
    /** The caller's object. */
    readonly src: ParamLike,
    /** Whether src is a legacy { value, grad } record. */
    readonly legacy: boolean,
    /** `params[k]` or `params[k] (name)`. */
    readonly label: string) {}

  /**
   * Reads the values and gradient, checking that their sizes agree with each other and with
   * `stateSize` (the optimizer's state for this parameter, 0 when it has none yet).
   */
  read(op: string, stateSize: number): ParamData {
    const p = this.src as Partial<LegacyParam & TensorParam>;
    let w: Float32Array;
    let shape: readonly number[];
    if (this.legacy) {
      const t = checkTensor(op, `${this.label}.value`, p.value);
      w = t.data;
      shape = t.shape;
    } else if (isTensor(p)) {
      const t = checkTensor(op, this.label, p);
      w = t.data;
      shape = t.shape;
    } else {
      const d: unknown = p.data;
      if (!(d instanceof Float32Array)) throw invalidType(op, `${this.label}.data`, 'a Float32Array', d);
      w = d;
      // A Tensor-like's own shape when it is a plain array of dimensions that fits, else flat.
      const sh: unknown = (p as { shape?: unknown }).shape;
      const fits = Array.isArray(sh) && sh.every((n) => Number.isInteger(n) && n >= 0) && sh.reduce((a: number, b: number) => a * b, 1) === d.length;
      shape = fits ? [...(sh as number[])] : [d.length];
    }
    const gv: unknown = (this.src as { grad?: unknown }).grad;
    let g: Float32Array | null = null;
    let gShape: readonly number[] = [];
    if (gv !== null && gv !== undefined) {
      const gt = checkTensor(op, `${this.label}.grad`, gv);
      g = gt.data;
      gShape = gt.shape;
    }
    if ((g !== null && g.length !== w.length) || (stateSize !== 0 && w.length !== stateSize)) {
      const what = this.legacy ? 'value' : 'data';
      throw rangeError(op, `${this.label} has ${what} ${shapeStr(shape)} and grad ${g === null ? 'null' : shapeStr(gShape)}${stateSize ? ` but the optimizer's state holds ${stateSize} elements` : ''}`);
    }
    return { w, g, shape };
  }

  /** Clears the gradient: PyTorch-style parameters get `grad = null` (or zeros), legacy records zeros. */
  clearGrad(op: string, setToNone: boolean): void {
    const p = this.src as { grad: unknown };
    if (p.grad === null || p.grad === undefined) return;
    if (!this.legacy && setToNone) {
      p.grad = null;
      return;
    }
    checkTensor(op, `${this.label}.grad`, p.grad).data.fill(0);
  }
}

/** Checks the params array and normalizes each entry once (kind and label). */
export function normalizeParams(op: string, params: unknown): ParamRef[] {
  if (!Array.isArray(params) || params.length === 0) {
    throw rangeError(op, 'params must be a non-empty array of parameters (model.parameters())');
  }
  // A copy: the caller's array may change after construction, the optimizer's state may not.
  return [...(params as unknown[])].map((p, k) => {
    if (p === null || typeof p !== 'object') {
      throw invalidType(op, `params[${k}]`, 'a parameter (a Tensor with .grad, or { name, value, grad })', p);
    }
    const legacy = !isTensor(p) && 'value' in p;
    if (!legacy && !isTensor(p) && !('data' in p)) {
      throw invalidType(op, `params[${k}]`, 'a parameter (a Tensor with .grad, or { name, value, grad })', p);
    }
    const name = (p as { name?: unknown }).name;
    const ref = new ParamRef(p as ParamLike, legacy, typeof name === 'string' ? `params[${k}] (${name})` : `params[${k}]`);
    ref.read(op, 0);
    return ref;
  });
}
