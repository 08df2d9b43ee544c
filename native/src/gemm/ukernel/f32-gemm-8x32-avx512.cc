// 8x32 f32 GEMM micro-kernel, AVX-512F: 16 zmm accumulators (8 rows x 2 vectors of 16),
// per k step 2 loads of B, 8 broadcasts of A, 16 FMAs. Contract in configs/gemm-config.h.
// Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -mavx2; includes only
// intrinsics and static inline helpers (gemm-tile-avx512.h: the C tile's prefetch and store),
// so no inline function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "gemm/ukernel/gemm-tile-avx512.h"
#include "util/avx512-helpers.h"

namespace convkit {

void f32_gemm_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b, float* c,
                                   int64_t ldc, float alpha, float beta) {
  prefetch_c_8x32(c, ldc);
  __m512 acc[8][2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += 8;
    b += 32;
  }
  store_c_8x32(acc, c, ldc, alpha, beta);
}

// A read in place: row i's k run at a + i * lda (rows from m_eff on: row 0's), broadcast from
// there; the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_8x32_rows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                        float* c, int64_t ldc, float alpha, float beta) {
  prefetch_c_8x32(c, ldc);
  const float* r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = a + (i < m_eff ? i : 0) * lda;
  __m512 acc[8][2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512 ai = _mm512_set1_ps(r[i][p]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    b += 32;
  }
  store_c_8x32(acc, c, ldc, alpha, beta);
}

// B read in place: row p's 32 columns at b + p * ldb, columns from n_eff on masked off (loaded
// as 0, never read); the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_8x32_cols__avx512(int64_t kc, const float* a, const float* b, int64_t ldb, int64_t n_eff,
                                        float* c, int64_t ldc, float alpha, float beta) {
  prefetch_c_8x32(c, ldc);
  __m512 acc[8][2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  auto body = [&](auto load0, auto load1) {
    for (int64_t p = 0; p < kc; ++p) {
      const __m512 b0 = load0(b), b1 = load1(b);
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) {
        const __m512 ai = _mm512_set1_ps(a[i]);
        acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      }
      a += 8;
      b += ldb;
    }
  };
  if (n_eff >= 32) {
    body([](const float* q) { return _mm512_loadu_ps(q); }, [](const float* q) { return _mm512_loadu_ps(q + 16); });
  } else {
    const __mmask16 m0 = tail_mask(n_eff), m1 = tail_mask(n_eff - 16);
    body([m0](const float* q) { return _mm512_maskz_loadu_ps(m0, q); },
         [m1](const float* q) { return _mm512_maskz_loadu_ps(m1, q + 16); });
  }
  store_c_8x32(acc, c, ldc, alpha, beta);
}

}  // namespace convkit
