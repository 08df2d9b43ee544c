// f32 GEMV, B not transposed, AVX-512F: y[r, 0:n] = sum_p x[r, p] * B[p, 0:n] for m = 1 or 2
// rows of x (contract in configs/gemm-config.h). Memory-bound: B is read once, row after row, 4
// rows at a time (4 sequential streams for the prefetcher); y ([m, n], at most a few KiB)
// stays in L1 and is updated once per 4 rows of B. Column tails use masked loads and stores.
// Measured on a cold 2048x1000 B (native/bench/gemm-bench fc_b1, 1 thread): 13-18 GB/s with
// the hardware prefetchers alone, 20-24 GB/s with the software prefetch one sweep ahead.
#include <immintrin.h>
#include <cstdint>

#include "util/avx512-helpers.h"

namespace convkit {

namespace {
// The line at `row` in 4 consecutive rows of B.
inline void prefetch_rows(const float* row, int64_t ldb) {
  for (int r = 0; r < 4; ++r) _mm_prefetch(reinterpret_cast<const char*>(row + r * ldb), _MM_HINT_T0);
}
}  // namespace

void f32_gemv_ukernel_nn__avx512(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                                 int64_t ldb, float* y, int64_t ldy) {
  float* y0 = y;
  float* y1 = y + ldy;
  const float* x0 = x;
  const float* x1 = x + k;
  int64_t p = 0;
  // Rows p..p+3 of B in one sweep over the columns; the first sweep writes y, later ones add.
  for (; p + 4 <= k; p += 4) {
    const float* b0 = b + p * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    const __m512 a0 = _mm512_set1_ps(x0[p]), a1 = _mm512_set1_ps(x0[p + 1]);
    const __m512 a2 = _mm512_set1_ps(x0[p + 2]), a3 = _mm512_set1_ps(x0[p + 3]);
    // The next 4 rows, one sweep ahead (n floats each): software prefetch keeps more misses
    // in flight than the hardware streams alone do on a cold B.
    const bool ahead = p + 8 <= k;
    if (m == 1) {
      for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 mk = tail_mask(n - j);
        if (ahead) prefetch_rows(b3 + ldb + j, ldb);
        __m512 acc = p == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mk, y0 + j);
        acc = _mm512_fmadd_ps(a0, _mm512_maskz_loadu_ps(mk, b0 + j), acc);
        acc = _mm512_fmadd_ps(a1, _mm512_maskz_loadu_ps(mk, b1 + j), acc);
        acc = _mm512_fmadd_ps(a2, _mm512_maskz_loadu_ps(mk, b2 + j), acc);
        acc = _mm512_fmadd_ps(a3, _mm512_maskz_loadu_ps(mk, b3 + j), acc);
        _mm512_mask_storeu_ps(y0 + j, mk, acc);
      }
    } else {
      const __m512 c0 = _mm512_set1_ps(x1[p]), c1 = _mm512_set1_ps(x1[p + 1]);
      const __m512 c2 = _mm512_set1_ps(x1[p + 2]), c3 = _mm512_set1_ps(x1[p + 3]);
      for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 mk = tail_mask(n - j);
        if (ahead) prefetch_rows(b3 + ldb + j, ldb);
        __m512 acc0 = p == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mk, y0 + j);
        __m512 acc1 = p == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mk, y1 + j);
        __m512 v = _mm512_maskz_loadu_ps(mk, b0 + j);
        acc0 = _mm512_fmadd_ps(a0, v, acc0), acc1 = _mm512_fmadd_ps(c0, v, acc1);
        v = _mm512_maskz_loadu_ps(mk, b1 + j);
        acc0 = _mm512_fmadd_ps(a1, v, acc0), acc1 = _mm512_fmadd_ps(c1, v, acc1);
        v = _mm512_maskz_loadu_ps(mk, b2 + j);
        acc0 = _mm512_fmadd_ps(a2, v, acc0), acc1 = _mm512_fmadd_ps(c2, v, acc1);
        v = _mm512_maskz_loadu_ps(mk, b3 + j);
        acc0 = _mm512_fmadd_ps(a3, v, acc0), acc1 = _mm512_fmadd_ps(c3, v, acc1);
        _mm512_mask_storeu_ps(y0 + j, mk, acc0);
        _mm512_mask_storeu_ps(y1 + j, mk, acc1);
      }
    }
  }
  // The last k % 4 rows, one at a time.
  for (; p < k; ++p) {
    const float* bp = b + p * ldb;
    const __m512 a0 = _mm512_set1_ps(x0[p]);
    const __m512 c0 = _mm512_set1_ps(m == 2 ? x1[p] : 0.0f);
    for (int64_t j = 0; j < n; j += 16) {
      const __mmask16 mk = tail_mask(n - j);
      const __m512 v = _mm512_maskz_loadu_ps(mk, bp + j);
      __m512 acc0 = p == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mk, y0 + j);
      _mm512_mask_storeu_ps(y0 + j, mk, _mm512_fmadd_ps(a0, v, acc0));
      if (m == 2) {
        __m512 acc1 = p == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mk, y1 + j);
        _mm512_mask_storeu_ps(y1 + j, mk, _mm512_fmadd_ps(c0, v, acc1));
      }
    }
  }
}

}  // namespace convkit
