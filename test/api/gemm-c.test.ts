// gemm's c broadcasts as ONNX Gemm's C (unidirectionally to [M, N]): values against a plain
// loop on both backends, gradients by finite differences, and the shapes it rejects.
import { describe, expect, it } from 'vitest';
import { gemm, getBackend, info, setBackend, Tensor } from '../../lib/index';
import { tapeGradError } from '../helpers/gradcheck';
import { prng, randomData } from '../helpers/random';

const M = 5, N = 3, K = 4;
const t = (shape: number[], seed: number) => new Tensor(randomData(prng(seed), shape.reduce((a, b) => a * b, 1)), shape);

function reference(a: Tensor, b: Tensor, c: Tensor, beta: number): Float32Array {
  const [cm, cn] = c.rank === 2 ? c.shape : c.rank === 1 ? [1, c.shape[0]] : [1, 1];
  const y = new Float32Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a.data[i * K + k] * b.data[k * N + j];
    y[i * N + j] = s + beta * c.data[(cm === 1 ? 0 : i) * cn + (cn === 1 ? 0 : j)];
  }
  return y;
}

const SHAPES = [[M, N], [N], [1, N], [M, 1], [1], [1, 1], []];

describe('gemm c broadcast (ONNX Gemm)', () => {
  for (const be of info().native.loaded ? ['native', 'ts'] as const : ['ts'] as const) {
    for (const shape of SHAPES) {
      it(`${be}: c [${shape.join(', ')}]`, () => {
        setBackend(be);
        expect(getBackend()).toBe(be);
        const a = t([M, K], 1), b = t([K, N], 2), c = t(shape, 3);
        const y = gemm(a, b, { c, beta: 0.5 });
        const want = reference(a, b, c, 0.5);
        for (let i = 0; i < want.length; i++) expect(Math.abs(y.data[i] - want[i])).toBeLessThan(1e-5);
      });
    }
  }
  for (const shape of SHAPES) {
    it(`gradient of c [${shape.join(', ')}]`, () => {
      setBackend('ts');
      const a = t([M, K], 1), b = t([K, N], 2), c = t(shape, 3);
      expect(tapeGradError(() => gemm(a, b, { c, beta: 1.5, alpha: 0.5 }), [a, b, c])).toBeLessThan(2e-2);
    });
  }
  it('rejects c that does not broadcast to [M, N]', () => {
    const a = t([M, K], 1), b = t([K, N], 2);
    for (const shape of [[M], [N, 1], [2, N], [1, 1, N], [M, 2]]) {
      expect(() => gemm(a, b, { c: t(shape, 3) })).toThrow(new RegExp(`^gemm: c must broadcast to \\[${M}, ${N}\\].*got c \\[${shape.join(', ')}\\]`));
    }
  });
});
