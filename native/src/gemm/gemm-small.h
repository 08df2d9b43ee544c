// sgemm's paths for the products it does not block and pack (gemm.cc dispatches; contracts
// as convkit::sgemm, with alpha != 0, k >= 1). Internal to native/src/gemm.
#pragma once
#include <cstdint>

namespace convkit {

// C[m, n] *= beta (beta == 0 writes zeros without reading C).
void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc);

// A partial micro-tile: C[m, n] = tile[m, n] (row stride ldt) + beta * C (beta == 0 never
// reads C). The GEMMs' drivers run the micro-kernel into a scratch tile at ragged edges.
inline void store_partial_tile(int64_t m, int64_t n, const float* tile, int64_t ldt, float beta, float* c,
                               int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    const float* ti = tile + i * ldt;
    if (beta == 0.0f) {
      for (int64_t j = 0; j < n; ++j) ci[j] = ti[j];
    } else {
      for (int64_t j = 0; j < n; ++j) ci[j] = ti[j] + beta * ci[j];
    }
  }
}

// C = alpha op(A) op(B) + beta C by plain loops: tiny products and thin N (2..NR/4 columns).
void sgemm_small(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc);

// M <= 4 (GEMVs over B, two rows at a time, split by columns over the threads).
void sgemv_rows(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                int64_t ldc);

// N = 1 (a GEMV over A, split by rows).
void sgemv_column(bool trans_a, bool trans_b, int64_t m, int64_t k, float alpha, const float* a,
                  int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace convkit
