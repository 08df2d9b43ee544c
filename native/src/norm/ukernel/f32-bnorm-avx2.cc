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

// The two sums kernels differ only in what one step adds; the kinds below say that, and
// row_sums / rows_sums walk the data for either. Four double accumulators: the low and high
// halves of s and q.
struct Sums {
  __m256d s0, s1, q0, q1;
};

// Moments: s += x - k, q += (x - k)^2, the square taken in double.
struct Moments {
  const float* x;
  void add(int64_t i, __m256 k, Sums& a) const {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), k);
    const __m256d lo = lo_pd(d), hi = hi_pd(d);
    a.s0 = _mm256_add_pd(a.s0, lo);
    a.s1 = _mm256_add_pd(a.s1, hi);
    a.q0 = _mm256_fmadd_pd(lo, lo, a.q0);
    a.q1 = _mm256_fmadd_pd(hi, hi, a.q1);
  }
  void add(int64_t i, float k, double& s, double& q) const {
    const double d = static_cast<double>(x[i] - k);
    s += d;
    q += d * d;
  }
};

// Gradient sums: s += dy, q += dy * (x - k), the product taken in float.
struct GradSums {
  const float* dy;
  const float* x;
  void add(int64_t i, __m256 k, Sums& a) const {
    const __m256 g = _mm256_loadu_ps(dy + i);
    const __m256 p = _mm256_mul_ps(g, _mm256_sub_ps(_mm256_loadu_ps(x + i), k));
    a.s0 = _mm256_add_pd(a.s0, lo_pd(g));
    a.s1 = _mm256_add_pd(a.s1, hi_pd(g));
    a.q0 = _mm256_add_pd(a.q0, lo_pd(p));
    a.q1 = _mm256_add_pd(a.q1, hi_pd(p));
  }
  void add(int64_t i, float k, double& s, double& q) const {
    s += static_cast<double>(dy[i]);
    q += static_cast<double>(dy[i] * (x[i] - k));
  }
};

// One channel's contiguous run of n values.
template <class Kind>
void row_sums(Kind kind, int64_t n, float k, double* sum, double* sumsq) {
  const __m256 vk = _mm256_set1_ps(k);
  Sums a{_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) kind.add(i, vk, a);
  double s = hsum(_mm256_add_pd(a.s0, a.s1)), q = hsum(_mm256_add_pd(a.q0, a.q1));
  for (; i < n; ++i) kind.add(i, k, s, q);
  *sum += s;
  *sumsq += q;
}

// NHWC: 8 channels at a time down the rows, the rest one channel at a time.
template <class Kind>
void rows_sums(Kind kind, int64_t rows, int64_t channels, const float* k, double* sum, double* sumsq) {
  int64_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    const __m256 vk = _mm256_loadu_ps(k + c);
    Sums a{_mm256_loadu_pd(sum + c), _mm256_loadu_pd(sum + c + 4), _mm256_loadu_pd(sumsq + c),
           _mm256_loadu_pd(sumsq + c + 4)};
    for (int64_t r = 0; r < rows; ++r) kind.add(r * channels + c, vk, a);
    _mm256_storeu_pd(sum + c, a.s0);
    _mm256_storeu_pd(sum + c + 4, a.s1);
    _mm256_storeu_pd(sumsq + c, a.q0);
    _mm256_storeu_pd(sumsq + c + 4, a.q1);
  }
  for (; c < channels; ++c) {
    for (int64_t r = 0; r < rows; ++r) kind.add(r * channels + c, k[c], sum[c], sumsq[c]);
  }
}

}  // namespace

void f32_bn_moments_row__avx2(const float* x, int64_t n, float shift, double* sum, double* sumsq) {
  row_sums(Moments{x}, n, shift, sum, sumsq);
}

void f32_bn_moments_rows__avx2(const float* x, int64_t rows, int64_t channels, const float* shift, double* sum,
                               double* sumsq) {
  rows_sums(Moments{x}, rows, channels, shift, sum, sumsq);
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
  row_sums(GradSums{dy, x}, n, mean, sdy, sdyx);
}

void f32_bn_grad_sums_rows__avx2(const float* dy, const float* x, int64_t rows, int64_t channels,
                                 const float* mean, double* sdy, double* sdyx) {
  rows_sums(GradSums{dy, x}, rows, channels, mean, sdy, sdyx);
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
