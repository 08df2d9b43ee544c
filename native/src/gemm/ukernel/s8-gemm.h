// Declarations of the int8 GEMM kernels (contracts in configs/qgemm-config.h). Each lives in
// ukernel/<name with dashes>.cc, compiled with its own ISA flags.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"  // activation

// The dequantization's operations are rounded one by one (convkit/qgemm.h): this keeps the
// compiler from contracting a product and the sum that follows into one fused multiply-add.
#if defined(__GNUC__)
#define CONVKIT_QGEMM_ROUNDED(x) __asm__("" : "+m"(x))
#else
#define CONVKIT_QGEMM_ROUNDED(x) (void)(x)
#endif

namespace convkit {

#define CONVKIT_S8_GEMM_UKERNEL(name)                                                                          \
  void name(int64_t kq, const uint8_t* a, int64_t lda, int64_t m_eff, const int8_t* b, int64_t n_eff,          \
            const float* scale, const int32_t* colsum128, float* c, int64_t ldc, float alpha, float beta,       \
            const float* bias, const float* res, activation act)

CONVKIT_S8_GEMM_UKERNEL(s8_gemm_ukernel_4x32__scalar);
void s8_quantize__scalar(int64_t n, const float* src, const float* s, bool per_element, int offset, uint8_t* dst);
float f32_absmax__scalar(int64_t n, const float* src);
void f32_absmax_cols__scalar(int64_t k, int64_t cols, const float* src, int64_t ld, float* mx);
void s8_pack_panel__scalar(int64_t k, int64_t cols, const float* src, int64_t ld, const float* s, int8_t* panel,
                           int32_t* colsum128);
#if defined(__x86_64__) || defined(_M_X64)
CONVKIT_S8_GEMM_UKERNEL(s8_gemm_ukernel_12x32__avx512vnni);
void s8_quantize__avx512vnni(int64_t n, const float* src, const float* s, bool per_element, int offset, uint8_t* dst);
float f32_absmax__avx512vnni(int64_t n, const float* src);
void f32_absmax_cols__avx512vnni(int64_t k, int64_t cols, const float* src, int64_t ld, float* mx);
void s8_pack_panel__avx512vnni(int64_t k, int64_t cols, const float* src, int64_t ld, const float* s, int8_t* panel,
                               int32_t* colsum128);
#endif

}  // namespace convkit
