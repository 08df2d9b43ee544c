// bf16 GEMM of the convkit core ("sbgemm", as oneDNN and OpenBLAS name it): the operands are
// rounded to bfloat16 (8 significant bits), their products accumulated in fp32, the result
// fp32. Row-major, BLAS semantics as sgemm (convkit/gemm.h). No Node here.
#pragma once
#include <cstdint>

#include "convkit/gemm.h"  // gemm_epilogue

namespace convkit {

// The bfloat16 rounding the hardware does (vcvtneps2bf16): round to nearest even, denormal
// inputs to signed zero, NaN kept quiet. Returns the bf16 bits; bf16_to_float widens exactly.
uint16_t float_to_bf16(float x);
float bf16_to_float(uint16_t h);
// x rounded to bf16 and widened back: the value the products use.
inline float bf16_round(float x) { return bf16_to_float(float_to_bf16(x)); }
// dst[i] = bf16_round(src[i]) for i < n (dst may be src): vectorized where the CPU has the bf16
// conversion, across the threads for large n.
void bf16_round_array(int64_t n, const float* src, float* dst);

// C[M,N] = alpha * bf16(op(A)) * bf16(op(B)) + beta * C, fp32 accumulation. Each product of
// two bf16 values is exact in fp32, so the result is the fp32 GEMM of the rounded operands up
// to the order of the sums. beta == 0 never reads C. M, N or K == 0 is allowed.
void sbgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
            const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
            int64_t ldc);

// B prepacked once for many products with the same B (weights): op(B) [K,N] as bf16 pair
// panels. sbgemm_packed_b_size(n, k) floats (0 where sbgemm_native() is false: nothing to
// pack); sbgemm_pack_b fills them; sbgemm_prepacked_b is sbgemm on them (bit for bit what
// sbgemm gives on the same b, which it takes as well for the paths that read it as it is).
int64_t sbgemm_packed_b_size(int64_t n, int64_t k);
// The panels are sbgemm_panel_width() columns of op(B) each (0 where sbgemm_native() is false):
// columns [j, n) of a packed B (j a multiple of that width) are themselves a packed B of n - j
// columns, starting sbgemm_packed_b_offset(j, k) floats in.
int64_t sbgemm_panel_width();
inline int64_t sbgemm_packed_b_offset(int64_t j, int64_t k) { return j * ((k + 1) / 2); }
void sbgemm_pack_b(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, float* bp);
// epi: null, or the epilogue finished inside the tiles (convkit/gemm.h, gemm_epilogue).
void sbgemm_prepacked_b(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                        int64_t lda, const float* b, int64_t ldb, const float* bp, float beta, float* c, int64_t ldc,
                        const gemm_epilogue* epi = nullptr);

// dst[q] = (bf16 src[2q], bf16 src[2q + 1]) (the first in the low half), a zero past n: an
// array converted once for products that read it as their A (threaded for large n).
void bf16_pairs(int64_t n, const float* src, uint32_t* dst);
// C [m, n] = A . op(B) (+ epi), A given as bf16 pairs already: m rows of k / 2 pairs, lda
// pairs apart (k even), read in place; op(B) prepacked (sbgemm_pack_b with trans_b, from an
// [n, k] b). beta 0, alpha 1. The kernel reads A's rows in tiles of 8: rows up to the next
// multiple of 8 past m must be readable (what they hold is not used). Only where
// sbgemm_native() (std::invalid_argument elsewhere).
void sbgemm_pairs_a_prepacked_b(int64_t m, int64_t n, int64_t k, const uint32_t* a, int64_t lda, const float* bp,
                                float* c, int64_t ldc, const gemm_epilogue* epi = nullptr);

// Whether sbgemm runs on bf16 instructions here (AVX512_BF16, and CONVKIT_BF16 is not
// "emulate"); otherwise it rounds the operands and runs the fp32 GEMM (same results up to
// the order of the sums, fp32 speed).
bool sbgemm_native();

// Triple loop over the rounded operands, double accumulation: the oracle for tests.
void sbgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                int64_t ldc);

}  // namespace convkit
