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

// The moments add x - shift in float over short runs (kFloatRun rows of a group, or 16 vectors
// of a row: each lane adds at most 16 values), then widen each run's partial sums into the
// double accumulators: one float add and one fma per 16 values instead of two conversions, two
// double adds and two double fmas, which kept the pass from streaming at memory speed. The
// runs' rounding (at most 16 terms, relative 2^-24 each, on values centred by the shift) stays
// orders of magnitude under the tolerances on mean and variance.
constexpr int64_t kFloatRun = 16;

template <int NV, bool Full>
void moments_group(const float* x, int64_t rows, int64_t channels, int64_t c, const float* shift, double* sum,
                   double* sumsq) {
  // Each run's float sums widen into double accumulators held locally (registers, or full-vector
  // spills: no masked store -> load round trip through the caller's sums once a run, which
  // stalled the pass), added to the caller's sums at the end.
  __mmask16 m[NV];
  __m512d ds[2 * NV], dq[2 * NV];
  for (int v = 0; v < 2 * NV; ++v) {
    ds[v] = _mm512_setzero_pd();
    dq[v] = _mm512_setzero_pd();
  }
  __m512 k[NV];
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(channels - c - 16 * v);
    k[v] = _mm512_maskz_loadu_ps(m[v], shift + c + 16 * v);
  }
  const float* xr = x + c;
  for (int64_t r0 = 0; r0 < rows; r0 += kFloatRun) {
    const int64_t r1 = r0 + kFloatRun < rows ? r0 + kFloatRun : rows;
    __m512 fs[NV], fq[NV];
    for (int v = 0; v < NV; ++v) {
      fs[v] = _mm512_setzero_ps();
      fq[v] = _mm512_setzero_ps();
    }
    for (int64_t r = r0; r < r1; ++r, xr += channels) {
      for (int v = 0; v < NV; ++v) {
        const __m512 d = Full ? _mm512_sub_ps(_mm512_loadu_ps(xr + 16 * v), k[v])
                              : _mm512_maskz_sub_ps(m[v], _mm512_maskz_loadu_ps(m[v], xr + 16 * v), k[v]);
        fs[v] = _mm512_add_ps(fs[v], d);
        fq[v] = _mm512_fmadd_ps(d, d, fq[v]);
      }
    }
    for (int v = 0; v < NV; ++v) {
      ds[2 * v] = _mm512_add_pd(ds[2 * v], lo_pd(fs[v]));
      ds[2 * v + 1] = _mm512_add_pd(ds[2 * v + 1], hi_pd(fs[v]));
      dq[2 * v] = _mm512_add_pd(dq[2 * v], lo_pd(fq[v]));
      dq[2 * v + 1] = _mm512_add_pd(dq[2 * v + 1], hi_pd(fq[v]));
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __mmask8 ml = static_cast<__mmask8>(m[v] & 0xFF), mh = static_cast<__mmask8>(m[v] >> 8);
    double* ps = sum + c + 16 * v;
    double* pq = sumsq + c + 16 * v;
    _mm512_mask_storeu_pd(ps, ml, _mm512_add_pd(_mm512_maskz_loadu_pd(ml, ps), ds[2 * v]));
    _mm512_mask_storeu_pd(ps + 8, mh, _mm512_add_pd(_mm512_maskz_loadu_pd(mh, ps + 8), ds[2 * v + 1]));
    _mm512_mask_storeu_pd(pq, ml, _mm512_add_pd(_mm512_maskz_loadu_pd(ml, pq), dq[2 * v]));
    _mm512_mask_storeu_pd(pq + 8, mh, _mm512_add_pd(_mm512_maskz_loadu_pd(mh, pq + 8), dq[2 * v + 1]));
  }
}

