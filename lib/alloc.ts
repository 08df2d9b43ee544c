// Allocations whose size a caller controls: a size no Float32Array can have, or one the
// machine cannot provide, is a RangeError naming the op and the shapes, the same on both
// backends, instead of V8's "Invalid typed array length" or "Array buffer allocation failed".
import * as buffer from 'node:buffer';
import { rangeError } from './errors';

/**
 * The most elements an op's output may have: the largest Buffer Node allocates, in float32s
 * (the native backend's outputs are Buffers). One limit for both backends, so an output that
 * fails on one fails the same way on the other.
 */
export const MAX_OUTPUT_ELEMENTS = Math.floor(buffer.constants.MAX_LENGTH / 4);

function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${v} bytes` : `${v < 10 ? v.toPrecision(2) : Math.round(v)} ${units[u]}`;
}

function count(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : n.toPrecision(3);
}

/**
 * The parts of tooLarge's message: what is allocated ("the output [2, 3]") and the call's
 * shapes. A function, so the strings are built only when the error is thrown: ops check on
 * every call.
 */
export type Describe = () => { what: string; context: string };

/** "<op>: <what> has <n> elements (<bytes> as float32), more than can be allocated <context>" */
export function tooLarge(op: string, n: number, describe: Describe, cause?: unknown): RangeError {
  const { what, context } = describe();
  const err = rangeError(op, `${what} has ${count(n)} elements (${bytes(n * 4)} as float32), more than can be allocated${context ? ` ${context}` : ''}`);
  if (cause !== undefined) (err as { cause?: unknown }).cause = cause;
  return err;
}

/** Throws tooLarge unless n elements fit an output on both backends. */
export function checkOutputElements(op: string, n: number, describe: Describe): void {
  if (!(n <= MAX_OUTPUT_ELEMENTS)) throw tooLarge(op, n, describe);
}

/** alloc(n), with a RangeError from the allocation (no memory, too long) turned into tooLarge. */
export function allocate<T>(op: string, n: number, describe: Describe, alloc: (n: number) => T): T {
  try {
    return alloc(n);
  } catch (e) {
    if (e instanceof RangeError) throw tooLarge(op, n, describe, e);
    throw e;
  }
}
