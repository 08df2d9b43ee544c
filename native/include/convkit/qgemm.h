// int8 GEMM of the convkit core ("qgemm"): dynamic quantization as ONNX Runtime's
// DynamicQuantizeMatMul and PyTorch's quantize_dynamic do it, with products summed exactly in
// int32 and the result fp32. Row-major, BLAS semantics as sgemm (convkit/gemm.h). No Node here.
//
// The arithmetic, exactly (every ISA gives the same bits; the TS backend's qgemm is its twin):
//   sa    = fl(max |op(A)| / 127)             one scale for all of op(A) [M,K]
//   sb_j  = fl(max_p |op(B)[p,j]| / 127)      one scale per column j of op(B) [K,N]
//   qa    = rne(fl(a / sa)), qb = rne(fl(b / sb_j))   (rne: round half to even; |q| <= 127;
//           a scale of 0 (an all-zero operand) quantizes everything to 0)
//   q_ij  = sum_p qa[i,p] * qb[p,j]            exact (int32: K <= kQgemmMaxK)
//   d_ij  = fl(fl(float(q_ij)) * fl(sa * sb_j))
//   C_ij  = fl(alpha * d_ij), then fl(C_ij + fl(beta * C_ij_old)) when beta != 0
//           (each operation rounded on its own: no fused multiply-add)
// A NaN or infinity in op(A) makes every d_ij NaN; in column j of op(B), that column's d_ij.
#pragma once
#include <cstdint>

namespace convkit {

// The largest K: q's int32 sum of K products of |127 * 127| (and the u8 form's 255 * 127) fits.
constexpr int64_t kQgemmMaxK = 65536;

// C[M,N] = alpha * dequant(quant(op(A)) . quant(op(B))) + beta * C as above. beta == 0 never
// reads C. M, N or K == 0 is allowed; K must be <= kQgemmMaxK (larger K: C is left unchanged
// and false is returned).
bool qgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// Whether qgemm runs on int8 dot-product instructions here (AVX512_VNNI at the AVX-512 level),
// else on portable integer loops (the same results, slower).
bool qgemm_native();

}  // namespace convkit
