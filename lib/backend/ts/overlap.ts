// Aliasing: an output that shares memory with another array of the same call gives answers
// that depend on the kernel's order of reads and writes (sgemm with C = A: off by 1e25 on ts,
// by 6.5 natively). Both backends refuse it with the same RangeError (the native one in
// native/napi/arrays.h); element-wise ops may write in place (the output exactly an input).
import { rangeError } from '../../errors';

// The intrinsic accessors, so an own `buffer` / `byteOffset` property on an array cannot lie.
const typedArrayProto = Object.getPrototypeOf(Float32Array.prototype) as object;
const getter = (name: string) => Object.getOwnPropertyDescriptor(typedArrayProto, name)!.get as (this: unknown) => unknown;
const bufferOf = getter('buffer') as (this: Float32Array) => ArrayBufferLike;
const offsetOf = getter('byteOffset') as (this: Float32Array) => number;
const bytesOf = getter('byteLength') as (this: Float32Array) => number;

type Arrays = Record<string, Float32Array | null>;

/** Throws `op: y overlaps x ...` when an output shares bytes with any other array. */
export function checkNoOverlap(op: string, outputs: Arrays, inputs: Arrays, inPlace = false): void {
  const all = [...Object.entries(outputs).map(([n, a]) => [n, a, true] as const), ...Object.entries(inputs).map(([n, a]) => [n, a, false] as const)];
  for (const [on, o, isOut] of all) {
    if (!isOut || o === null) continue;
    const ob = bufferOf.call(o), oo = offsetOf.call(o), ol = bytesOf.call(o);
    for (const [en, e, eIsOut] of all) {
      if (en === on || e === null) continue;
      if (bufferOf.call(e) !== ob) continue;
      const eo = offsetOf.call(e), el = bytesOf.call(e);
      if (ol === 0 || el === 0) continue;
      if (inPlace && !eIsOut && eo === oo && el === ol) continue;
      if (oo < eo + el && eo < oo + ol) {
        throw rangeError(op, `${on} overlaps ${en} (the same memory): the output must be a separate array`);
      }
    }
  }
}
