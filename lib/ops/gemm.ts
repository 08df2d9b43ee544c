// Matrix products: gemm (ONNX Gemm), matmul (numpy), linear (PyTorch), sgemm (BLAS).
import { QGEMM_MAX_K } from '../backend/backend';
import { backend } from '../backend/select';
import { checkBool, checkFinite, checkOneOf, checkOptions } from '../check';
import { rangeError, shapeStr } from '../errors';
import { checkSgemm, type GemmInfo, gemmCall, matmulPlan } from '../shape/gemm-info';
import { checkTensor, Tensor, trustedTensor } from '../tensor';
import { allocate, checkOutputElements } from '../alloc';
import { needsGrad, record } from '../autograd/record';
import { mul } from './arith';
import { sum } from './reduce';

/**
 * The arithmetic of a matrix product: `'fp32'` (the default), or `'bf16'`: both operands
 * rounded to bfloat16 (8 significant bits: nearest even, denormals to zero), their products
 * summed in fp32 and the result fp32. On CPUs with AVX512_BF16 that runs about twice the fp32
 * multiply-adds per instruction; elsewhere it gives the same results at fp32 speed
 * (`info().native.bf16` says which). For inference that accepts bf16's rounding; gradients
 * flow as through the fp32 product.
 */
export type Precision = 'fp32' | 'bf16';

/**
 * The arithmetic of gemm, matmul and linear: {@link Precision}'s, or `'int8'`: dynamic
 * quantization (as onnxruntime's DynamicQuantizeMatMul and PyTorch's quantize_dynamic): the
 * first operand (the activations) scaled by max|a| / 127 for the whole matrix, each output
 * column of the second (the weights) by its own max / 127, both rounded to 8-bit integers
 * (half to even), their products summed exactly in int32 and the sum scaled back in fp32.
 * About 1% of the largest |output| off the fp32 product on typical layers; on CPUs with
 * AVX512_VNNI about four times the fp32 multiply-adds per instruction, elsewhere the same
 * results on portable integer loops (`info().native.int8` says which). K at most 65536; a NaN
 * or infinity makes the outputs it reaches NaN. For inference: gradients flow as through the
 * fp32 product. The weights are quantized per call.
 */
export type ProductPrecision = Precision | 'int8';

const PRECISIONS: readonly ProductPrecision[] = ['fp32', 'bf16', 'int8'];

/** Options of {@link matmul}, {@link matmulAsync} and {@link linear}. */
export interface ProductOptions {
  /** `'fp32'` (default), `'bf16'` or `'int8'` operands; see {@link ProductPrecision}. */
  precision?: ProductPrecision;
}

/** The backend's sgemm, sbgemm for bf16 or qgemm for int8. */
function product(precision: ProductPrecision, a: Float32Array, b: Float32Array, c: Float32Array, info: GemmInfo): void {
  if (precision === 'bf16') backend().sbgemm(a, b, c, info);
  else if (precision === 'int8') backend().qgemm(a, b, c, info);
  else backend().sgemm(a, b, c, info);
}

/** The precision option of op's opts (default fp32). */
function precisionOf(op: string, opts: unknown): ProductPrecision {
  const o = checkOptions(op, opts, ['precision']);
  return checkOneOf(op, 'precision', o.precision, PRECISIONS, 'fp32');
}

/** int8's K limit (the int32 sums), as a RangeError naming op and the operands' shapes. */
function checkInt8K(op: string, precision: ProductPrecision, k: number, shapes: () => string): void {
  if (precision === 'int8' && k > QGEMM_MAX_K) throw rangeError(op, `precision 'int8' takes K up to ${QGEMM_MAX_K}, got K ${k} ${shapes()}`);
}

