// f32 GEMV, B transposed, AArch64 NEON: y[r, j] = dot(x[r, 0:k], B[j, 0:k]), m = 1 or 2
// (contract in configs/gemm-config.h). The row structure is gemv-rows.h (4 rows of B per pass);
// here 4-wide partial sums reduced with faddp at the end and a scalar k tail (reads nothing
// past a row of B).
#include <arm_neon.h>

#include <cstdint>

#include "gemv-rows.h"

namespace convkit {

namespace {
struct gemv_neon {
  using vec = float32x4_t;
  static constexpr int64_t width = 4;
  struct lanes {
    float32x4_t load(const float* s) const { return vld1q_f32(s); }
  };
  explicit gemv_neon(int64_t end) : whole_end_(end / 4 * 4) {}
  int64_t vec_end() const { return whole_end_; }  // whole vectors only; the rest is scalar
  lanes at(int64_t) const { return {}; }
  static float32x4_t zero() { return vdupq_n_f32(0.0f); }
  static float32x4_t fma(float32x4_t a, float32x4_t b, float32x4_t acc) { return vfmaq_f32(acc, a, b); }
  static float sum(float32x4_t v) { return vaddvq_f32(v); }
  static void prefetch4(const float*, int64_t) {}  // not measured on an ARM machine: the hardware streams

 private:
  int64_t whole_end_;
};
}  // namespace

void f32_gemv_ukernel_nt__neon(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy) {
  gemv::gemv_nt<gemv_neon>(m, n, k, x, b, ldb, y, ldy);
}

}  // namespace convkit
