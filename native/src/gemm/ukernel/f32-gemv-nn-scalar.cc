// f32 GEMV, B not transposed, plain C++: y[r, 0:n] = sum_p x[r, p] * B[p, 0:n], m = 1 or 2
// (contract in configs/gemm-config.h). Row-streaming so the compiler can vectorize the j loop.
#include <cstdint>

namespace convkit {

void f32_gemv_ukernel_nn__scalar(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                                 int64_t ldb, float* y, int64_t ldy) {
  for (int64_t r = 0; r < m; ++r) {
    float* yr = y + r * ldy;
    const float* xr = x + r * k;
    for (int64_t j = 0; j < n; ++j) yr[j] = 0.0f;
    for (int64_t p = 0; p < k; ++p) {
      const float s = xr[p];
      const float* bp = b + p * ldb;
      for (int64_t j = 0; j < n; ++j) yr[j] += s * bp[j];
    }
  }
}

}  // namespace convkit
