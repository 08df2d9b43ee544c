// f32 GEMV, B not transposed, AVX2 + FMA: y[r, 0:n] = sum_p x[r, p] * B[p, 0:n], m = 1 or 2
// (contract in configs/gemm-config.h). The row structure is gemv-rows.h; the vector steps are
// gemv-avx2.h.
#include <cstdint>

#include "gemv-avx2.h"

namespace convkit {

void f32_gemv_ukernel_nn__avx2(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy) {
  gemv::gemv_nn<gemv_avx2>(m, n, k, x, b, ldb, y, ldy);
}

}  // namespace convkit
