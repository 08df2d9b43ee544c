// f32 GEMV, B transposed, AVX-512F: y[r, j] = dot(x[r, 0:k], B[j, 0:k]) for m = 1 or 2 rows
// of x (contract in configs/gemm-config.h); B is [n, k] as nn.Linear keeps its weight.
// Memory-bound: 4 rows of B are read at once (4 sequential streams), each x vector loaded
// once for the 4; k tails use masked loads. Horizontal sums once per output.
#include <immintrin.h>
#include <cstdint>

#include "util/avx512-helpers.h"

namespace convkit {

void f32_gemv_ukernel_nt__avx512(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                                 int64_t ldb, float* y, int64_t ldy) {
  const float* x1 = x + k;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* b0 = b + j * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;  // x row 0 . B rows j..j+3
    __m512 t0 = s0, t1 = s0, t2 = s0, t3 = s0;                   // x row 1 . B rows j..j+3
    for (int64_t p = 0; p < k; p += 16) {
      const __mmask16 mk = tail_mask(k - p);
      const __m512 v0 = _mm512_maskz_loadu_ps(mk, b0 + p), v1 = _mm512_maskz_loadu_ps(mk, b1 + p);
      const __m512 v2 = _mm512_maskz_loadu_ps(mk, b2 + p), v3 = _mm512_maskz_loadu_ps(mk, b3 + p);
      const __m512 xa = _mm512_maskz_loadu_ps(mk, x + p);
      s0 = _mm512_fmadd_ps(xa, v0, s0), s1 = _mm512_fmadd_ps(xa, v1, s1);
      s2 = _mm512_fmadd_ps(xa, v2, s2), s3 = _mm512_fmadd_ps(xa, v3, s3);
      if (m == 2) {
        const __m512 xb = _mm512_maskz_loadu_ps(mk, x1 + p);
        t0 = _mm512_fmadd_ps(xb, v0, t0), t1 = _mm512_fmadd_ps(xb, v1, t1);
        t2 = _mm512_fmadd_ps(xb, v2, t2), t3 = _mm512_fmadd_ps(xb, v3, t3);
      }
    }
    y[j] = _mm512_reduce_add_ps(s0), y[j + 1] = _mm512_reduce_add_ps(s1);
    y[j + 2] = _mm512_reduce_add_ps(s2), y[j + 3] = _mm512_reduce_add_ps(s3);
    if (m == 2) {
      y[ldy + j] = _mm512_reduce_add_ps(t0), y[ldy + j + 1] = _mm512_reduce_add_ps(t1);
      y[ldy + j + 2] = _mm512_reduce_add_ps(t2), y[ldy + j + 3] = _mm512_reduce_add_ps(t3);
    }
  }
  // The last n % 4 rows of B, one at a time.
  for (; j < n; ++j) {
    const float* bj = b + j * ldb;
    __m512 s0 = _mm512_setzero_ps(), t0 = s0;
    for (int64_t p = 0; p < k; p += 16) {
      const __mmask16 mk = tail_mask(k - p);
      const __m512 v = _mm512_maskz_loadu_ps(mk, bj + p);
      s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + p), v, s0);
      if (m == 2) t0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x1 + p), v, t0);
    }
    y[j] = _mm512_reduce_add_ps(s0);
    if (m == 2) y[ldy + j] = _mm512_reduce_add_ps(t0);
  }
}

}  // namespace convkit