/** Options of {@link gemm} and {@link gemmAsync} (the ONNX Gemm attributes, and the precision). */
export interface GemmOptions {
  /** Use a transposed: a is `[K, M]`. Default false (a is `[M, K]`). */
  transA?: boolean;
  /** Use b transposed: b is `[N, K]`. Default false (b is `[K, N]`). */
  transB?: boolean;
  /** Scale of the product op(a) @ op(b). Default 1. */
  alpha?: number;
  /** Scale of c. Default 1 (ignored without c). */
  beta?: number;
  /** Added after scaling by beta: `[M, N]`, or broadcast to it as ONNX Gemm's C: `[N]`, `[1, N]`, `[M, 1]`, `[1]` or a scalar. Default: none. */
  c?: Tensor;
  /** `'fp32'` (default), `'bf16'` or `'int8'` operands a and b (c is added in fp32); see {@link ProductPrecision}. */
  precision?: ProductPrecision;
}

interface GemmPlan { transA: boolean; transB: boolean; m: number; n: number; k: number; alpha: number; beta: number; a: Tensor; b: Tensor; c: Tensor | null; y: Tensor; precision: ProductPrecision }

function planGemm(op: string, a: unknown, b: unknown, opts: unknown): GemmPlan {
  const at = checkTensor(op, 'a', a);
  const bt = checkTensor(op, 'b', b);
  const o = checkOptions(op, opts, ['transA', 'transB', 'alpha', 'beta', 'c', 'precision']);
  const precision = checkOneOf(op, 'precision', o.precision, PRECISIONS, 'fp32');
  const transA = checkBool(op, 'transA', o.transA, false);
  const transB = checkBool(op, 'transB', o.transB, false);
  const alpha = o.alpha === undefined ? 1 : checkFinite(op, 'alpha', o.alpha);
  let beta = o.beta === undefined ? 1 : checkFinite(op, 'beta', o.beta);
  if (at.rank !== 2 || bt.rank !== 2) throw rangeError(op, `a and b must be 2-D, got a ${shapeStr(at.shape)}, b ${shapeStr(bt.shape)}`);
  const [m, k] = transA ? [at.shape[1], at.shape[0]] : at.shape;
  const [kb, n] = transB ? [bt.shape[1], bt.shape[0]] : bt.shape;
  if (k !== kb) {
    throw rangeError(op, `op(a) is [${m}, ${k}] but op(b) is [${kb}, ${n}] (a ${shapeStr(at.shape)}${transA ? ' transposed' : ''}, b ${shapeStr(bt.shape)}${transB ? ' transposed' : ''})`);
  }
  checkInt8K(op, precision, k, () => `(a ${shapeStr(at.shape)}, b ${shapeStr(bt.shape)})`);
  // Uninitialized on native: beta = 0 writes every element, a c argument is copied in first.
  const describe = () => ({ what: `the output [${m}, ${n}]`, context: `(a ${shapeStr(at.shape)}, b ${shapeStr(bt.shape)})` });
  checkOutputElements(op, m * n, describe);
  const y = new Tensor(allocate(op, m * n, describe, (len) => backend().output(len)), [m, n]);
  let c: Tensor | null = null;
  if (o.c === undefined || o.c === null) beta = 0;
  else {
    c = checkTensor(op, 'c', o.c);
    // ONNX Gemm: c broadcasts unidirectionally to [M, N]: [M, N], [N], [1, N], [M, 1], [1], [1, 1] or a scalar.
    const [cm, cn] = c.rank === 2 ? c.shape : c.rank === 1 ? [1, c.shape[0]] : [1, 1];
    if (c.rank > 2 || (cm !== m && cm !== 1) || (cn !== n && cn !== 1)) {
      throw rangeError(op, `c must broadcast to [${m}, ${n}] ([${m}, ${n}], [${n}], [1, ${n}], [${m}, 1], [1] or a scalar), got c ${shapeStr(c.shape)}`);
    }
    const cd = c.data, yd = y.data;
    if (cm === m && cn === n) yd.set(cd);
    else for (let i = 0; i < m; i++) {
      const row = cm === 1 ? 0 : i * cn;
      if (cn === n) yd.set(cd.subarray(row, row + n), i * n);
      else yd.fill(cd[row], i * n, (i + 1) * n);
    }
  }
  return { transA, transB, m, n, k, alpha, beta, a: at, b: bt, c, y, precision };
}

