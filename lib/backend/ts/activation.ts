// Pure-TypeScript element-wise activations and softmax.
import type { ActivationKind } from '../backend';

/**
 * erfc(z) with fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc, a Chebyshev
 * fit), in double. The native kernels evaluate Phi in float as exp(-x^2/2) times a degree-7
 * polynomial in 1/(1 + 0.305|x|) (relative error ~1e-7); both agree to well under the parity tolerance.
 */
export function erfc(z: number): number {
  const az = Math.abs(z);
  const t = 1 / (1 + 0.5 * az);
  const r = t * Math.exp(-az * az - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? r : 2 - r;
}

/** GELU, the exact erf form: x/2 (1 + erf(x/sqrt 2)) = x/2 erfc(-x/sqrt 2). */
export function gelu(x: number): number { return 0.5 * x * erfc(-x * Math.SQRT1_2); }

const relu6 = (v: number): number => Math.min(Math.max(v, 0), 6);

/**
 * The forward of every element-wise activation into y; params: clamp [min, max] (+-Infinity
 * where absent), leakyRelu [slope].
 */
export function activation(kind: ActivationKind, x: Float32Array, y: Float32Array, params: readonly number[] = []): void {
  const n = x.length;
  const p0 = params[0] ?? 0, p1 = params[1] ?? 0;
  switch (kind) {
    case 'neg': for (let i = 0; i < n; i++) y[i] = -x[i]; break;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]); break;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(x[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]); break;
    case 'abs': for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]); break;
    case 'clamp': for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], p0), p1); break;
    case 'leakyRelu': for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : x[i] * p0; break;
    case 'relu6': for (let i = 0; i < n; i++) y[i] = relu6(x[i]); break;
    case 'silu': for (let i = 0; i < n; i++) y[i] = x[i] / (1 + Math.exp(-x[i])); break;
    case 'gelu': for (let i = 0; i < n; i++) y[i] = gelu(x[i]); break;
    case 'hardSigmoid': for (let i = 0; i < n; i++) y[i] = relu6(x[i] + 3) / 6; break;
    case 'hardSwish': for (let i = 0; i < n; i++) y[i] = x[i] * relu6(x[i] + 3) / 6; break;
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

/**
 * dx from dy and the saved tensor t: the output y for sigmoid and tanh, the input x for every
 * other kind (gradients as PyTorch's: clamp passes min <= x <= max, relu6 0 < x < 6,
 * hardSigmoid -3 < x < 3, abs sign(x) with sign(0) = sign(NaN) = 0).
 */
export function activationBackward(kind: ActivationKind, dy: Float32Array, t: Float32Array, dx: Float32Array, params: readonly number[] = []): void {
  const n = dy.length;
  const p0 = params[0] ?? 0, p1 = params[1] ?? 0;
  switch (kind) {
    case 'neg': for (let i = 0; i < n; i++) dx[i] = -dy[i]; break;
    case 'exp': for (let i = 0; i < n; i++) dx[i] = dy[i] * Math.exp(t[i]); break;
    case 'log': for (let i = 0; i < n; i++) dx[i] = dy[i] / t[i]; break;
    case 'sqrt': for (let i = 0; i < n; i++) dx[i] = dy[i] / (2 * Math.sqrt(t[i])); break;
    case 'abs': for (let i = 0; i < n; i++) dx[i] = t[i] > 0 ? dy[i] : t[i] < 0 ? -dy[i] : 0; break;
    case 'clamp': for (let i = 0; i < n; i++) dx[i] = t[i] >= p0 && t[i] <= p1 ? dy[i] : 0; break;
    case 'leakyRelu': for (let i = 0; i < n; i++) dx[i] = t[i] > 0 ? dy[i] : dy[i] * p0; break;
    case 'relu6': for (let i = 0; i < n; i++) dx[i] = t[i] > 0 && t[i] < 6 ? dy[i] : 0; break;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const s = 1 / (1 + Math.exp(-t[i]));
        dx[i] = dy[i] * s * (1 + t[i] * (1 - s));
      }
      break;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = t[i];
        dx[i] = dy[i] * (0.5 * erfc(-v * Math.SQRT1_2) + v * Math.exp(-0.5 * v * v) * 0.3989422804014327);
      }
      break;
    case 'hardSigmoid': for (let i = 0; i < n; i++) dx[i] = t[i] > -3 && t[i] < 3 ? dy[i] / 6 : 0; break;
    case 'hardSwish': for (let i = 0; i < n; i++) dx[i] = t[i] < -3 ? 0 : t[i] <= 3 ? dy[i] * (t[i] / 3 + 0.5) : dy[i]; break;
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
