// bf16 GEMM of the ts backend, the exact reference of the native one: each operand rounded to
// bfloat16 as the hardware rounds (vcvtneps2bf16: nearest even, denormals to signed zero, NaN
// kept quiet; native/src/gemm/sbgemm.cc's float_to_bf16), then the fp32 GEMM of the rounded
// values (products of two bf16 values are exact in fp32).
import { sgemm } from './gemm';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** x rounded to bfloat16 (8 significant bits) and widened back to a float. */
export function bf16Round(x: number): number {
  f32[0] = x;
  let u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) u = (u | 0x00400000) & 0xffff0000;  // NaN: quiet
  else if ((u & 0x7f800000) === 0) u &= 0x80000000;                       // zero, denormal
  else u = ((u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000) >>> 0;          // nearest even
  u32[0] = u;
  return f32[0];
}

/** The rows x cols matrix at src (row stride ld) rounded, in a copy with the same strides. */
function rounded(src: Float32Array, rows: number, cols: number, ld: number): Float32Array {
  if (rows === 0 || cols === 0) return src;
  const out = new Float32Array((rows - 1) * ld + cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[r * ld + j] = bf16Round(src[r * ld + j]);
  return out;
}

export function sbgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void {
  const ar = m === 0 || k === 0 ? 0 : transA ? k : m, ac = transA ? m : k;
  const br = n === 0 || k === 0 ? 0 : transB ? n : k, bc = transB ? k : n;
  sgemm(transA, transB, m, n, k, alpha, rounded(a, ar, ac, lda), lda, rounded(b, br, bc, ldb), ldb, beta, c, ldc);
}