// As the moments: float runs of kFloatRun rows (sum dy, and sum dy * (x - mean) by fma), widened
// once a run into local double accumulators.
template <int NV, bool Full>
void grad_sums_group(const float* dy, const float* x, int64_t rows, int64_t channels, int64_t c, const float* mean,
                     double* sdy, double* sdyx) {
  __mmask16 m[NV];
  __m512d ds[2 * NV], dq[2 * NV];
  for (int v = 0; v < 2 * NV; ++v) {
    ds[v] = _mm512_setzero_pd();
    dq[v] = _mm512_setzero_pd();
  }
  __m512 k[NV];
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(channels - c - 16 * v);
    k[v] = _mm512_maskz_loadu_ps(m[v], mean + c + 16 * v);
  }
  const float* gr = dy + c;
  const float* xr = x + c;
  for (int64_t r0 = 0; r0 < rows; r0 += kFloatRun) {
    const int64_t r1 = r0 + kFloatRun < rows ? r0 + kFloatRun : rows;
    __m512 fs[NV], fq[NV];
    for (int v = 0; v < NV; ++v) {
      fs[v] = _mm512_setzero_ps();
      fq[v] = _mm512_setzero_ps();
    }
    for (int64_t r = r0; r < r1; ++r, gr += channels, xr += channels) {
      for (int v = 0; v < NV; ++v) {
        const __m512 g = Full ? _mm512_loadu_ps(gr + 16 * v) : _mm512_maskz_loadu_ps(m[v], gr + 16 * v);
        const __m512 xc = Full ? _mm512_sub_ps(_mm512_loadu_ps(xr + 16 * v), k[v])
                               : _mm512_maskz_sub_ps(m[v], _mm512_maskz_loadu_ps(m[v], xr + 16 * v), k[v]);
        fs[v] = _mm512_add_ps(fs[v], g);
        fq[v] = _mm512_fmadd_ps(g, xc, fq[v]);
      }
    }
    for (int v = 0; v < NV; ++v) {
      ds[2 * v] = _mm512_add_pd(ds[2 * v], lo_pd(fs[v]));
      ds[2 * v + 1] = _mm512_add_pd(ds[2 * v + 1], hi_pd(fs[v]));
      dq[2 * v] = _mm512_add_pd(dq[2 * v], lo_pd(fq[v]));
      dq[2 * v + 1] = _mm512_add_pd(dq[2 * v + 1], hi_pd(fq[v]));
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __mmask8 ml = static_cast<__mmask8>(m[v] & 0xFF), mh = static_cast<__mmask8>(m[v] >> 8);
    double* ps = sdy + c + 16 * v;
    double* pq = sdyx + c + 16 * v;
    _mm512_mask_storeu_pd(ps, ml, _mm512_add_pd(_mm512_maskz_loadu_pd(ml, ps), ds[2 * v]));
    _mm512_mask_storeu_pd(ps + 8, mh, _mm512_add_pd(_mm512_maskz_loadu_pd(mh, ps + 8), ds[2 * v + 1]));
    _mm512_mask_storeu_pd(pq, ml, _mm512_add_pd(_mm512_maskz_loadu_pd(ml, pq), dq[2 * v]));
    _mm512_mask_storeu_pd(pq + 8, mh, _mm512_add_pd(_mm512_maskz_loadu_pd(mh, pq + 8), dq[2 * v + 1]));
  }
}

template <int NV, bool Full>
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
      if (Full) {
        _mm512_storeu_ps(y + o + 16 * v, _mm512_fmadd_ps(_mm512_loadu_ps(x + o + 16 * v), va[v], vb[v]));
      } else {
        _mm512_mask_storeu_ps(y + o + 16 * v, m[v], _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m[v], x + o + 16 * v), va[v], vb[v]));
      }
    }
  }
}

template <int NV, bool Full>
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
      if (Full) {
        const __m512 t = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(x + o + 16 * v), vm[v]), vb[v], vd[v]);
        _mm512_storeu_ps(dx + o + 16 * v, _mm512_fmadd_ps(_mm512_loadu_ps(dy + o + 16 * v), va[v], t));
      } else {
        const __m512 xc = _mm512_sub_ps(_mm512_maskz_loadu_ps(m[v], x + o + 16 * v), vm[v]);
        const __m512 t = _mm512_fmadd_ps(xc, vb[v], vd[v]);
        _mm512_mask_storeu_ps(dx + o + 16 * v, m[v], _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m[v], dy + o + 16 * v), va[v], t));
      }
    }
  }
}

}  // namespace

