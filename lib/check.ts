// Small predicates and normalizers for op arguments. Each throws the op's own error.
import { invalidType, rangeError } from './errors';

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** The largest dimension or parameter any op accepts (the native kernels' int32 bound). */
export const MAX_DIM = 2 ** 31 - 1;

/** checkDim's test without a message: for hot paths that name the value only when it fails. */
export function isDim(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_DIM;
}

/** A non-negative integer up to MAX_DIM (a dimension). */
export function checkDim(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number') throw invalidType(op, name, 'a non-negative integer', v);
  if (!Number.isInteger(v) || v < 0 || v > MAX_DIM) {
    throw rangeError(op, `${name} must be an integer in [0, ${MAX_DIM}], got ${v}`);
  }
  return v;
}

/** An integer in [min, MAX_DIM] (strides, dilations, kernel sizes, groups, paddings). */
export function checkIntAtLeast(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number') throw invalidType(op, name, `an integer >= ${min}`, v);
  if (!Number.isInteger(v) || v < min || v > MAX_DIM) {
    throw rangeError(op, `${name} must be an integer in [${min}, ${MAX_DIM}], got ${v}`);
  }
  return v;
}

export function checkFinite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number') throw invalidType(op, name, 'a finite number', v);
  if (!Number.isFinite(v)) throw rangeError(op, `${name} must be a finite number, got ${v}`);
  return v;
}

export function checkBool(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw invalidType(op, name, 'a boolean', v);
  return v;
}

export function checkOptions(op: string, opts: unknown): Record<string, unknown> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw invalidType(op, 'options', 'an options object', opts);
  return opts as Record<string, unknown>;
}

export function checkOneOf<T extends string>(op: string, name: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw invalidType(op, name, allowed.map((a) => `'${a}'`).join(' or '), v);
  if (!(allowed as readonly string[]).includes(v)) {
    throw rangeError(op, `${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got '${v}'`);
  }
  return v as T;
}

/** number | [a, b] -> [a, b], each an integer >= min. */
export function checkPair(op: string, name: string, v: unknown, dflt: number, min: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') {
    checkIntAtLeast(op, name, v, min);
    return [v, v];
  }
  if (Array.isArray(v) && v.length === 2) {
    return [checkIntAtLeast(op, `${name}[0]`, v[0], min), checkIntAtLeast(op, `${name}[1]`, v[1], min)];
  }
  throw invalidType(op, name, 'a number or [number, number]', v);
}

/**
 * Padding as [top, bottom, left, right]: number | [ph, pw] | [t, b, l, r].
 * Strings ('same'/'valid') are handled by the conv op before this.
 */
export function checkPadding(op: string, v: unknown): [number, number, number, number] {
  if (v === undefined) return [0, 0, 0, 0];
  if (typeof v === 'number') {
    checkIntAtLeast(op, 'padding', v, 0);
    return [v, v, v, v];
  }
  if (Array.isArray(v) && v.length === 2) {
    const h = checkIntAtLeast(op, 'padding[0]', v[0], 0);
    const w = checkIntAtLeast(op, 'padding[1]', v[1], 0);
    return [h, h, w, w];
  }
  if (Array.isArray(v) && v.length === 4) {
    return [0, 1, 2, 3].map((i) => checkIntAtLeast(op, `padding[${i}]`, v[i], 0)) as [number, number, number, number];
  }
  throw invalidType(op, 'padding', 'a number, [ph, pw] or [top, bottom, left, right]', v);
}
