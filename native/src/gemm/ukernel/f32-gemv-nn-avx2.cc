// f32 GEMV, B not transposed, AVX2 + FMA: y[r, 0:n] = sum_p x[r, p] * B[p, 0:n], m = 1 or 2
// (contract in configs/gemm-config.h). B read once, 4 rows per sweep; y stays in L1. Column
// tails with maskload/maskstore.
#include <immintrin.h>
#include <cstdint>

namespace convkit {

namespace {
inline __m256i tail_mask8(int64_t left) {
  const int l = left >= 8 ? 8 : static_cast<int>(left);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(l), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
}  // namespace

void f32_gemv_ukernel_nn__avx2(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy) {
  float* y0 = y;
  float* y1 = y + ldy;
  const float* x1 = x + k;
  const int64_t n8 = n / 8 * 8;
  const __m256i tail = tail_mask8(n - n8);
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const float* b0 = b + p * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    const __m256 a0 = _mm256_set1_ps(x[p]), a1 = _mm256_set1_ps(x[p + 1]);
    const __m256 a2 = _mm256_set1_ps(x[p + 2]), a3 = _mm256_set1_ps(x[p + 3]);
    const __m256 c0 = _mm256_set1_ps(m == 2 ? x1[p] : 0.0f), c1 = _mm256_set1_ps(m == 2 ? x1[p + 1] : 0.0f);
    const __m256 c2 = _mm256_set1_ps(m == 2 ? x1[p + 2] : 0.0f), c3 = _mm256_set1_ps(m == 2 ? x1[p + 3] : 0.0f);
    for (int64_t j = 0; j < n; j += 8) {
      const bool full = j < n8;
      auto ld = [&](const float* s) { return full ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, tail); };
      auto st = [&](float* d, __m256 v) { full ? _mm256_storeu_ps(d, v) : _mm256_maskstore_ps(d, tail, v); };
      const __m256 v0 = ld(b0 + j), v1 = ld(b1 + j), v2 = ld(b2 + j), v3 = ld(b3 + j);
      __m256 acc = p == 0 ? _mm256_setzero_ps() : ld(y0 + j);
      acc = _mm256_fmadd_ps(a0, v0, acc);
      acc = _mm256_fmadd_ps(a1, v1, acc);
      acc = _mm256_fmadd_ps(a2, v2, acc);
      acc = _mm256_fmadd_ps(a3, v3, acc);
      st(y0 + j, acc);
      if (m == 2) {
        __m256 acc1 = p == 0 ? _mm256_setzero_ps() : ld(y1 + j);
        acc1 = _mm256_fmadd_ps(c0, v0, acc1);
        acc1 = _mm256_fmadd_ps(c1, v1, acc1);
        acc1 = _mm256_fmadd_ps(c2, v2, acc1);
        acc1 = _mm256_fmadd_ps(c3, v3, acc1);
        st(y1 + j, acc1);
      }
    }
  }
  for (; p < k; ++p) {
    const float* bp = b + p * ldb;
    const __m256 a0 = _mm256_set1_ps(x[p]);
    const __m256 c0 = _mm256_set1_ps(m == 2 ? x1[p] : 0.0f);
    for (int64_t j = 0; j < n; j += 8) {
      const bool full = j < n8;
      auto ld = [&](const float* s) { return full ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, tail); };
      auto st = [&](float* d, __m256 v) { full ? _mm256_storeu_ps(d, v) : _mm256_maskstore_ps(d, tail, v); };
      const __m256 v = ld(bp + j);
      st(y0 + j, _mm256_fmadd_ps(a0, v, p == 0 ? _mm256_setzero_ps() : ld(y0 + j)));
      if (m == 2) st(y1 + j, _mm256_fmadd_ps(c0, v, p == 0 ? _mm256_setzero_ps() : ld(y1 + j)));
    }
  }
}

}  // namespace convkit
