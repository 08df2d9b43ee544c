// Declarations of every f32 GEMM micro-kernel and GEMV kernel (contracts in
// configs/gemm-config.h). Each lives in ukernel/<name with dashes>.cc, compiled with its own ISA flags.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"  // activation, of the bf16 kernel that finishes its tile

namespace convkit {

#define CONVKIT_GEMM_UKERNEL(name) \
  void name(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta)
#define CONVKIT_GEMV_UKERNEL(name)                                                             \
  void name(int64_t m, int64_t n, int64_t k, const float* x, const float* b, int64_t ldb, float* y, \
            int64_t ldy)

CONVKIT_GEMM_UKERNEL(f32_gemm_ukernel_4x8__scalar);
CONVKIT_GEMV_UKERNEL(f32_gemv_ukernel_nn__scalar);
CONVKIT_GEMV_UKERNEL(f32_gemv_ukernel_nt__scalar);
#if defined(__x86_64__) || defined(_M_X64)
CONVKIT_GEMM_UKERNEL(f32_gemm_ukernel_6x16__avx2);
// A or B read in place (f32_gemm_ukernel_rows_fn, _cols_fn), in f32-gemm-6x16-avx2.cc.
void f32_gemm_ukernel_6x16_rows__avx2(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                      float* c, int64_t ldc, float alpha, float beta);
void f32_gemm_ukernel_6x16_cols__avx2(int64_t kc, const float* a, const float* b, int64_t ldb, int64_t n_eff,
                                      float* c, int64_t ldc, float alpha, float beta);
CONVKIT_GEMM_UKERNEL(f32_gemm_ukernel_8x32__avx512);
// A or B read in place (f32_gemm_ukernel_rows_fn, _cols_fn), in f32-gemm-8x32-avx512.cc.
void f32_gemm_ukernel_8x32_rows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                        float* c, int64_t ldc, float alpha, float beta);
void f32_gemm_ukernel_8x32_finish__avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                                          int64_t ldc, float alpha, float beta, const float* bias, const float* res,
                                          activation act);
void f32_gemm_ukernel_8x32_edge__avx512(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                        int64_t n_eff, float* c, int64_t ldc, float alpha, float beta,
                                        const float* bias, const float* res, activation act);
void f32_gemm_ukernel_8x32_cols__avx512(int64_t kc, const float* a, const float* b, int64_t ldb, int64_t n_eff,
                                        float* c, int64_t ldc, float alpha, float beta);
CONVKIT_GEMV_UKERNEL(f32_gemv_ukernel_nn__avx2);
CONVKIT_GEMV_UKERNEL(f32_gemv_ukernel_nt__avx2);
CONVKIT_GEMV_UKERNEL(f32_gemv_ukernel_nn__avx512);
CONVKIT_GEMV_UKERNEL(f32_gemv_ukernel_nt__avx512);
// Transposing pack of 8 rows (f32-pack-t8-avx512.cc, f32-pack-t8-avx2.cc): dst[p*ldd + i] = src[i*ld + p], i < 8, p < kc.
void f32_pack_t8_ukernel__avx512(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd);
void f32_pack_t8_ukernel__avx2(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd);
// bf16 GEMM (bf16-gemm-8x32-avx512bf16.cc, contracts in configs/sbgemm-config.h).
void bf16_gemm_ukernel_8x32__avx512bf16(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b, float* c,
                                        int64_t ldc, float alpha, float beta);
void bf16_gemm_ukernel_8x32_finish__avx512bf16(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b,
                                               float* c, int64_t ldc, float alpha, float beta, const float* bias,
                                               const float* res, activation act);
void bf16_pairs_along__avx512bf16(int64_t n, const float* src, uint32_t* dst);
void bf16_round__avx512bf16(int64_t n, const float* src, float* dst);
void bf16_pairs_across__avx512bf16(int64_t n, const float* r0, const float* r1, uint32_t* dst);
#endif

#undef CONVKIT_GEMM_UKERNEL
#undef CONVKIT_GEMV_UKERNEL

}  // namespace convkit