/** The GemmInfo of a planned gemm: a [M, K] or [K, M], b [K, N] or [N, K], y [M, N], row-major. */
function gemmInfo(p: GemmPlan): GemmInfo {
  return {
    transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, alpha: p.alpha, beta: p.beta,
    lda: Math.max(p.a.shape[1], 1), ldb: Math.max(p.b.shape[1], 1), ldc: Math.max(p.n, 1),
  };
}

/**
 * General matrix product (ONNX Gemm): `y = alpha * op(a) @ op(b) + beta * c`, where op
 * transposes when transA / transB is set.
 * @param a - `[M, K]` (or `[K, M]` with transA).
 * @param b - `[K, N]` (or `[N, K]` with transB).
 * @param opts - transA, transB, alpha (default 1), beta (default 1), c; see {@link GemmOptions}.
 * @returns y `[M, N]`.
 */
export function gemm(a: Tensor, b: Tensor, opts?: GemmOptions): Tensor {
  const p = planGemm('gemm', a, b, opts);
  product(p.precision, p.a.data, p.b.data, p.y.data, gemmInfo(p));
  if (needsGrad(p.a, p.b, p.c)) recordGemm(p);
  return p.y;
}

/** gy [M, N] summed over the axes c was broadcast along, in c's shape. */
function reduceTo(gy: Tensor, cShape: readonly number[]): Tensor {
  const [m, n] = gy.shape;
  const [cm, cn] = cShape.length === 2 ? cShape : cShape.length === 1 ? [1, cShape[0]] : [1, 1];
  const axes = [...(cm === 1 && m !== 1 ? [0] : []), ...(cn === 1 && n !== 1 ? [1] : [])];
  return (axes.length ? sum(gy, axes, { keepDims: true }) : gy).reshape([...cShape]);
}

/** gemm on the tape: dA = alpha gy op(b)^T (transposed back for transA), dB likewise, dC = beta gy. */
function recordGemm(p: GemmPlan): void {
  const { transA, transB, alpha, beta } = p;
  const a = p.a.detach();
  const b = p.b.detach();
  const cShape = p.c ? p.c.shape : null;
  record('gemm', p.y, [p.a, p.b, p.c], (gy, [ga, gb, gc]) => [
    !ga ? null : transA ? gemm(b, gy, { transA: transB, transB: true, alpha }) : gemm(gy, b, { transB: !transB, alpha }),
    !gb ? null : transB ? gemm(gy, a, { transA: true, transB: transA, alpha }) : gemm(a, gy, { transA: !transA, alpha }),
    !gc || !cShape ? null : mul(reduceTo(gy, cShape), beta),
  ]);
}


/** {@link gemm} off the main thread (native backend), on the values a, b and c hold at the call; bad input rejects the promise. */
export async function gemmAsync(a: Tensor, b: Tensor, opts?: GemmOptions): Promise<Tensor> {
  const p = planGemm('gemmAsync', a, b, opts);
  const grad = needsGrad(p.a, p.b, p.c);  // decided at the call
  const be = backend();
  if (p.precision === 'bf16') await be.sbgemmAsync(p.a.data, p.b.data, p.y.data, gemmInfo(p));
  else if (p.precision === 'int8') await be.qgemmAsync(p.a.data, p.b.data, p.y.data, gemmInfo(p));
  else await be.sgemmAsync(p.a.data, p.b.data, p.y.data, gemmInfo(p));
  if (grad) recordGemm(p);
  return p.y;
}

function planMatmul(op: string, a: unknown, b: unknown) {
  const at = checkTensor(op, 'a', a);
  const bt = checkTensor(op, 'b', b);
  const plan = matmulPlan(op, at.shape, bt.shape);
  const size = plan.outShape.reduce((p, d) => p * d, 1);
  const describe = () => ({ what: `the output ${shapeStr(plan.outShape)}`, context: `(a ${shapeStr(at.shape)}, b ${shapeStr(bt.shape)})` });
  checkOutputElements(op, size, describe);
  // The plan's checked dimensions, whose product is size (a copy: the plan keeps its own).
  const y = trustedTensor(allocate(op, size, describe, (len) => backend().output(len)), Object.freeze([...plan.outShape]));
  return { at, bt, plan, y };
}

