// Validation of matrix products: BLAS sgemm arguments and numpy-style matmul broadcasting.
import { checkDim, checkFinite } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { float32Length } from '../tensor';

export interface SgemmArgs {
  transA: boolean; transB: boolean;
  m: number; n: number; k: number;
  alpha: number; beta: number;
  a: Float32Array; lda: number;
  b: Float32Array; ldb: number;
  c: Float32Array; ldc: number;
}

function checkMatrix(op: string, name: string, buf: unknown, rows: number, cols: number, ld: number, ldName: string): void {
  // Not instanceof and buf.length: a Proxy or an own `length` property would pass those.
  const length = float32Length(op, name, buf);
  if (ld < Math.max(1, cols)) throw rangeError(op, `${ldName} ${ld} < ${cols}, the row width of ${name} (${rows}x${cols}, row-major)`);
  const need = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (length < need) throw rangeError(op, `${name} (${rows}x${cols}, ${ldName} ${ld}) needs ${need} elements but has ${length}`);
}

/** Checks every BLAS argument so no kernel can read or write outside the buffers. */
export function checkSgemm(op: string, args: unknown[]): SgemmArgs {
  if (args.length !== 13) throw typeError13(op, args.length);
  const [transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc] = args;
  if (typeof transA !== 'boolean') throw invalidType(op, 'transA', 'a boolean', transA);
  if (typeof transB !== 'boolean') throw invalidType(op, 'transB', 'a boolean', transB);
  const M = checkDim(op, 'M', m);
  const N = checkDim(op, 'N', n);
  const K = checkDim(op, 'K', k);
  const al = checkFinite(op, 'alpha', alpha);
  const be = checkFinite(op, 'beta', beta);
  const LDA = checkDim(op, 'lda', lda);
  const LDB = checkDim(op, 'ldb', ldb);
  const LDC = checkDim(op, 'ldc', ldc);
  checkMatrix(op, 'A', a, transA ? K : M, transA ? M : K, LDA, 'lda');
  checkMatrix(op, 'B', b, transB ? N : K, transB ? K : N, LDB, 'ldb');
  checkMatrix(op, 'C', c, M, N, LDC, 'ldc');
  return { transA, transB, m: M, n: N, k: K, alpha: al, beta: be, a: a as Float32Array, lda: LDA, b: b as Float32Array, ldb: LDB, c: c as Float32Array, ldc: LDC };
}

function typeError13(op: string, got: number): TypeError {
  return new TypeError(`${op}: expected 13 arguments (transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc), got ${got}`);
}

/** One BLAS sgemm as the backends take it, with its arrays a, b, c: row-major, C = alpha op(A) op(B) + beta C. */
export interface GemmInfo {
  /** Whether A is stored transposed (K x M). */
  transA: boolean;
  /** Whether B is stored transposed (N x K). */
  transB: boolean;
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Columns of op(A), rows of op(B). */
  k: number;
  /** Scale of the product. */
  alpha: number;
  /** Scale of C's old values (0: C is only written). */
  beta: number;
  /** Row stride of A, in elements. */
  lda: number;
  /** Row stride of B, in elements. */
  ldb: number;
  /** Row stride of C, in elements. */
  ldc: number;
}

/** The arrays and info of the backends' sgemm, from BLAS's 13 positional arguments. */
export function gemmCall(p: SgemmArgs): [Float32Array, Float32Array, Float32Array, GemmInfo] {
  const { transA, transB, m, n, k, alpha, beta, lda, ldb, ldc } = p;
  return [p.a, p.b, p.c, { transA, transB, m, n, k, alpha, beta, lda, ldb, ldc }];
}

/**
 * One batched matmul as the backends take it: y[t] (m x n) = a[aOffsets[t] ..] (m x k, row
 * stride k) @ b[bOffsets[t] ..] (k x n, row stride n), for t < aOffsets.length.
 */
export interface MatmulInfo {
  /** Rows of each a matrix and output matrix. */
  m: number;
  /** Columns of each b matrix and output matrix. */
  n: number;
  /** Columns of a, rows of b. */
  k: number;
  /** Float64Arrays: reading them runs no JS (no getters, no Proxy), and they cost no more than the caller's own memory. */
  aOffsets: Float64Array;
  /** For each matrix t of the batch: the offset, in elements, of its b matrix. */
  bOffsets: Float64Array;
}

export interface MatmulPlan {
  m: number; n: number; k: number;
  /** Result shape, numpy rules (1-D operands lose their added dimension). */
  outShape: number[];
  /** For each output batch: offsets (in elements) into a and b. */
  aOffsets: Float64Array;
  bOffsets: Float64Array;
}

// The offsets of an unbatched product: read only (the glue and the backward read plans'
// offsets, nothing writes them). Off V8's heap from the start (an explicit ArrayBuffer).
const ZERO_OFFSET = new Float64Array(new ArrayBuffer(8));

/** numpy matmul: [..., M, K] @ [..., K, N], batch dims broadcast; 1-D operands allowed. */
export function matmulPlan(op: string, aShape: readonly number[], bShape: readonly number[]): MatmulPlan {
  if (aShape.length === 0 || bShape.length === 0) throw rangeError(op, `operands must have rank >= 1, got a ${shapeStr(aShape)}, b ${shapeStr(bShape)}`);
  const a = aShape.length === 1 ? [1, aShape[0]] : [...aShape];
  const b = bShape.length === 1 ? [bShape[0], 1] : [...bShape];
  const m = a[a.length - 2];
  const k = a[a.length - 1];
  const n = b[b.length - 1];
  if (b[b.length - 2] !== k) throw rangeError(op, `inner dimensions differ: a ${shapeStr(aShape)} has ${k} columns, b ${shapeStr(bShape)} has ${b[b.length - 2]} rows`);
  const aBatch = a.slice(0, -2);
  const bBatch = b.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[aBatch.length - rank + i] ?? 1;
    const db = bBatch[bBatch.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw rangeError(op, `batch dimensions do not broadcast: a ${shapeStr(aShape)}, b ${shapeStr(bShape)}`);
    batch.push(da === 1 ? db : da);  // numpy: 1 broadcasts to any size, 0 included
  }
  const count = batch.reduce((p, d) => p * d, 1);
  const outShape = [...batch];
  if (aShape.length > 1) outShape.push(m);
  if (bShape.length > 1) outShape.push(n);
  // One product (the common case) shares the read-only [0]: no two fresh 8-byte arrays per
  // call, which V8 keeps on its heap and must move off it when the addon reads them.
  if (count === 1) return { m, n, k, outShape, aOffsets: ZERO_OFFSET, bOffsets: ZERO_OFFSET };
  const aOffsets = new Float64Array(count);
  const bOffsets = new Float64Array(count);
  const index = new Array(rank).fill(0);
  for (let t = 0; t < count; t++) {
    aOffsets[t] = broadcastOffset(index, aBatch) * m * k;
    bOffsets[t] = broadcastOffset(index, bBatch) * k * n;
    for (let i = rank - 1; i >= 0; i--) { if (++index[i] < batch[i]) break; index[i] = 0; }
  }
  return { m, n, k, outShape, aOffsets, bOffsets };
}

/** Offset (in matrices) of a broadcast operand with batch dims `dims` at output index `index`. */
function broadcastOffset(index: number[], dims: number[]): number {
  let off = 0;
  const shift = index.length - dims.length;
  for (let i = 0; i < dims.length; i++) off = off * dims[i] + (dims[i] === 1 ? 0 : index[i + shift]);
  return off;
}
