// f32 GEMV, B not transposed, AArch64 NEON: y[r, 0:n] = sum_p x[r, p] * B[p, 0:n], m = 1 or 2
// (contract in configs/gemm-config.h). 16 columns per pass (4 vectors per row of x), B rows
// streamed once for both rows of x; 4-wide and scalar column tails.
#include <arm_neon.h>

#include <cstdint>

namespace convkit {

void f32_gemv_ukernel_nn__neon(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy) {
  const float* x1 = x + k;
  const bool two = m == 2;
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (int64_t p = 0; p < k; ++p) {
      const float* bp = b + p * ldb + j;
      const float32x4_t v0 = vld1q_f32(bp), v1 = vld1q_f32(bp + 4), v2 = vld1q_f32(bp + 8), v3 = vld1q_f32(bp + 12);
      const float xa = x[p];
      s0 = vfmaq_n_f32(s0, v0, xa), s1 = vfmaq_n_f32(s1, v1, xa);
      s2 = vfmaq_n_f32(s2, v2, xa), s3 = vfmaq_n_f32(s3, v3, xa);
      if (two) {
        const float xb = x1[p];
        t0 = vfmaq_n_f32(t0, v0, xb), t1 = vfmaq_n_f32(t1, v1, xb);
        t2 = vfmaq_n_f32(t2, v2, xb), t3 = vfmaq_n_f32(t3, v3, xb);
      }
    }
    vst1q_f32(y + j, s0), vst1q_f32(y + j + 4, s1), vst1q_f32(y + j + 8, s2), vst1q_f32(y + j + 12, s3);
    if (two) {
      float* y1 = y + ldy + j;
      vst1q_f32(y1, t0), vst1q_f32(y1 + 4, t1), vst1q_f32(y1 + 8, t2), vst1q_f32(y1 + 12, t3);
    }
  }
  for (; j + 4 <= n; j += 4) {
    float32x4_t s = vdupq_n_f32(0.0f), t = s;
    for (int64_t p = 0; p < k; ++p) {
      const float32x4_t v = vld1q_f32(b + p * ldb + j);
      s = vfmaq_n_f32(s, v, x[p]);
      if (two) t = vfmaq_n_f32(t, v, x1[p]);
    }
    vst1q_f32(y + j, s);
    if (two) vst1q_f32(y + ldy + j, t);
  }
  for (; j < n; ++j) {
    float s = 0.0f, t = 0.0f;
    for (int64_t p = 0; p < k; ++p) {
      const float v = b[p * ldb + j];
      s += x[p] * v;
      if (two) t += x1[p] * v;
    }
    y[j] = s;
    if (two) y[ldy + j] = t;
  }
}

}  // namespace convkit
