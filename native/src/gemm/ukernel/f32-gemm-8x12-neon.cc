// 8x12 f32 GEMM micro-kernel, AArch64 Advanced SIMD (NEON): 24 accumulators (8 rows x three
// 4-wide vectors), 3 B vectors and 2 A vectors live per k step: 29 of the 32 128-bit
// registers. Each k step is 24 fused multiply-adds by lane (fmla v.4s, v.4s, v.s[i]).
// Contract in configs/gemm-config.h: a is kc x 8 packed, b is kc x 12 packed, c is 8 x 12.
#include <arm_neon.h>

#include <cstdint>

namespace convkit {

void f32_gemm_ukernel_8x12__neon(int64_t kc, const float* a, const float* b, float* c,
                                 int64_t ldc, float alpha, float beta) {
  float32x4_t c00 = vdupq_n_f32(0.0f), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
  float32x4_t c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
  float32x4_t c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
  float32x4_t c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00;
  for (int64_t p = 0; p < kc; ++p) {
    const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);  // rows 0-3, 4-7
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    c00 = vfmaq_laneq_f32(c00, b0, a0, 0), c01 = vfmaq_laneq_f32(c01, b1, a0, 0), c02 = vfmaq_laneq_f32(c02, b2, a0, 0);
    c10 = vfmaq_laneq_f32(c10, b0, a0, 1), c11 = vfmaq_laneq_f32(c11, b1, a0, 1), c12 = vfmaq_laneq_f32(c12, b2, a0, 1);
    c20 = vfmaq_laneq_f32(c20, b0, a0, 2), c21 = vfmaq_laneq_f32(c21, b1, a0, 2), c22 = vfmaq_laneq_f32(c22, b2, a0, 2);
    c30 = vfmaq_laneq_f32(c30, b0, a0, 3), c31 = vfmaq_laneq_f32(c31, b1, a0, 3), c32 = vfmaq_laneq_f32(c32, b2, a0, 3);
    c40 = vfmaq_laneq_f32(c40, b0, a1, 0), c41 = vfmaq_laneq_f32(c41, b1, a1, 0), c42 = vfmaq_laneq_f32(c42, b2, a1, 0);
    c50 = vfmaq_laneq_f32(c50, b0, a1, 1), c51 = vfmaq_laneq_f32(c51, b1, a1, 1), c52 = vfmaq_laneq_f32(c52, b2, a1, 1);
    c60 = vfmaq_laneq_f32(c60, b0, a1, 2), c61 = vfmaq_laneq_f32(c61, b1, a1, 2), c62 = vfmaq_laneq_f32(c62, b2, a1, 2);
    c70 = vfmaq_laneq_f32(c70, b0, a1, 3), c71 = vfmaq_laneq_f32(c71, b1, a1, 3), c72 = vfmaq_laneq_f32(c72, b2, a1, 3);
    a += 8;
    b += 12;
  }
  const float32x4_t va = vdupq_n_f32(alpha);
  // c[i, 0:12] = alpha * acc (+ beta * c); beta == 0 never reads c (it may hold NaN).
  auto store = [&](float* ci, float32x4_t x0, float32x4_t x1, float32x4_t x2) {
    x0 = vmulq_f32(x0, va), x1 = vmulq_f32(x1, va), x2 = vmulq_f32(x2, va);
    if (beta != 0.0f) {
      x0 = vfmaq_n_f32(x0, vld1q_f32(ci), beta);
      x1 = vfmaq_n_f32(x1, vld1q_f32(ci + 4), beta);
      x2 = vfmaq_n_f32(x2, vld1q_f32(ci + 8), beta);
    }
    vst1q_f32(ci, x0), vst1q_f32(ci + 4, x1), vst1q_f32(ci + 8, x2);
  };
  store(c, c00, c01, c02);
  store(c + ldc, c10, c11, c12);
  store(c + 2 * ldc, c20, c21, c22);
  store(c + 3 * ldc, c30, c31, c32);
  store(c + 4 * ldc, c40, c41, c42);
  store(c + 5 * ldc, c50, c51, c52);
  store(c + 6 * ldc, c60, c61, c62);
  store(c + 7 * ldc, c70, c71, c72);
}

}  // namespace convkit
