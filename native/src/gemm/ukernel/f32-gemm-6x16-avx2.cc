// 6x16 f32 GEMM micro-kernel, AVX2 + FMA: 12 ymm accumulators (6 rows x 2 vectors of 8),
// per k step 2 loads of B, 6 broadcasts of A, 12 FMAs. Contract in configs/gemm-config.h.
// Three operand forms, one k loop: packed A and B; A read in place (rows at a stride, for a
// thin B: no pass copying all of A); B read in place (columns past n_eff loaded as 0).
// Compiled with -mavx2 -mfma; includes only intrinsics and util/avx2-helpers.h (internal linkage).
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "util/avx2-helpers.h"

namespace convkit {

namespace {

// The 6x16 tile's k loop, written once for the three operand forms: per k step the two B
// vectors (load_b(p, b0, b1)), then 6 broadcasts of A (load_a(i, p)) and 12 FMAs.
template <class LoadA, class LoadB>
inline void tile_6x16(int64_t kc, LoadA load_a, LoadB load_b, float* c, int64_t ldc, float alpha, float beta) {
  __m256 acc[6][2];
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m256 b0, b1;
    load_b(p, b0, b1);
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      const __m256 ai = _mm256_set1_ps(load_a(i, p));
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  const __m256 va = _mm256_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(va, acc[i][0]));
      _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(va, acc[i][1]));
    }
  } else {
    const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      float* ci = c + i * ldc;
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci), _mm256_mul_ps(va, acc[i][0])));
      _mm256_storeu_ps(ci + 8,
                       _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8), _mm256_mul_ps(va, acc[i][1])));
    }
  }
}

auto packed_b(const float* b) {
  return [b](int64_t p, __m256& b0, __m256& b1) {
    b0 = _mm256_loadu_ps(b + p * 16);
    b1 = _mm256_loadu_ps(b + p * 16 + 8);
  };
}

}  // namespace

void f32_gemm_ukernel_6x16__avx2(int64_t kc, const float* a, const float* b, float* c,
                                 int64_t ldc, float alpha, float beta) {
  tile_6x16(kc, [a](int i, int64_t p) { return a[p * 6 + i]; }, packed_b(b), c, ldc, alpha, beta);
}

// A read in place: row i's k run at a + i * lda (rows from m_eff on: row 0's), broadcast from
// there; the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_6x16_rows__avx2(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                      float* c, int64_t ldc, float alpha, float beta) {
  const float* r[6];
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) r[i] = a + (i < m_eff ? i : 0) * lda;
  tile_6x16(kc, [&r](int i, int64_t p) { return r[i][p]; }, packed_b(b), c, ldc, alpha, beta);
}

// B read in place: row p's 16 columns at b + p * ldb, columns from n_eff on masked off (loaded
// as 0, never read); the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_6x16_cols__avx2(int64_t kc, const float* a, const float* b, int64_t ldb, int64_t n_eff,
                                      float* c, int64_t ldc, float alpha, float beta) {
  auto packed_a = [a](int i, int64_t p) { return a[p * 6 + i]; };
  if (n_eff >= 16) {
    tile_6x16(
        kc, packed_a,
        [b, ldb](int64_t p, __m256& b0, __m256& b1) {
          b0 = _mm256_loadu_ps(b + p * ldb);
          b1 = _mm256_loadu_ps(b + p * ldb + 8);
        },
        c, ldc, alpha, beta);
    return;
  }
  const __m256i m0 = lanes_below(n_eff), m1 = lanes_below(n_eff - 8);
  tile_6x16(
      kc, packed_a,
      [b, ldb, m0, m1](int64_t p, __m256& b0, __m256& b1) {
        b0 = _mm256_maskload_ps(b + p * ldb, m0);
        b1 = _mm256_maskload_ps(b + p * ldb + 8, m1);
      },
      c, ldc, alpha, beta);
}

}  // namespace convkit
