// Declarations of the AArch64 NEON GEMM micro-kernel and GEMV kernels (contracts in
// configs/gemm-config.h), kept apart from ukernels.h so the Arm and x86 sets evolve separately.
// Each lives in ukernel/<name with dashes>.cc; NEON is baseline on AArch64, so no flags.
#pragma once
#include <cstdint>

#if defined(__aarch64__)
namespace convkit {

void f32_gemm_ukernel_8x12__neon(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                 float alpha, float beta);
void f32_gemv_ukernel_nn__neon(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy);
void f32_gemv_ukernel_nt__neon(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy);

}  // namespace convkit
#endif
