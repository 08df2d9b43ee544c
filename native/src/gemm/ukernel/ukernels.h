// Declarations of every f32 GEMM micro-kernel; contract in isa/config.h.
// Each lives in ukernel/<name with dashes>.cc, compiled with its own ISA flags.
#pragma once
#include <cstdint>

namespace convkit {

void f32_gemm_ukernel_4x8__scalar(int64_t kc, const float* a, const float* b, float* c,
                                  int64_t ldc, float alpha, float beta);
#if defined(__x86_64__) || defined(_M_X64)
void f32_gemm_ukernel_6x16__avx2(int64_t kc, const float* a, const float* b, float* c,
                                 int64_t ldc, float alpha, float beta);
void f32_gemm_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b, float* c,
                                   int64_t ldc, float alpha, float beta);
#endif

}  // namespace convkit