/** Each batch of a matmul plan through sbgemm (bf16) or qgemm (int8: each batch's matrices quantized on their own), one call per batch. */
function matmulLowPrecision(precision: 'bf16' | 'int8', a: Float32Array, b: Float32Array, y: Float32Array, plan: { m: number; n: number; k: number; aOffsets: Float64Array; bOffsets: Float64Array }): void {
  const { m, n, k, aOffsets, bOffsets } = plan;
  const info: GemmInfo = { transA: false, transB: false, m, n, k, alpha: 1, beta: 0, lda: Math.max(k, 1), ldb: Math.max(n, 1), ldc: Math.max(n, 1) };
  for (let t = 0; t < aOffsets.length; t++) {
    product(precision, a.subarray(aOffsets[t], aOffsets[t] + m * k), b.subarray(bOffsets[t], bOffsets[t] + k * n), y.subarray(t * m * n, (t + 1) * m * n), info);
  }
}

/**
 * Matrix product with numpy's rules: `[M, K] @ [K, N]` gives `[M, N]`; batched
 * `[..., M, K] @ [..., K, N]` with the batch dimensions broadcast; a 1-D operand is a
 * vector (its added dimension is dropped from the result).
 * @param opts - precision (`'fp32'` default, `'bf16'` or `'int8'`); see {@link ProductOptions}. With
 *   int8 each batch's matrices are quantized on their own.
 */
export function matmul(a: Tensor, b: Tensor, opts?: ProductOptions): Tensor {
  const precision = precisionOf('matmul', opts);
  const { at, bt, plan, y } = planMatmul('matmul', a, b);
  checkInt8K('matmul', precision, plan.k, () => `(a ${shapeStr(at.shape)}, b ${shapeStr(bt.shape)})`);
  if (precision !== 'fp32') matmulLowPrecision(precision, at.data, bt.data, y.data, plan);
  else backend().matmul(at.data, bt.data, y.data, plan);
  if (needsGrad(at, bt)) recordMatmul(y, at, bt, plan);
  return y;
}

/**
 * matmul on the tape: for each output matrix t, da[t's a] += gy_t b_t^T and db[t's b] +=
 * a_t^T gy_t (a broadcast operand sums over the batch entries that shared it).
 */
function recordMatmul(y: Tensor, at: Tensor, bt: Tensor, plan: { m: number; n: number; k: number; aOffsets: Float64Array; bOffsets: Float64Array }): void {
  const a = at.detach();
  const b = bt.detach();
  record('matmul', y, [at, bt], (gy, [ga, gb]) => {
    const { m, n, k, aOffsets, bOffsets } = plan;
    const be = backend();
    const da = ga ? new Float32Array(a.size) : null;
    const db = gb ? new Float32Array(b.size) : null;
    for (let t = 0; t < aOffsets.length; t++) {
      const g = gy.data.subarray(t * m * n, (t + 1) * m * n);
      const ao = aOffsets[t];
      const bo = bOffsets[t];
      if (da) be.sgemm(g, b.data.subarray(bo, bo + k * n), da.subarray(ao, ao + m * k), { transA: false, transB: true, m, n: k, k: n, alpha: 1, beta: 1, lda: Math.max(n, 1), ldb: Math.max(n, 1), ldc: Math.max(k, 1) });
      if (db) be.sgemm(a.data.subarray(ao, ao + m * k), g, db.subarray(bo, bo + k * n), { transA: true, transB: false, m: k, n, k: m, alpha: 1, beta: 1, lda: Math.max(k, 1), ldb: Math.max(n, 1), ldc: Math.max(n, 1) });
    }
    return [da ? new Tensor(da, a.shape) : null, db ? new Tensor(db, b.shape) : null];
  });
}

