// Pure-TypeScript element-wise activations and softmax.
import type { ActivationKind } from '../backend';

export function activation(kind: ActivationKind, x: Float32Array, y: Float32Array): void {
  const n = x.length;
  switch (kind) {
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : (x[i] !== x[i] ? x[i] : 0);
      break;
    case 'sigmoid':
      // Written so that neither branch overflows exp().
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) y[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); y[i] = e / (1 + e); }
      }
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      break;
  }
}

/** Softmax (or log-softmax) along the middle axis of [outer, axis, inner], max subtracted. */
export function softmax(x: Float32Array, y: Float32Array, outer: number, axis: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axis * inner + i;
      let max = -Infinity;
      for (let a = 0; a < axis; a++) max = Math.max(max, x[base + a * inner]);
      let sum = 0;
      for (let a = 0; a < axis; a++) sum += Math.exp(x[base + a * inner] - max);
      if (log) {
        const lse = Math.log(sum);
        for (let a = 0; a < axis; a++) y[base + a * inner] = x[base + a * inner] - max - lse;
      } else {
        for (let a = 0; a < axis; a++) y[base + a * inner] = Math.exp(x[base + a * inner] - max) / sum;
      }
    }
  }
}

export function activationBackward(kind: ActivationKind, dy: Float32Array, t: Float32Array, dx: Float32Array): void {
  const n = dy.length;
  switch (kind) {
    case 'relu':
      for (let i = 0; i < n; i++) dx[i] = t[i] > 0 ? dy[i] : 0;
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * t[i] * (1 - t[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - t[i] * t[i]);
      break;
  }
}

export function softmaxBackward(dy: Float32Array, y: Float32Array, dx: Float32Array, outer: number, axis: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axis * inner + i;
      let s = 0;
      for (let a = 0; a < axis; a++) {
        const k = base + a * inner;
        s += log ? dy[k] : dy[k] * y[k];
      }
      for (let a = 0; a < axis; a++) {
        const k = base + a * inner;
        dx[k] = log ? dy[k] - Math.exp(y[k]) * s : y[k] * (dy[k] - s);
      }
    }
  }
}