void f32_bn_moments_row__avx512(const float* x, int64_t n, float shift, double* sum, double* sumsq) {
  const __m512 k = _mm512_set1_ps(shift);
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
  constexpr int64_t kRun = 16 * 16;  // float runs of 16 vectors in 4 accumulators (4 values a lane)
  for (int64_t i0 = 0; i0 < n; i0 += kRun) {
    const int64_t i1 = i0 + kRun < n ? i0 + kRun : n;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int64_t i = i0;
    for (; i + 64 <= i1; i += 64) {
      const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), k), d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), k);
      const __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 32), k), d3 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 48), k);
      a0 = _mm512_add_ps(a0, d0);
      a1 = _mm512_add_ps(a1, d1);
      a2 = _mm512_add_ps(a2, d2);
      a3 = _mm512_add_ps(a3, d3);
      b0 = _mm512_fmadd_ps(d0, d0, b0);
      b1 = _mm512_fmadd_ps(d1, d1, b1);
      b2 = _mm512_fmadd_ps(d2, d2, b2);
      b3 = _mm512_fmadd_ps(d3, d3, b3);
    }
    for (; i < i1; i += 16) {
      const __mmask16 m = tail_mask(i1 - i);
      const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), k);
      a0 = _mm512_add_ps(a0, d);
      b0 = _mm512_fmadd_ps(d, d, b0);
    }
    const __m512 a = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
    const __m512 b = _mm512_add_ps(_mm512_add_ps(b0, b1), _mm512_add_ps(b2, b3));
    s0 = _mm512_add_pd(s0, lo_pd(a));
    s1 = _mm512_add_pd(s1, hi_pd(a));
    q0 = _mm512_add_pd(q0, lo_pd(b));
    q1 = _mm512_add_pd(q1, hi_pd(b));
  }
  *sum += hsum(_mm512_add_pd(s0, s1));
  *sumsq += hsum(_mm512_add_pd(q0, q1));
}

void f32_bn_moments_rows__avx512(const float* x, int64_t rows, int64_t channels, const float* shift, double* sum,
                                 double* sumsq) {
  const bool full = channels % 16 == 0;  // every vector whole: plain loads, no masks
  for (int64_t c = 0; c < channels; c += 16 * kGroup) {
    switch (group_vectors(channels, c)) {
      case 1: full ? moments_group<1, true>(x, rows, channels, c, shift, sum, sumsq) : moments_group<1, false>(x, rows, channels, c, shift, sum, sumsq); break;
      case 2: full ? moments_group<2, true>(x, rows, channels, c, shift, sum, sumsq) : moments_group<2, false>(x, rows, channels, c, shift, sum, sumsq); break;
      case 3: full ? moments_group<3, true>(x, rows, channels, c, shift, sum, sumsq) : moments_group<3, false>(x, rows, channels, c, shift, sum, sumsq); break;
      default: full ? moments_group<4, true>(x, rows, channels, c, shift, sum, sumsq) : moments_group<4, false>(x, rows, channels, c, shift, sum, sumsq); break;
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
  const bool full = channels % 16 == 0;  // whole vectors: plain loads and stores, no masks
  switch (group_vectors(channels, 0)) {
    case 1: full ? apply_group<1, true>(x, y, rows, channels, a, b) : apply_group<1, false>(x, y, rows, channels, a, b); return;
    case 2: full ? apply_group<2, true>(x, y, rows, channels, a, b) : apply_group<2, false>(x, y, rows, channels, a, b); return;
    case 3: full ? apply_group<3, true>(x, y, rows, channels, a, b) : apply_group<3, false>(x, y, rows, channels, a, b); return;
    default:
      if (channels <= 16 * kGroup) {
        full ? apply_group<4, true>(x, y, rows, channels, a, b) : apply_group<4, false>(x, y, rows, channels, a, b);
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
  // As moments_row: float runs of 16 vectors in 4 accumulators, widened once a run.
  const __m512 k = _mm512_set1_ps(mean);
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
  constexpr int64_t kRun = 16 * 16;
  for (int64_t i0 = 0; i0 < n; i0 += kRun) {
    const int64_t i1 = i0 + kRun < n ? i0 + kRun : n;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int64_t i = i0;
    for (; i + 64 <= i1; i += 64) {
      const __m512 g0 = _mm512_loadu_ps(dy + i), g1 = _mm512_loadu_ps(dy + i + 16);
      const __m512 g2 = _mm512_loadu_ps(dy + i + 32), g3 = _mm512_loadu_ps(dy + i + 48);
      a0 = _mm512_add_ps(a0, g0);
      a1 = _mm512_add_ps(a1, g1);
      a2 = _mm512_add_ps(a2, g2);
      a3 = _mm512_add_ps(a3, g3);
      b0 = _mm512_fmadd_ps(g0, _mm512_sub_ps(_mm512_loadu_ps(x + i), k), b0);
      b1 = _mm512_fmadd_ps(g1, _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), k), b1);
      b2 = _mm512_fmadd_ps(g2, _mm512_sub_ps(_mm512_loadu_ps(x + i + 32), k), b2);
      b3 = _mm512_fmadd_ps(g3, _mm512_sub_ps(_mm512_loadu_ps(x + i + 48), k), b3);
    }
    for (; i < i1; i += 16) {
      const __mmask16 m = tail_mask(i1 - i);
      const __m512 g = _mm512_maskz_loadu_ps(m, dy + i);
      a0 = _mm512_add_ps(a0, g);
      b0 = _mm512_fmadd_ps(g, _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), k), b0);
    }
    const __m512 a = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
    const __m512 b = _mm512_add_ps(_mm512_add_ps(b0, b1), _mm512_add_ps(b2, b3));
    s0 = _mm512_add_pd(s0, lo_pd(a));
    s1 = _mm512_add_pd(s1, hi_pd(a));
    q0 = _mm512_add_pd(q0, lo_pd(b));
    q1 = _mm512_add_pd(q1, hi_pd(b));
  }
  *sdy += hsum(_mm512_add_pd(s0, s1));
  *sdyx += hsum(_mm512_add_pd(q0, q1));
}

