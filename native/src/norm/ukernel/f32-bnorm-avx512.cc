// Batch-norm ukernels, AVX-512F (contracts in norm/ukernel/ukernels.h): 16 floats a step,
// sums widened to two 8-double halves; tails masked. Compiled with the AVX-512 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>
#include <type_traits>

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

// Masked or plain load of 16 floats; x - k likewise (lanes outside the mask 0).
template <bool Full>
inline __m512 load(const float* p, __mmask16 m) {
  return Full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}
template <bool Full>
inline __m512 centred(const float* p, __m512 k, __mmask16 m) {
  return Full ? _mm512_sub_ps(_mm512_loadu_ps(p), k) : _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, p), k);
}

// The moments and the gradient sums differ only in the term: with d = x - k, the moments add
// s += d, q += d * d; the gradient sums (Grad) add s += dy, q += dy * d.

// Sums over the rows of a group of NV vectors of channels starting at c (NHWC). Each run's
// float sums widen into double accumulators held locally (registers, or full-vector spills: no
// masked store -> load round trip through the caller's sums once a run, which stalled the pass),
// added to the caller's sums at the end.
template <int NV, bool Full, bool Grad>
void sums_group(const float* dy, const float* x, int64_t rows, int64_t channels, int64_t c, const float* shift,
                double* sum, double* sumsq) {
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
  for (int64_t r0 = 0; r0 < rows; r0 += kFloatRun) {
    const int64_t r1 = r0 + kFloatRun < rows ? r0 + kFloatRun : rows;
    __m512 fs[NV], fq[NV];
    for (int v = 0; v < NV; ++v) {
      fs[v] = _mm512_setzero_ps();
      fq[v] = _mm512_setzero_ps();
    }
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r * channels + c;
      for (int v = 0; v < NV; ++v) {
        const __m512 d = centred<Full>(x + o + 16 * v, k[v], m[v]);
        const __m512 g = Grad ? load<Full>(dy + o + 16 * v, m[v]) : d;
        fs[v] = _mm512_add_ps(fs[v], g);
        fq[v] = _mm512_fmadd_ps(g, d, fq[v]);
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

// One channel's contiguous run of n values: float runs of 16 vectors in 4 accumulators (4 values
// a lane), widened once a run.
template <bool Grad>
void row_sums(const float* dy, const float* x, int64_t n, float shift, double* sum, double* sumsq) {
  const __m512 k = _mm512_set1_ps(shift);
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
  constexpr int64_t kRun = 16 * 16;
  for (int64_t i0 = 0; i0 < n; i0 += kRun) {
    const int64_t i1 = i0 + kRun < n ? i0 + kRun : n;
    __m512 a[4], b[4];
    for (int j = 0; j < 4; ++j) a[j] = b[j] = _mm512_setzero_ps();
    int64_t i = i0;
    for (; i + 64 <= i1; i += 64) {
      for (int j = 0; j < 4; ++j) {
        const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16 * j), k);
        const __m512 g = Grad ? _mm512_loadu_ps(dy + i + 16 * j) : d;
        a[j] = _mm512_add_ps(a[j], g);
        b[j] = _mm512_fmadd_ps(g, d, b[j]);
      }
    }
    for (; i < i1; i += 16) {
      const __mmask16 m = tail_mask(i1 - i);
      const __m512 d = centred<false>(x + i, k, m);
      const __m512 g = Grad ? load<false>(dy + i, m) : d;
      a[0] = _mm512_add_ps(a[0], g);
      b[0] = _mm512_fmadd_ps(g, d, b[0]);
    }
    const __m512 as = _mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3]));
    const __m512 bs = _mm512_add_ps(_mm512_add_ps(b[0], b[1]), _mm512_add_ps(b[2], b[3]));
    s0 = _mm512_add_pd(s0, lo_pd(as));
    s1 = _mm512_add_pd(s1, hi_pd(as));
    q0 = _mm512_add_pd(q0, lo_pd(bs));
    q1 = _mm512_add_pd(q1, hi_pd(bs));
  }
  *sum += hsum(_mm512_add_pd(s0, s1));
  *sumsq += hsum(_mm512_add_pd(q0, q1));
}