/** {@link matmul} off the main thread (native backend): the whole batch in one call (fp32), on the values a and b hold at the call. */
export async function matmulAsync(a: Tensor, b: Tensor, opts?: ProductOptions): Promise<Tensor> {
  const precision = precisionOf('matmulAsync', opts);
  const at = checkTensor('matmulAsync', 'a', a);
  const bt = checkTensor('matmulAsync', 'b', b);
  const plan = matmulPlan('matmulAsync', at.shape, bt.shape);
  checkInt8K('matmulAsync', precision, plan.k, () => `(a ${shapeStr(at.shape)}, b ${shapeStr(bt.shape)})`);
  checkOutputElements('matmulAsync', plan.outShape.reduce((p, d) => p * d, 1), () => ({ what: `the output ${shapeStr(plan.outShape)}`, context: `(a ${shapeStr(at.shape)}, b ${shapeStr(bt.shape)})` }));
  const grad = needsGrad(at, bt);  // decided at the call
  let y: Tensor;
  if (precision !== 'fp32') {
    // One sbgemmAsync / qgemmAsync per batch, on copies taken now (the call's values, as the fp32 path).
    const be = backend();
    const ad = at.data.slice(), bd = bt.data.slice();
    const yd = be.output(plan.outShape.reduce((p, d) => p * d, 1));
    const { m, n, k, aOffsets, bOffsets } = plan;
    const info: GemmInfo = { transA: false, transB: false, m, n, k, alpha: 1, beta: 0, lda: Math.max(k, 1), ldb: Math.max(n, 1), ldc: Math.max(n, 1) };
    for (let t = 0; t < aOffsets.length; t++) {
      const call = precision === 'bf16' ? be.sbgemmAsync : be.qgemmAsync;
      await call.call(be, ad.subarray(aOffsets[t], aOffsets[t] + m * k), bd.subarray(bOffsets[t], bOffsets[t] + k * n), yd.subarray(t * m * n, (t + 1) * m * n), info);
    }
    y = new Tensor(yd, plan.outShape);
  } else {
    y = new Tensor(await backend().matmulAsync(at.data, bt.data, null, plan), plan.outShape);
  }
  if (grad) recordMatmul(y, at, bt, plan);
  return y;
}

/**
 * A fully connected layer as PyTorch's `linear`: `y = x @ w^T + b`.
 * @param x - `[..., in]` (usually `[N, in]`).
 * @param w - `[out, in]` (PyTorch's layout).
 * @param b - optional bias `[out]` (added in fp32).
 * @param opts - precision (`'fp32'` default, `'bf16'` or `'int8'` for x and w); see {@link ProductOptions}.
 * @returns `[..., out]`.
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null, opts?: ProductOptions): Tensor {
  const op = 'linear';
  const precision = precisionOf(op, opts);
  const xt = checkTensor(op, 'x', x);
  const wt = checkTensor(op, 'w', w);
  if (wt.rank !== 2) throw rangeError(op, `w must be 2-D [out, in], got w ${shapeStr(wt.shape)}`);
  if (xt.rank < 1) throw rangeError(op, `x must have rank >= 1, got x ${shapeStr(xt.shape)}`);
  const [out, inF] = wt.shape;
  const features = xt.shape[xt.rank - 1];
  if (features !== inF) throw rangeError(op, `x has ${features} features but w expects ${inF} (x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)})`);
  checkInt8K(op, precision, inF, () => `(x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)})`);
  const rows = xt.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const y = trustedTensor(backend().output(rows * out), Object.freeze([...xt.shape.slice(0, -1), out]));  // checked shapes
  let beta = 0;
  let bt: Tensor | null = null;
  if (b !== undefined && b !== null) {
    bt = checkTensor(op, 'b', b);
    if (bt.rank !== 1 || bt.shape[0] !== out) throw rangeError(op, `b must be [${out}], got b ${shapeStr(bt.shape)} (w ${shapeStr(wt.shape)})`);
    for (let i = 0; i < rows; i++) y.data.set(bt.data, i * out);
    beta = 1;
  }
  product(precision, xt.data, wt.data, y.data, { transA: false, transB: true, m: rows, n: out, k: inF, alpha: 1, beta, lda: Math.max(inF, 1), ldb: Math.max(inF, 1), ldc: Math.max(out, 1) });
  if (needsGrad(xt, wt, bt)) {
    // Over x viewed as [rows, in]: dx = gy w, dw = gy^T x, db = the column sums of gy.
    const x2 = xt.detach().reshape([rows, inF]);
    const w = wt.detach();
    const xShape = xt.shape;
    record(op, y, [xt, wt, bt], (gy, [gx, gw, gb]) => {
      const g2 = gy.reshape([rows, out]);
      return [
        gx ? gemm(g2, w).reshape(xShape) : null,
        gw ? gemm(g2, x2, { transA: true }) : null,
        gb ? sum(g2, 0) : null,
      ];
    });
  }
  return y;
}

/**
 * BLAS sgemm on bare Float32Arrays, row-major: `C = alpha * op(A) @ op(B) + beta * C`,
 * C updated in place. Every size and stride is checked against the arrays' lengths.
 * @param transA - A is stored transposed (K x M, else M x K).
 * @param transB - B is stored transposed (N x K, else K x N).
 * @param M - rows of op(A) and C.
 * @param N - columns of op(B) and C.
 * @param K - columns of op(A), rows of op(B).
 * @param alpha - scale of the product.
 * @param A - matrix A, row-major.
 * @param lda - row stride of A, in elements (at least its row width).
 * @param B - matrix B, row-major.
 * @param ldb - row stride of B, in elements.
 * @param beta - scale of C's old values (0: C is only written).
 * @param C - matrix C (M x N), row-major, updated in place.
 * @param ldc - row stride of C, in elements (at least N).
 */
