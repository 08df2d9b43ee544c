// The GEMM oracle: a triple loop with double accumulation. Slow on purpose.
#include "convkit/gemm.h"

namespace convkit {

void sgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
               int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; alpha != 0.0f && p < k; ++p) {  // alpha == 0 reads no A, B
        const double av = trans_a ? a[p * lda + i] : a[i * lda + p];
        const double bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        acc += av * bv;
      }
      double r = static_cast<double>(alpha) * acc;
      if (beta != 0.0f) r += static_cast<double>(beta) * c[i * ldc + j];
      c[i * ldc + j] = static_cast<float>(r);
    }
  }
}

}  // namespace convkit
