// native activations and softmax == ts, forward and backward, including extreme inputs.
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { prng, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

describe.skipIf(skip)('activation parity native vs ts', () => {
  itRunsAtForcedIsa();
  const x = randomData(prng(3), 4099).map((v) => v * 40);
  x.set([0, -0, 88, -88, 1e-30, -1e-30, Infinity, -Infinity], 0);
  for (const kind of ['relu', 'sigmoid', 'tanh'] as const) {
    it(kind, () => {
      const a = new Float32Array(x.length);
      const b = new Float32Array(x.length).fill(NaN);
      backends.ts.activation(kind, x, a);
      backends.native.activation(kind, x, b);
      expect(worstRatio(b, a, 1e-6)).toBeLessThanOrEqual(1);
    });
  }
  for (const [outer, axis, inner] of [[1, 1, 1], [4, 10, 1], [3, 1000, 1], [2, 17, 3], [5, 7, 11]]) {
    for (const log of [false, true]) {
      it(`${log ? 'logSoftmax' : 'softmax'} [${outer}, ${axis}, ${inner}]`, () => {
        const v = randomData(prng(outer * axis * inner), outer * axis * inner).map((t) => t * 50);
        const a = new Float32Array(v.length);
        const b = new Float32Array(v.length).fill(NaN);
        backends.ts.softmax(v, a, outer, axis, inner, log);
        backends.native.softmax(v, b, outer, axis, inner, log);
        expect(worstRatio(b, a, log ? 1e-5 : 1e-6)).toBeLessThanOrEqual(1);
      });
    }
  }
  for (const kind of ['relu', 'sigmoid', 'tanh'] as const) {
    it(`${kind} backward`, () => {
      const dy = randomData(prng(5), x.length).map((v) => v * 10);
      // relu saves its input x (with 0, -0, +-Infinity and a NaN: dx 0); sigmoid and tanh their output y.
      const t = new Float32Array(x.length);
      if (kind === 'relu') {
        t.set(x);
        t[x.length - 1] = NaN;
      } else {
        backends.ts.activation(kind, x, t);
      }
      const a = new Float32Array(x.length);
      const b = new Float32Array(x.length).fill(NaN);
      backends.ts.activationBackward(kind, dy, t, a);
      backends.native.activationBackward(kind, dy, t, b);
      expect(worstRatio(b, a, 1e-6)).toBeLessThanOrEqual(1);
    });
  }
  for (const [outer, axis, inner] of [[1, 1, 1], [4, 10, 1], [3, 1000, 1], [2, 17, 3], [5, 7, 11], [300, 500, 1]]) {
    for (const log of [false, true]) {
      it(`${log ? 'logSoftmax' : 'softmax'} backward [${outer}, ${axis}, ${inner}]`, () => {
        const n = outer * axis * inner;
        const v = randomData(prng(n + 1), n).map((t) => t * 10);
        const y = new Float32Array(n);
        backends.ts.softmax(v, y, outer, axis, inner, log);
        const dy = randomData(prng(n + 2), n);
        const a = new Float32Array(n);
        const b = new Float32Array(n).fill(NaN);
        backends.ts.softmaxBackward(dy, y, a, outer, axis, inner, log);
        backends.native.softmaxBackward(dy, y, b, outer, axis, inner, log);
        // The sum over the axis: K = axis terms of |dy| (times y <= 1 for softmax).
        expect(worstRatio(b, a, 4 * 1.2e-7 * Math.sqrt(axis) * axis + 1e-6)).toBeLessThanOrEqual(1);
      });
    }
  }
});
