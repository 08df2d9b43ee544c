// Gemm (alpha op(A) op(B) + beta C, C broadcast unidirectionally to [M, N]) and MatMul.
import { backend } from '../../backend/select';
import { broadcastInfo } from '../../shape/broadcast-info';
import { matmulPlan, type GemmInfo } from '../../shape/gemm-info';
import type { Attrs } from '../attrs';
import { dims, floatInput, op } from './op';
import { productRunsBf16 } from '../../ops/bf16-where-it-pays';

export const Gemm = op({
  inputs: [2, 3],
  load(a: Attrs) {
    a.only(['alpha', 'beta', 'transA', 'transB']);
    return { alpha: a.float('alpha', 1), beta: a.float('beta', 1), transA: a.int('transA', 0) === 1, transB: a.int('transB', 0) === 1 };
  },
  plan(p) {
    const A = floatInput(p, 0), B = floatInput(p, 1), C = p.inputs[2] ?? null;
    const { alpha, beta, transA, transB } = p.attrs;
    if (A.shape.length !== 2 || B.shape.length !== 2) throw new RangeError(`A and B must be matrices, got A ${dims(A.shape)}, B ${dims(B.shape)}`);
    const [m, k] = transA ? [A.shape[1], A.shape[0]] : A.shape;
    const [kb, n] = transB ? [B.shape[1], B.shape[0]] : B.shape;
    if (k !== kb) throw new RangeError(`inner dimensions differ: A ${dims(A.shape)}${transA ? 'ᵀ' : ''}, B ${dims(B.shape)}${transB ? 'ᵀ' : ''}`);
    const useC = C !== null && beta !== 0;
    // C broadcasts unidirectionally to [M, N]: scalar, [N], [1, N], [M, 1], [M, N].
    const cInfo = useC ? broadcastInfo('Gemm C', [m, n], C!.shape) : null;
    if (cInfo && cInfo.shape.join() !== `${m},${n}`) throw new RangeError(`C ${dims(C!.shape)} does not broadcast to [${m}, ${n}]`);
    const info: GemmInfo = { transA, transB, m, n, k, alpha, beta: useC ? 1 : 0, lda: A.shape[1], ldb: B.shape[1], ldc: n };
    const be = backend();
    // bf16 where it pays (productRunsBf16: 8 rows and more).
    const bf16 = p.precision === 'bf16' && productRunsBf16(m);
    // beta C broadcast to [M, N] first, then C += alpha AB. A known C (a Linear's bias) is
    // expanded once here; a computed one is multiplied into place by a [M, N] array of beta.
    let fill: Float32Array | null = null;
    const betaMN = useC ? new Float32Array(m * n).fill(beta) : null;
    const mulInfo = useC ? broadcastInfo('Gemm C', C!.shape, [m, n]) : null;
    if (useC && C!.data) {
      fill = new Float32Array(m * n);
      be.binary('mul', C!.data as Float32Array, betaMN!, fill, mulInfo!);
    }
    return {
      outputs: [{ shape: [m, n], dtype: 'float32' }],
      kernel: (xs, ys) => {
        if (fill) ys[0].set(fill);
        else if (useC) be.binary('mul', xs[2] as Float32Array, betaMN!, ys[0], mulInfo!);
        if (bf16) be.sbgemm(xs[0] as Float32Array, xs[1] as Float32Array, ys[0], info);
        else be.sgemm(xs[0] as Float32Array, xs[1] as Float32Array, ys[0], info);
      },
      note: bf16 ? 'bf16' : undefined,
    };
  },
});

export const MatMul = op({
  inputs: [2, 2],
  load: (a: Attrs) => { a.only([]); return null; },
  plan(p) {
    const A = floatInput(p, 0), B = floatInput(p, 1);
    const plan = matmulPlan('matmul', A.shape, B.shape);
    const be = backend();
    const info = { m: plan.m, n: plan.n, k: plan.k, aOffsets: plan.aOffsets, bOffsets: plan.bOffsets };
    if (p.precision === 'bf16' && productRunsBf16(plan.m)) {
      // One sbgemm per batch entry (bf16 where it pays, as Gemm).
      const { m, n, k, aOffsets, bOffsets } = plan;
      const gi: GemmInfo = { transA: false, transB: false, m, n, k, alpha: 1, beta: 0, lda: Math.max(k, 1), ldb: Math.max(n, 1), ldc: Math.max(n, 1) };
      return {
        outputs: [{ shape: plan.outShape, dtype: 'float32' }],
        kernel: (xs, ys) => {
          const a = xs[0] as Float32Array, b = xs[1] as Float32Array;
          for (let t = 0; t < aOffsets.length; t++) be.sbgemm(a.subarray(aOffsets[t], aOffsets[t] + m * k), b.subarray(bOffsets[t], bOffsets[t] + k * n), ys[0].subarray(t * m * n, (t + 1) * m * n), gi);
        },
        note: 'bf16',
      };
    }
    return { outputs: [{ shape: plan.outShape, dtype: 'float32' }], kernel: (xs, ys) => be.matmul(xs[0] as Float32Array, xs[1] as Float32Array, ys[0], info) };
  },
});
