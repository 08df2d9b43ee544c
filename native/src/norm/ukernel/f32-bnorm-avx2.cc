// Batch-norm ukernels, AVX2 + FMA (contracts in norm/ukernel/ukernels.h): 8 floats a step,
// sums widened to two 4-double halves; scalar tails. Compiled with the AVX2 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "norm/ukernel/ukernels.h"

namespace convkit {
namespace {

inline __m256d lo_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline __m256d hi_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
inline double hsum(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

}  // namespace

void f32_bn_moments_row__avx2(const float* x, int64_t n, float shift, double* sum, double* sumsq) {
  const __m256 k = _mm256_set1_ps(shift);
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), q0 = _mm256_setzero_pd(), q1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), k);
    const __m256d a = lo_pd(d), b = hi_pd(d);
    s0 = _mm256_add_pd(s0, a);
    s1 = _mm256_add_pd(s1, b);
    q0 = _mm256_fmadd_pd(a, a, q0);
    q1 = _mm256_fmadd_pd(b, b, q1);
  }
  double s = hsum(_mm256_add_pd(s0, s1)), q = hsum(_mm256_add_pd(q0, q1));
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i] - shift);
    s += d;
    q += d * d;
  }
  *sum += s;
  *sumsq += q;
}

void f32_bn_moments_rows__avx2(const float* x, int64_t rows, int64_t channels, const float* shift, double* sum,
                               double* sumsq) {
  int64_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    const __m256 k = _mm256_loadu_ps(shift + c);
    __m256d s0 = _mm256_loadu_pd(sum + c), s1 = _mm256_loadu_pd(sum + c + 4);
    __m256d q0 = _mm256_loadu_pd(sumsq + c), q1 = _mm256_loadu_pd(sumsq + c + 4);
    for (int64_t r = 0; r < rows; ++r) {
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + r * channels + c), k);
      const __m256d a = lo_pd(d), b = hi_pd(d);
      s0 = _mm256_add_pd(s0, a);
      s1 = _mm256_add_pd(s1, b);
      q0 = _mm256_fmadd_pd(a, a, q0);
      q1 = _mm256_fmadd_pd(b, b, q1);
    }
    _mm256_storeu_pd(sum + c, s0);
    _mm256_storeu_pd(sum + c + 4, s1);
    _mm256_storeu_pd(sumsq + c, q0);
    _mm256_storeu_pd(sumsq + c + 4, q1);
  }
  for (; c < channels; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      const double d = static_cast<double>(x[r * channels + c] - shift[c]);
      sum[c] += d;
      sumsq[c] += d * d;
    }
  }
}

void f32_bn_apply_row__avx2(const float* x, float* y, int64_t n, float a, float b) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, vb));
    _mm256_storeu_ps(y + i + 8, _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), va, vb));
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, vb));
  for (; i < n; ++i) y[i] = x[i] * a + b;
}

void f32_bn_apply_rows__avx2(const float* x, float* y, int64_t rows, int64_t channels, const float* a,
                             const float* b) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* yr = y + r * channels;
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      _mm256_storeu_ps(yr + c, _mm256_fmadd_ps(_mm256_loadu_ps(xr + c), _mm256_loadu_ps(a + c), _mm256_loadu_ps(b + c)));
    }
    for (; c < channels; ++c) yr[c] = xr[c] * a[c] + b[c];
  }
}

void f32_bn_grad_sums_row__avx2(const float* dy, const float* x, int64_t n, float mean, double* sdy,
                                double* sdyx) {
  const __m256 k = _mm256_set1_ps(mean);
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), q0 = _mm256_setzero_pd(), q1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(dy + i);
    const __m256 p = _mm256_mul_ps(g, _mm256_sub_ps(_mm256_loadu_ps(x + i), k));
    s0 = _mm256_add_pd(s0, lo_pd(g));
    s1 = _mm256_add_pd(s1, hi_pd(g));
    q0 = _mm256_add_pd(q0, lo_pd(p));
    q1 = _mm256_add_pd(q1, hi_pd(p));
  }
  double s = hsum(_mm256_add_pd(s0, s1)), q = hsum(_mm256_add_pd(q0, q1));
  for (; i < n; ++i) {
    s += static_cast<double>(dy[i]);
    q += static_cast<double>(dy[i] * (x[i] - mean));
  }
  *sdy += s;
  *sdyx += q;
}

void f32_bn_grad_sums_rows__avx2(const float* dy, const float* x, int64_t rows, int64_t channels,
                                 const float* mean, double* sdy, double* sdyx) {
  int64_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    const __m256 k = _mm256_loadu_ps(mean + c);
    __m256d s0 = _mm256_loadu_pd(sdy + c), s1 = _mm256_loadu_pd(sdy + c + 4);
    __m256d q0 = _mm256_loadu_pd(sdyx + c), q1 = _mm256_loadu_pd(sdyx + c + 4);
    for (int64_t r = 0; r < rows; ++r) {
      const __m256 g = _mm256_loadu_ps(dy + r * channels + c);
      const __m256 p = _mm256_mul_ps(g, _mm256_sub_ps(_mm256_loadu_ps(x + r * channels + c), k));
      s0 = _mm256_add_pd(s0, lo_pd(g));
      s1 = _mm256_add_pd(s1, hi_pd(g));
      q0 = _mm256_add_pd(q0, lo_pd(p));
      q1 = _mm256_add_pd(q1, hi_pd(p));
    }
    _mm256_storeu_pd(sdy + c, s0);
    _mm256_storeu_pd(sdy + c + 4, s1);
    _mm256_storeu_pd(sdyx + c, q0);
    _mm256_storeu_pd(sdyx + c + 4, q1);
  }
  for (; c < channels; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      const float g = dy[r * channels + c];
      sdy[c] += static_cast<double>(g);
      sdyx[c] += static_cast<double>(g * (x[r * channels + c] - mean[c]));
    }
  }
}

void f32_bn_dx_row__avx2(const float* dy, const float* x, float* dx, int64_t n, float a, float b, float d,
                         float m) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 t = _mm256_fmadd_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vb, vd);
    _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(_mm256_loadu_ps(dy + i), va, t));
  }
  for (; i < n; ++i) dx[i] = dy[i] * a + ((x[i] - m) * b + d);
}

void f32_bn_dx_rows__avx2(const float* dy, const float* x, float* dx, int64_t rows, int64_t channels,
                          const float* a, const float* b, const float* d, const float* m) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r * channels;
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      const __m256 xc = _mm256_sub_ps(_mm256_loadu_ps(x + o + c), _mm256_loadu_ps(m + c));
      const __m256 t = _mm256_fmadd_ps(xc, _mm256_loadu_ps(b + c), _mm256_loadu_ps(d + c));
      _mm256_storeu_ps(dx + o + c, _mm256_fmadd_ps(_mm256_loadu_ps(dy + o + c), _mm256_loadu_ps(a + c), t));
    }
    for (; c < channels; ++c) dx[o + c] = dy[o + c] * a[c] + ((x[o + c] - m[c]) * b[c] + d[c]);
  }
}

}  // namespace convkit