void f32_bn_grad_sums_rows__avx512(const float* dy, const float* x, int64_t rows, int64_t channels,
                                   const float* mean, double* sdy, double* sdyx) {
  const bool full = channels % 16 == 0;  // every vector whole: plain loads, no masks
  for (int64_t c = 0; c < channels; c += 16 * kGroup) {
    switch (group_vectors(channels, c)) {
      case 1: full ? grad_sums_group<1, true>(dy, x, rows, channels, c, mean, sdy, sdyx) : grad_sums_group<1, false>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
      case 2: full ? grad_sums_group<2, true>(dy, x, rows, channels, c, mean, sdy, sdyx) : grad_sums_group<2, false>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
      case 3: full ? grad_sums_group<3, true>(dy, x, rows, channels, c, mean, sdy, sdyx) : grad_sums_group<3, false>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
      default: full ? grad_sums_group<4, true>(dy, x, rows, channels, c, mean, sdy, sdyx) : grad_sums_group<4, false>(dy, x, rows, channels, c, mean, sdy, sdyx); break;
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
  const bool full = channels % 16 == 0;  // whole vectors: plain loads and stores, no masks
  switch (group_vectors(channels, 0)) {
    case 1: full ? dx_group<1, true>(dy, x, dx, rows, channels, 0, a, b, d, mean) : dx_group<1, false>(dy, x, dx, rows, channels, 0, a, b, d, mean); return;
    case 2: full ? dx_group<2, true>(dy, x, dx, rows, channels, 0, a, b, d, mean) : dx_group<2, false>(dy, x, dx, rows, channels, 0, a, b, d, mean); return;
    case 3: full ? dx_group<3, true>(dy, x, dx, rows, channels, 0, a, b, d, mean) : dx_group<3, false>(dy, x, dx, rows, channels, 0, a, b, d, mean); return;
    default:
      if (channels <= 16 * kGroup) {
        full ? dx_group<4, true>(dy, x, dx, rows, channels, 0, a, b, d, mean)
             : dx_group<4, false>(dy, x, dx, rows, channels, 0, a, b, d, mean);
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
