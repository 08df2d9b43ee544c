// f32 GEMV, B transposed, plain C++: y[r, j] = dot(x[r, 0:k], B[j, 0:k]), m = 1 or 2
// (contract in configs/gemm-config.h). Four partial sums break the add chain.
#include <cstdint>

namespace convkit {

void f32_gemv_ukernel_nt__scalar(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                                 int64_t ldb, float* y, int64_t ldy) {
  for (int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * k;
    for (int64_t j = 0; j < n; ++j) {
      const float* bj = b + j * ldb;
      float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
      int64_t p = 0;
      for (; p + 4 <= k; p += 4) {
        s0 += xr[p] * bj[p], s1 += xr[p + 1] * bj[p + 1];
        s2 += xr[p + 2] * bj[p + 2], s3 += xr[p + 3] * bj[p + 3];
      }
      for (; p < k; ++p) s0 += xr[p] * bj[p];
      y[r * ldy + j] = (s0 + s1) + (s2 + s3);
    }
  }
}

}  // namespace convkit
