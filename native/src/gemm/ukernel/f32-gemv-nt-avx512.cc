// f32 GEMV, B transposed, AVX-512F: y[r, j] = dot(x[r, 0:k], B[j, 0:k]) for m = 1 or 2 rows
// (contract in configs/gemm-config.h). The row structure is gemv-rows.h; the vector steps are
// gemv-avx512.h.
#include <cstdint>

#include "gemv-avx512.h"

namespace convkit {

void f32_gemv_ukernel_nt__avx512(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                                 int64_t ldb, float* y, int64_t ldy) {
  gemv::gemv_nt<gemv_avx512>(m, n, k, x, b, ldb, y, ldy);
}

}  // namespace convkit
