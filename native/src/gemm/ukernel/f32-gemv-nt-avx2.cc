// f32 GEMV, B transposed, AVX2 + FMA: y[r, j] = dot(x[r, 0:k], B[j, 0:k]), m = 1 or 2
// (contract in configs/gemm-config.h). 4 rows of B per pass, k tails with maskload.
#include <immintrin.h>
#include <cstdint>

namespace convkit {

namespace {
inline __m256i tail_mask8(int64_t left) {
  const int l = left >= 8 ? 8 : static_cast<int>(left);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(l), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
}  // namespace

void f32_gemv_ukernel_nt__avx2(int64_t m, int64_t n, int64_t k, const float* x, const float* b,
                               int64_t ldb, float* y, int64_t ldy) {
  const float* x1 = x + k;
  const int64_t k8 = k / 8 * 8;
  const __m256i tail = tail_mask8(k - k8);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* b0 = b + j * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (int64_t p = 0; p < k; p += 8) {
      const bool full = p < k8;
      auto ld = [&](const float* s) { return full ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, tail); };
      const __m256 v0 = ld(b0 + p), v1 = ld(b1 + p), v2 = ld(b2 + p), v3 = ld(b3 + p);
      const __m256 xa = ld(x + p);
      s0 = _mm256_fmadd_ps(xa, v0, s0), s1 = _mm256_fmadd_ps(xa, v1, s1);
      s2 = _mm256_fmadd_ps(xa, v2, s2), s3 = _mm256_fmadd_ps(xa, v3, s3);
      if (m == 2) {
        const __m256 xb = ld(x1 + p);
        t0 = _mm256_fmadd_ps(xb, v0, t0), t1 = _mm256_fmadd_ps(xb, v1, t1);
        t2 = _mm256_fmadd_ps(xb, v2, t2), t3 = _mm256_fmadd_ps(xb, v3, t3);
      }
    }
    y[j] = hsum(s0), y[j + 1] = hsum(s1), y[j + 2] = hsum(s2), y[j + 3] = hsum(s3);
    if (m == 2) y[ldy + j] = hsum(t0), y[ldy + j + 1] = hsum(t1), y[ldy + j + 2] = hsum(t2), y[ldy + j + 3] = hsum(t3);
  }
  for (; j < n; ++j) {
    const float* bj = b + j * ldb;
    __m256 s0 = _mm256_setzero_ps(), t0 = s0;
    for (int64_t p = 0; p < k; p += 8) {
      const bool full = p < k8;
      auto ld = [&](const float* s) { return full ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, tail); };
      const __m256 v = ld(bj + p);
      s0 = _mm256_fmadd_ps(ld(x + p), v, s0);
      if (m == 2) t0 = _mm256_fmadd_ps(ld(x1 + p), v, t0);
    }
    y[j] = hsum(s0);
    if (m == 2) y[ldy + j] = hsum(t0);
  }
}

}  // namespace convkit
