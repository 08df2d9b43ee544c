// Pure-TypeScript reductions over the middle axis of an [outer, axis, inner] view.
import type { ReduceKind } from '../backend';

/** y[o, i] = reduction of x[o, :, i]: sum (in double), mean, max or min (NaN propagates). */
export function reduce(kind: ReduceKind, x: Float32Array, y: Float32Array, outer: number, axis: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axis * inner + i;
      let acc: number;
      if (kind === 'sum' || kind === 'mean') {
        acc = 0;
        for (let a = 0; a < axis; a++) acc += x[base + a * inner];
        if (kind === 'mean') acc /= axis;
      } else {
        acc = kind === 'max' ? -Infinity : Infinity;
        for (let a = 0; a < axis; a++) {
          const v = x[base + a * inner];
          if (v !== v) { acc = NaN; break; }
          if (kind === 'max' ? v > acc : v < acc) acc = v;
        }
      }
      y[o * inner + i] = acc;
    }
  }
}

/** y[o, i] = the index along the axis of the first maximum of x[o, :, i]; a NaN wins (the first one). */
export function argmax(x: Float32Array, y: Int32Array, outer: number, axis: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axis * inner + i;
      let best = -Infinity, at = 0;
      for (let a = 0; a < axis; a++) {
        const v = x[base + a * inner];
        if (v !== v) { at = a; break; }
        if (v > best) { best = v; at = a; }
      }
      y[o * inner + i] = at;
    }
  }
}
