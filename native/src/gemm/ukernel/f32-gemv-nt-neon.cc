// f32 GEMV, B transposed, AArch64 NEON: y[r, j] = dot(x[r, 0:k], B[j, 0:k]), m = 1 or 2
// (contract in configs/gemm-config.h). 4 rows of B per pass, 4-wide partial sums reduced with
// faddp at the end, scalar k tail (reads nothing past a row of B).
#include <arm_neon.h>

#include <cstdint>

namespace convkit {

void f32_gemv_ukernel_nt__neon(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy) {
  const float* x1 = x + k;
  const bool two = m == 2;
  const int64_t k4 = k / 4 * 4;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* b0 = b + j * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (int64_t p = 0; p < k4; p += 4) {
      const float32x4_t v0 = vld1q_f32(b0 + p), v1 = vld1q_f32(b1 + p), v2 = vld1q_f32(b2 + p), v3 = vld1q_f32(b3 + p);
      const float32x4_t xa = vld1q_f32(x + p);
      s0 = vfmaq_f32(s0, xa, v0), s1 = vfmaq_f32(s1, xa, v1), s2 = vfmaq_f32(s2, xa, v2), s3 = vfmaq_f32(s3, xa, v3);
      if (two) {
        const float32x4_t xb = vld1q_f32(x1 + p);
        t0 = vfmaq_f32(t0, xb, v0), t1 = vfmaq_f32(t1, xb, v1), t2 = vfmaq_f32(t2, xb, v2), t3 = vfmaq_f32(t3, xb, v3);
      }
    }
    float r0 = vaddvq_f32(s0), r1 = vaddvq_f32(s1), r2 = vaddvq_f32(s2), r3 = vaddvq_f32(s3);
    float q0 = vaddvq_f32(t0), q1 = vaddvq_f32(t1), q2 = vaddvq_f32(t2), q3 = vaddvq_f32(t3);
    for (int64_t p = k4; p < k; ++p) {
      r0 += x[p] * b0[p], r1 += x[p] * b1[p], r2 += x[p] * b2[p], r3 += x[p] * b3[p];
      if (two) q0 += x1[p] * b0[p], q1 += x1[p] * b1[p], q2 += x1[p] * b2[p], q3 += x1[p] * b3[p];
    }
    y[j] = r0, y[j + 1] = r1, y[j + 2] = r2, y[j + 3] = r3;
    if (two) y[ldy + j] = q0, y[ldy + j + 1] = q1, y[ldy + j + 2] = q2, y[ldy + j + 3] = q3;
  }
  for (; j < n; ++j) {
    const float* bj = b + j * ldb;
    float32x4_t s = vdupq_n_f32(0.0f), t = s;
    for (int64_t p = 0; p < k4; p += 4) {
      const float32x4_t v = vld1q_f32(bj + p);
      s = vfmaq_f32(s, vld1q_f32(x + p), v);
      if (two) t = vfmaq_f32(t, vld1q_f32(x1 + p), v);
    }
    float r = vaddvq_f32(s), q = vaddvq_f32(t);
    for (int64_t p = k4; p < k; ++p) {
      r += x[p] * bj[p];
      if (two) q += x1[p] * bj[p];
    }
    y[j] = r;
    if (two) y[ldy + j] = q;
  }
}

}  // namespace convkit
