// Batch-norm ukernels, AVX-512F (contracts in norm/ukernel/ukernels.h): 16 floats a step,
// sums widened to two 8-double halves; tails masked. Compiled with the AVX-512 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "norm/ukernel/ukernels.h"
#include "util/avx512-helpers.h"

namespace convkit {
namespace {

inline __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d hi_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, 0xEE))); }
// Sum of the 8 lanes (not _mm512_reduce_add_pd: its extract trips GCC 12's -Wuninitialized).
inline double hsum(__m512d v) {
  alignas(64) double t[8];
  _mm512_store_pd(t, v);
  return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

}  // namespace

void f32_bn_moments_row__avx512(const float* x, int64_t n, float shift, double* sum, double* sumsq) {
  const __m512 k = _mm512_set1_ps(shift);
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), k);
    const __m512d a = lo_pd(d), b = hi_pd(d);
    s0 = _mm512_add_pd(s0, a);
    s1 = _mm512_add_pd(s1, b);
    q0 = _mm512_fmadd_pd(a, a, q0);
    q1 = _mm512_fmadd_pd(b, b, q1);
  }
  *sum += hsum(_mm512_add_pd(s0, s1));
  *sumsq += hsum(_mm512_add_pd(q0, q1));
}

void f32_bn_moments_rows__avx512(const float* x, int64_t rows, int64_t channels, const float* shift, double* sum,
                                 double* sumsq) {
  for (int64_t c = 0; c < channels; c += 16) {
    const __mmask16 m = tail_mask(channels - c);
    const __mmask8 ml = static_cast<__mmask8>(m & 0xFF), mh = static_cast<__mmask8>(m >> 8);
    const __m512 k = _mm512_maskz_loadu_ps(m, shift + c);
    __m512d s0 = _mm512_maskz_loadu_pd(ml, sum + c), s1 = _mm512_maskz_loadu_pd(mh, sum + c + 8);
    __m512d q0 = _mm512_maskz_loadu_pd(ml, sumsq + c), q1 = _mm512_maskz_loadu_pd(mh, sumsq + c + 8);
    for (int64_t r = 0; r < rows; ++r) {
      const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + r * channels + c), k);
      const __m512d a = lo_pd(d), b = hi_pd(d);
      s0 = _mm512_add_pd(s0, a);
      s1 = _mm512_add_pd(s1, b);
      q0 = _mm512_fmadd_pd(a, a, q0);
      q1 = _mm512_fmadd_pd(b, b, q1);
    }
    _mm512_mask_storeu_pd(sum + c, ml, s0);
    _mm512_mask_storeu_pd(sum + c + 8, mh, s1);
    _mm512_mask_storeu_pd(sumsq + c, ml, q0);
    _mm512_mask_storeu_pd(sumsq + c + 8, mh, q1);
  }
}

void f32_bn_apply_row__avx512(const float* x, float* y, int64_t n, float a, float b) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(_mm512_loadu_ps(x + i), va, vb));
    _mm512_storeu_ps(y + i + 16, _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), va, vb));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), va, vb));
  }
}

void f32_bn_apply_rows__avx512(const float* x, float* y, int64_t rows, int64_t channels, const float* a,
                               const float* b) {
  if (channels <= 16) {
    const __mmask16 m = tail_mask(channels);
    const __m512 va = _mm512_maskz_loadu_ps(m, a), vb = _mm512_maskz_loadu_ps(m, b);
    for (int64_t r = 0; r < rows; ++r) {
      _mm512_mask_storeu_ps(y + r * channels, m, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + r * channels), va, vb));
    }
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* yr = y + r * channels;
    for (int64_t c = 0; c < channels; c += 16) {
      const __mmask16 m = tail_mask(channels - c);
      const __m512 v = _mm512_maskz_loadu_ps(m, xr + c);
      _mm512_mask_storeu_ps(yr + c, m, _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m, a + c), _mm512_maskz_loadu_ps(m, b + c)));
    }
  }
}

void f32_bn_grad_sums_row__avx512(const float* dy, const float* x, int64_t n, float mean, double* sdy,
                                  double* sdyx) {
  const __m512 k = _mm512_set1_ps(mean);
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 g = _mm512_maskz_loadu_ps(m, dy + i);
    const __m512 p = _mm512_mul_ps(g, _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), k));
    s0 = _mm512_add_pd(s0, lo_pd(g));
    s1 = _mm512_add_pd(s1, hi_pd(g));
    q0 = _mm512_add_pd(q0, lo_pd(p));
    q1 = _mm512_add_pd(q1, hi_pd(p));
  }
  *sdy += hsum(_mm512_add_pd(s0, s1));
  *sdyx += hsum(_mm512_add_pd(q0, q1));
}

void f32_bn_grad_sums_rows__avx512(const float* dy, const float* x, int64_t rows, int64_t channels,
                                   const float* mean, double* sdy, double* sdyx) {
  for (int64_t c = 0; c < channels; c += 16) {
    const __mmask16 m = tail_mask(channels - c);
    const __mmask8 ml = static_cast<__mmask8>(m & 0xFF), mh = static_cast<__mmask8>(m >> 8);
    const __m512 k = _mm512_maskz_loadu_ps(m, mean + c);
    __m512d s0 = _mm512_maskz_loadu_pd(ml, sdy + c), s1 = _mm512_maskz_loadu_pd(mh, sdy + c + 8);
    __m512d q0 = _mm512_maskz_loadu_pd(ml, sdyx + c), q1 = _mm512_maskz_loadu_pd(mh, sdyx + c + 8);
    for (int64_t r = 0; r < rows; ++r) {
      const __m512 g = _mm512_maskz_loadu_ps(m, dy + r * channels + c);
      const __m512 p = _mm512_mul_ps(g, _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + r * channels + c), k));
      s0 = _mm512_add_pd(s0, lo_pd(g));
      s1 = _mm512_add_pd(s1, hi_pd(g));
      q0 = _mm512_add_pd(q0, lo_pd(p));
      q1 = _mm512_add_pd(q1, hi_pd(p));
    }
    _mm512_mask_storeu_pd(sdy + c, ml, s0);
    _mm512_mask_storeu_pd(sdy + c + 8, mh, s1);
    _mm512_mask_storeu_pd(sdyx + c, ml, q0);
    _mm512_mask_storeu_pd(sdyx + c + 8, mh, q1);
  }
}

void f32_bn_dx_row__avx512(const float* dy, const float* x, float* dx, int64_t n, float a, float b, float d,
                           float mean) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b), vd = _mm512_set1_ps(d), vm = _mm512_set1_ps(mean);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 t = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vm), vb, vd);
    _mm512_mask_storeu_ps(dx + i, m, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dy + i), va, t));
  }
}

void f32_bn_dx_rows__avx512(const float* dy, const float* x, float* dx, int64_t rows, int64_t channels,
                            const float* a, const float* b, const float* d, const float* mean) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r * channels;
    for (int64_t c = 0; c < channels; c += 16) {
      const __mmask16 m = tail_mask(channels - c);
      const __m512 xc = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + o + c), _mm512_maskz_loadu_ps(m, mean + c));
      const __m512 t = _mm512_fmadd_ps(xc, _mm512_maskz_loadu_ps(m, b + c),
                                       _mm512_maskz_loadu_ps(m, d + c));
      _mm512_mask_storeu_ps(dx + o + c, m,
                            _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dy + o + c), _mm512_maskz_loadu_ps(m, a + c), t));
    }
  }
}

}  // namespace convkit
