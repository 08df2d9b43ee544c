// native activations and softmax == ts, including extreme inputs.
import { describe, expect, it } from 'vitest';
import { backends, info } from '../../lib/index';
import { prng, randomData, worstRatio } from '../helpers/random';
import { nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

describe.skipIf(skip)('activation parity native vs ts', () => {
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
});
