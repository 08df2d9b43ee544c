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

namespace {

// The 8x32 tile's k loop, written once for the three operand forms: per k step the two B
// vectors (load_b(p, b0, b1)), then 8 broadcasts of A (load_a(i, p)) and 16 FMAs.
template <class LoadA, class LoadB>
inline void tile_8x32(int64_t kc, LoadA load_a, LoadB load_b, float* c, int64_t ldc, float alpha, float beta) {
  prefetch_c_8x32(c, ldc);
  __m512 acc[8][2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0, b1;
    load_b(p, b0, b1);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512 ai = _mm512_set1_ps(load_a(i, p));
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  store_c_8x32(acc, c, ldc, alpha, beta);
}

}  // namespace

void f32_gemm_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b, float* c,
                                   int64_t ldc, float alpha, float beta) {
  tile_8x32(
      kc, [a](int i, int64_t p) { return a[p * 8 + i]; },
      [b](int64_t p, __m512& b0, __m512& b1) {
        b0 = _mm512_loadu_ps(b + p * 32);
        b1 = _mm512_loadu_ps(b + p * 32 + 16);
      },
      c, ldc, alpha, beta);
}

// A read in place: row i's k run at a + i * lda (rows from m_eff on: row 0's), broadcast from
// there; the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_8x32_rows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                        float* c, int64_t ldc, float alpha, float beta) {
  const float* r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = a + (i < m_eff ? i : 0) * lda;
  tile_8x32(
      kc, [&r](int i, int64_t p) { return r[i][p]; },
      [b](int64_t p, __m512& b0, __m512& b1) {
        b0 = _mm512_loadu_ps(b + p * 32);
        b1 = _mm512_loadu_ps(b + p * 32 + 16);
      },
      c, ldc, alpha, beta);
}

// B read in place: row p's 32 columns at b + p * ldb, columns from n_eff on masked off (loaded
// as 0, never read); the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_8x32_cols__avx512(int64_t kc, const float* a, const float* b, int64_t ldb, int64_t n_eff,
                                        float* c, int64_t ldc, float alpha, float beta) {
  auto packed_a = [a](int i, int64_t p) { return a[p * 8 + i]; };
  if (n_eff >= 32) {
    tile_8x32(
        kc, packed_a,
        [b, ldb](int64_t p, __m512& b0, __m512& b1) {
          b0 = _mm512_loadu_ps(b + p * ldb);
          b1 = _mm512_loadu_ps(b + p * ldb + 16);
        },
        c, ldc, alpha, beta);
    return;
  }
  const __mmask16 m0 = tail_mask(n_eff), m1 = tail_mask(n_eff - 16);
  tile_8x32(
      kc, packed_a,
      [b, ldb, m0, m1](int64_t p, __m512& b0, __m512& b1) {
        b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb);
        b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + 16);
      },
      c, ldc, alpha, beta);
}

}  // namespace convkit
