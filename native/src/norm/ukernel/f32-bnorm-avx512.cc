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

// NHWC "rows" kernels walk channels in groups of up to 4 vectors (64 channels) with the rows of
// the block inner: per channel the order of accumulation is row by row as before, but a group's
// accumulators stay in registers and, for C <= 64, the rows stream through once (no strided
// re-walk of the block per 16 channels).
constexpr int kGroup = 4;

// Number of 16-channel vectors in the group starting at channel c.
inline int group_vectors(int64_t channels, int64_t c) {
  const int64_t v = (channels - c + 15) / 16;
  return static_cast<int>(v < kGroup ? v : kGroup);
}

template <int NV>
void moments_group(const float* x, int64_t rows, int64_t channels, int64_t c, const float* shift, double* sum,
                   double* sumsq) {
  __mmask16 m[NV];
  __m512 k[NV];
  __m512d s[2 * NV], q[2 * NV];
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(channels - c - 16 * v);
    const __mmask8 ml = static_cast<__mmask8>(m[v] & 0xFF), mh = static_cast<__mmask8>(m[v] >> 8);
    k[v] = _mm512_maskz_loadu_ps(m[v], shift + c + 16 * v);
    s[2 * v] = _mm512_maskz_loadu_pd(ml, sum + c + 16 * v);
    s[2 * v + 1] = _mm512_maskz_loadu_pd(mh, sum + c + 16 * v + 8);
    q[2 * v] = _mm512_maskz_loadu_pd(ml, sumsq + c + 16 * v);
    q[2 * v + 1] = _mm512_maskz_loadu_pd(mh, sumsq + c + 16 * v + 8);
  }
  const float* xr = x + c;
  for (int64_t r = 0; r < rows; ++r, xr += channels) {
    for (int v = 0; v < NV; ++v) {
      const __m512 d = _mm512_maskz_sub_ps(m[v], _mm512_maskz_loadu_ps(m[v], xr + 16 * v), k[v]);
      const __m512d a = lo_pd(d), b = hi_pd(d);
      s[2 * v] = _mm512_add_pd(s[2 * v], a);
      s[2 * v + 1] = _mm512_add_pd(s[2 * v + 1], b);
      q[2 * v] = _mm512_fmadd_pd(a, a, q[2 * v]);
      q[2 * v + 1] = _mm512_fmadd_pd(b, b, q[2 * v + 1]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __mmask8 ml = static_cast<__mmask8>(m[v] & 0xFF), mh = static_cast<__mmask8>(m[v] >> 8);
    _mm512_mask_storeu_pd(sum + c + 16 * v, ml, s[2 * v]);
    _mm512_mask_storeu_pd(sum + c + 16 * v + 8, mh, s[2 * v + 1]);
    _mm512_mask_storeu_pd(sumsq + c + 16 * v, ml, q[2 * v]);
    _mm512_mask_storeu_pd(sumsq + c + 16 * v + 8, mh, q[2 * v + 1]);
  }
}

template <int NV>
void grad_sums_group(const float* dy, const float* x, int64_t rows, int64_t channels, int64_t c, const float* mean,
                     double* sdy, double* sdyx) {
  __mmask16 m[NV];
  __m512 k[NV];
  __m512d s[2 * NV], q[2 * NV];
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(channels - c - 16 * v);
    const __mmask8 ml = static_cast<__mmask8>(m[v] & 0xFF), mh = static_cast<__mmask8>(m[v] >> 8);
    k[v] = _mm512_maskz_loadu_ps(m[v], mean + c + 16 * v);
    s[2 * v] = _mm512_maskz_loadu_pd(ml, sdy + c + 16 * v);
    s[2 * v + 1] = _mm512_maskz_loadu_pd(mh, sdy + c + 16 * v + 8);
    q[2 * v] = _mm512_maskz_loadu_pd(ml, sdyx + c + 16 * v);
    q[2 * v + 1] = _mm512_maskz_loadu_pd(mh, sdyx + c + 16 * v + 8);
  }
  const float* gr = dy + c;
  const float* xr = x + c;
  for (int64_t r = 0; r < rows; ++r, gr += channels, xr += channels) {
    for (int v = 0; v < NV; ++v) {
      const __m512 g = _mm512_maskz_loadu_ps(m[v], gr + 16 * v);
      const __m512 p = _mm512_mul_ps(g, _mm512_maskz_sub_ps(m[v], _mm512_maskz_loadu_ps(m[v], xr + 16 * v), k[v]));
      s[2 * v] = _mm512_add_pd(s[2 * v], lo_pd(g));
      s[2 * v + 1] = _mm512_add_pd(s[2 * v + 1], hi_pd(g));
      q[2 * v] = _mm512_add_pd(q[2 * v], lo_pd(p));
      q[2 * v + 1] = _mm512_add_pd(q[2 * v + 1], hi_pd(p));
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __mmask8 ml = static_cast<__mmask8>(m[v] & 0xFF), mh = static_cast<__mmask8>(m[v] >> 8);
    _mm512_mask_storeu_pd(sdy + c + 16 * v, ml, s[2 * v]);
    _mm512_mask_storeu_pd(sdy + c + 16 * v + 8, mh, s[2 * v + 1]);
    _mm512_mask_storeu_pd(sdyx + c + 16 * v, ml, q[2 * v]);
    _mm512_mask_storeu_pd(sdyx + c + 16 * v + 8, mh, q[2 * v + 1]);
  }
}

template <int NV>
void apply_group(const float* x, float* y, int64_t rows, int64_t channels, const float* a, const float* b) {
  __mmask16 m[NV];
  __m512 va[NV], vb[NV];
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(channels - 16 * v);
    va[v] = _mm512_maskz_loadu_ps(m[v], a + 16 * v);
    vb[v] = _mm512_maskz_loadu_ps(m[v], b + 16 * v);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r * channels;
    for (int v = 0; v < NV; ++v) {
      _mm512_mask_storeu_ps(y + o + 16 * v, m[v], _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m[v], x + o + 16 * v), va[v], vb[v]));
    }
  }
}

