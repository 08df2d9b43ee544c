// Small predicates and normalizers for op arguments. Each throws the op's own error.
import { invalidType, rangeError, typeError } from './errors';

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

/**
 * The options object (or {} for undefined/null). With `keys`, an own key that is not one of
 * them is a TypeError naming it and, when one is close, the valid name meant.
 */
export function checkOptions(op: string, opts: unknown, keys?: readonly string[]): Record<string, unknown> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw invalidType(op, 'options', 'an options object', opts);
  if (keys !== undefined) checkKeys(op, opts, keys);
  return opts as Record<string, unknown>;
}

/** Rejects own keys of opts not in keys: `conv2d: unknown option "pad" (did you mean "padding"?)`. */
export function checkKeys(op: string, opts: object, keys: readonly string[]): void {
  for (const key of Object.keys(opts)) {
    if (keys.includes(key)) continue;
    const near = nearest(key, keys);
    const hint = near !== undefined ? `did you mean "${near}"?` : `valid options: ${keys.join(', ')}`;
    throw typeError(op, `unknown option ${JSON.stringify(key)} (${hint})`);
  }
}

/** Edit distance: insertions, deletions, substitutions and swaps of neighbours ("bais"/"bias": 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate a mistyped name most likely meant, or undefined when none is close. Names are
 * compared without case, '_' and '-' (ceil_mode = ceilMode); an abbreviation of at least 3
 * letters counts ("pad" = "padding"); otherwise the edit distance must be at most a third of
 * the name's length (at least 1).
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const n = norm(name);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const m = norm(c);
    let score: number;
    if (m === n) score = 0;
    else if (Math.min(m.length, n.length) >= 3 && (m.startsWith(n) || n.startsWith(m))) score = 0.5;
    else {
      const d = editDistance(n, m);
      score = d <= Math.max(1, Math.floor(Math.max(n.length, m.length) / 3)) ? d : Infinity;
    }
    if (score < bestScore) { best = c; bestScore = score; }
  }
  return best;
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