// Calls f(nv, full) with nv = std::integral_constant<int, vectors> and full =
// std::integral_constant<bool, full>: the group kernels' template arguments, chosen at run time.
template <typename F>
inline void with_group(int vectors, bool full, F f) {
  using T = std::true_type;
  using N = std::false_type;
  switch (vectors) {
    case 1: return full ? f(std::integral_constant<int, 1>{}, T{}) : f(std::integral_constant<int, 1>{}, N{});
    case 2: return full ? f(std::integral_constant<int, 2>{}, T{}) : f(std::integral_constant<int, 2>{}, N{});
    case 3: return full ? f(std::integral_constant<int, 3>{}, T{}) : f(std::integral_constant<int, 3>{}, N{});
    default: return full ? f(std::integral_constant<int, 4>{}, T{}) : f(std::integral_constant<int, 4>{}, N{});
  }
}

// NHWC sums: groups of up to kGroup vectors across the channels, each down all the rows.
template <bool Grad>
void rows_sums(const float* dy, const float* x, int64_t rows, int64_t channels, const float* shift, double* sum,
               double* sumsq) {
  const bool full = channels % 16 == 0;  // every vector whole: plain loads, no masks
  for (int64_t c = 0; c < channels; c += 16 * kGroup) {
    with_group(group_vectors(channels, c), full, [&](auto nv, auto whole) {
      sums_group<decltype(nv)::value, decltype(whole)::value, Grad>(dy, x, rows, channels, c, shift, sum, sumsq);
    });
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
  row_sums<false>(nullptr, x, n, shift, sum, sumsq);
}

void f32_bn_moments_rows__avx512(const float* x, int64_t rows, int64_t channels, const float* shift, double* sum,
                                 double* sumsq) {
  rows_sums<false>(nullptr, x, rows, channels, shift, sum, sumsq);
}

void f32_bn_apply_row__avx512(const float* x, float* y, int64_t n, float a, float b) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
  int64_t i = floats_to_line(y, n);  // the head up to y's line boundary, then whole lines
  if (i > 0) _mm512_mask_storeu_ps(y, tail_mask(i), _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail_mask(i), x), va, vb));
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
  if (channels <= 16 * kGroup) {
    with_group(group_vectors(channels, 0), full, [&](auto nv, auto whole) {
      apply_group<decltype(nv)::value, decltype(whole)::value>(x, y, rows, channels, a, b);
    });
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
  row_sums<true>(dy, x, n, mean, sdy, sdyx);
}

void f32_bn_grad_sums_rows__avx512(const float* dy, const float* x, int64_t rows, int64_t channels,
                                   const float* mean, double* sdy, double* sdyx) {
  rows_sums<true>(dy, x, rows, channels, mean, sdy, sdyx);
}

void f32_bn_dx_row__avx512(const float* dy, const float* x, float* dx, int64_t n, float a, float b, float d,
                           float mean) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b), vd = _mm512_set1_ps(d), vm = _mm512_set1_ps(mean);
  // dx = a dy + ((x - mean) b + d) on lanes m; the head up to dx's line boundary and the tail
  // masked, whole lines plainly (masked loads and stores are slow on AMD even with every lane on).
  auto step = [&](int64_t i, __mmask16 m) {
    const __m512 t = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vm), vb, vd);
    _mm512_mask_storeu_ps(dx + i, m, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dy + i), va, t));
  };
  int64_t i = floats_to_line(dx, n);
  if (i > 0) step(0, tail_mask(i));
  for (; i + 16 <= n; i += 16) {
    const __m512 t = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vm), vb, vd);
    _mm512_storeu_ps(dx + i, _mm512_fmadd_ps(_mm512_loadu_ps(dy + i), va, t));
  }
  if (i < n) step(i, tail_mask(n - i));
}

void f32_bn_dx_rows__avx512(const float* dy, const float* x, float* dx, int64_t rows, int64_t channels,
                            const float* a, const float* b, const float* d, const float* mean) {
  // C <= 64: one group, parameters held in registers; wider: rows outer, parameters from L1.
  const bool full = channels % 16 == 0;  // whole vectors: plain loads and stores, no masks
  if (channels <= 16 * kGroup) {
    with_group(group_vectors(channels, 0), full, [&](auto nv, auto whole) {
      dx_group<decltype(nv)::value, decltype(whole)::value>(dy, x, dx, rows, channels, 0, a, b, d, mean);
    });
    return;
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