template <int NV>
void dx_group(const float* dy, const float* x, float* dx, int64_t rows, int64_t channels, int64_t c, const float* a,
              const float* b, const float* d, const float* mean) {
  __mmask16 m[NV];
  __m512 va[NV], vb[NV], vd[NV], vm[NV];
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(channels - c - 16 * v);
    va[v] = _mm512_maskz_loadu_ps(m[v], a + c + 16 * v);
    vb[v] = _mm512_maskz_loadu_ps(m[v], b + c + 16 * v);
    vd[v] = _mm512_maskz_loadu_ps(m[v], d + c + 16 * v);
    vm[v] = _mm512_maskz_loadu_ps(m[v], mean + c + 16 * v);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r * channels + c;
    for (int v = 0; v < NV; ++v) {
      const __m512 xc = _mm512_sub_ps(_mm512_maskz_loadu_ps(m[v], x + o + 16 * v), vm[v]);
      const __m512 t = _mm512_fmadd_ps(xc, vb[v], vd[v]);
      _mm512_mask_storeu_ps(dx + o + 16 * v, m[v], _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m[v], dy + o + 16 * v), va[v], t));
    }
  }
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
  for (int64_t c = 0; c < channels; c += 16 * kGroup) {
    switch (group_vectors(channels, c)) {
      case 1: moments_group<1>(x, rows, channels, c, shift, sum, sumsq); break;
      case 2: moments_group<2>(x, rows, channels, c, shift, sum, sumsq); break;
      case 3: moments_group<3>(x, rows, channels, c, shift, sum, sumsq); break;
      default: moments_group<4>(x, rows, channels, c, shift, sum, sumsq); break;
    }
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
  // C <= 64: scale and shift held in registers; wider: rows outer, scale and shift from L1.
  switch (group_vectors(channels, 0)) {
    case 1: apply_group<1>(x, y, rows, channels, a, b); return;
    case 2: apply_group<2>(x, y, rows, channels, a, b); return;
    case 3: apply_group<3>(x, y, rows, channels, a, b); return;
    default:
      if (channels <= 16 * kGroup) {
        apply_group<4>(x, y, rows, channels, a, b);
        return;
      }
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
  for (int64_t c = 0; c < channels; c += 16 * kGroup) {
    switch (group_vectors(channels, c)) {
      case 1: grad_sums_group<1>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
      case 2: grad_sums_group<2>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
      case 3: grad_sums_group<3>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
      default: grad_sums_group<4>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
    }
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
  // C <= 64: one group, parameters held in registers; wider: rows outer, parameters from L1.
  switch (group_vectors(channels, 0)) {
    case 1: dx_group<1>(dy, x, dx, rows, channels, 0, a, b, d, mean); return;
    case 2: dx_group<2>(dy, x, dx, rows, channels, 0, a, b, d, mean); return;
    case 3: dx_group<3>(dy, x, dx, rows, channels, 0, a, b, d, mean); return;
    default:
      if (channels <= 16 * kGroup) {
        dx_group<4>(dy, x, dx, rows, channels, 0, a, b, d, mean);
        return;
      }
  }
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