export function sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  const p = checkSgemm('sgemm', [transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc]);
  backend().sgemm(...gemmCall(p));
}

/**
 * {@link sgemm} with A and B rounded to bfloat16 and the products summed in fp32 (see
 * {@link Precision}; the BLAS-extension name oneDNN and OpenBLAS use): same arguments, same
 * checks, C updated in place.
 * @param transA - A is stored transposed (K x M, else M x K).
 * @param transB - B is stored transposed (N x K, else K x N).
 * @param M - rows of op(A) and C.
 * @param N - columns of op(B) and C.
 * @param K - columns of op(A), rows of op(B).
 * @param alpha - scale of the product.
 * @param A - matrix A, row-major.
 * @param lda - row stride of A, in elements (at least its row width).
 * @param B - matrix B, row-major.
 * @param ldb - row stride of B, in elements.
 * @param beta - scale of C's old values (0: C is only written).
 * @param C - matrix C (M x N), row-major, updated in place.
 * @param ldc - row stride of C, in elements (at least N).
 */
export function sbgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  const p = checkSgemm('sbgemm', [transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc]);
  backend().sbgemm(...gemmCall(p));
}

/**
 * {@link sgemm} on int8 operands quantized dynamically (see {@link ProductPrecision}: A with one
 * scale, each column of op(B) with its own, exact int32 sums): same arguments and checks, C
 * updated in place; K at most 65536.
 * @param transA - A is stored transposed (K x M, else M x K).
 * @param transB - B is stored transposed (N x K, else K x N).
 * @param M - rows of op(A) and C.
 * @param N - columns of op(B) and C.
 * @param K - columns of op(A), rows of op(B); at most 65536.
 * @param alpha - scale of the product.
 * @param A - matrix A, row-major.
 * @param lda - row stride of A, in elements (at least its row width).
 * @param B - matrix B, row-major.
 * @param ldb - row stride of B, in elements.
 * @param beta - scale of C's old values (0: C is only written).
 * @param C - matrix C (M x N), row-major, updated in place.
 * @param ldc - row stride of C, in elements (at least N).
 */
export function qgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  const p = checkSgemm('qgemm', [transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc]);
  checkInt8K('qgemm', 'int8', p.k, () => `(M ${p.m}, N ${p.n})`);
  backend().qgemm(...gemmCall(p));
}
