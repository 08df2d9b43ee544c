// Upsample ukernels, AVX2 + FMA (contracts in ukernels.h): the x2 rows, 8 floats a step. NCHW rows
// (c = 1) interleave the even and odd outputs of 8 sources with unpacks and a lane swap; pixels of
// c >= 8 channels go 8 channels a step, the last step overlapping the one before (no masked
// loads or stores), pixels of fewer channels go channel by channel. The output lines 4 KB ahead
// of the stores are prefetched (as in the AVX-512 file: NCHW rows of 64 pixels and more). Compiled with the AVX2 flags; the rest
// of the family (gathers, the gradients' scatter-adds) stays portable.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "upsample2d/ukernel/ukernels.h"
#include "upsample2d/ukernel/x2-taps.h"

namespace convkit {
namespace {

constexpr int64_t kAhead = 1024;
inline void prefetch_out(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p + kAhead), _MM_HINT_T0); }

// [e0 o0 e1 o1 e2 o2 e3 o3] and [e4 o4 ... e7 o7].
inline void interleave(__m256 e, __m256 o, __m256& lo, __m256& hi) {
  const __m256 a = _mm256_unpacklo_ps(e, o), b = _mm256_unpackhi_ps(e, o);
  lo = _mm256_permute2f128_ps(a, b, 0x20);
  hi = _mm256_permute2f128_ps(a, b, 0x31);
}

// Blends of 8 channels at k: one row (t) or a pair (y0, y1 from rows r0, r1).
inline void row8(const float* a, const float* b, __m256 wa, __m256 wb, float* t) {
  _mm256_storeu_ps(t, _mm256_add_ps(_mm256_mul_ps(wa, _mm256_loadu_ps(a)), _mm256_mul_ps(wb, _mm256_loadu_ps(b))));
}

inline void pair8(__m256 t0, __m256 t1, float* y0, float* y1) {
  const __m256 q = _mm256_set1_ps(0.25f), tq = _mm256_set1_ps(0.75f);
  _mm256_storeu_ps(y0, _mm256_add_ps(_mm256_mul_ps(tq, t0), _mm256_mul_ps(q, t1)));
  _mm256_storeu_ps(y1, _mm256_add_ps(_mm256_mul_ps(q, t0), _mm256_mul_ps(tq, t1)));
}

// Output pixel j of one row (t) from source pixels a, b: c channels, 8 a step (c >= 8; the last
// step overlaps) or one by one.
inline void pixel_row(const float* r, int64_t a, int64_t b, float wa, float wb, float* t, int64_t c) {
  const float *pa = r + a * c, *pb = r + b * c;
  if (c < 8) {
    for (int64_t k = 0; k < c; ++k) t[k] = wa * pa[k] + wb * pb[k];
    return;
  }
  const __m256 va = _mm256_set1_ps(wa), vb = _mm256_set1_ps(wb);
  for (int64_t k = 0;; k += 8) {
    if (k + 8 > c) k = c - 8;
    row8(pa + k, pb + k, va, vb, t + k);
    if (k + 8 == c) break;
  }
}

// The same for a row pair: t0, t1 from rows r0, r1, then y0 = 3/4 t0 + 1/4 t1, y1 = 1/4 t0 + 3/4 t1.
inline void pixel_pair(const float* r0, const float* r1, int64_t a, int64_t b, float wa, float wb, float* y0,
                       float* y1, int64_t c) {
  if (c < 8) {
    for (int64_t k = 0; k < c; ++k) {
      const float t0 = wa * r0[a * c + k] + wb * r0[b * c + k];
      const float t1 = wa * r1[a * c + k] + wb * r1[b * c + k];
      y0[k] = 0.75f * t0 + 0.25f * t1;
      y1[k] = 0.25f * t0 + 0.75f * t1;
    }
    return;
  }
  const __m256 va = _mm256_set1_ps(wa), vb = _mm256_set1_ps(wb);
  for (int64_t k = 0;; k += 8) {
    if (k + 8 > c) k = c - 8;
    const __m256 t0 = _mm256_add_ps(_mm256_mul_ps(va, _mm256_loadu_ps(r0 + a * c + k)), _mm256_mul_ps(vb, _mm256_loadu_ps(r0 + b * c + k)));
    const __m256 t1 = _mm256_add_ps(_mm256_mul_ps(va, _mm256_loadu_ps(r1 + a * c + k)), _mm256_mul_ps(vb, _mm256_loadu_ps(r1 + b * c + k)));
    pair8(t0, t1, y0 + k, y1 + k);
    if (k + 8 == c) break;
  }
}

// c = 1: the even and odd outputs 2k, 2k + 1 of sources k .. k + 7 (1 <= k, k + 8 < w).
inline void eo8(const float* r, int64_t k, __m256& lo, __m256& hi) {
  const __m256 q = _mm256_set1_ps(0.25f), tq = _mm256_set1_ps(0.75f);
  const __m256 p = _mm256_loadu_ps(r + k - 1), v = _mm256_loadu_ps(r + k), n = _mm256_loadu_ps(r + k + 1);
  interleave(_mm256_add_ps(_mm256_mul_ps(q, p), _mm256_mul_ps(tq, v)), _mm256_add_ps(_mm256_mul_ps(tq, v), _mm256_mul_ps(q, n)), lo, hi);
}

// One pair of bilinear_rows_x2.
inline void rows_x2_pair(const float* r0, const float* r1, float* y0, float* y1, int64_t w, int64_t c) {
  if (c == 1) {
    // Sources 1 .. w - 2 in vectors of 8 (the last overlapping the one before when w - 2 is not a
    // multiple of 8: the same values written twice), outputs 0, 1, 2w - 2, 2w - 1 (and all of a
    // row under 10) one by one.
    const bool ahead = w >= 64;
    int64_t k = 1;
    for (; k + 8 < w; k = k + 16 < w ? k + 8 : (k + 9 < w ? w - 9 : w)) {
      if (ahead) {  // a step writes 16 floats (a line) of each row
        prefetch_out(y0 + 2 * k);
        prefetch_out(y1 + 2 * k);
      }
      __m256 a0, a1, b0, b1;
      eo8(r0, k, a0, a1);
      eo8(r1, k, b0, b1);
      pair8(a0, b0, y0 + 2 * k, y1 + 2 * k);
      pair8(a1, b1, y0 + 2 * k + 8, y1 + 2 * k + 8);
    }
    if (k > 1) k = w - 1;
    for (int64_t j = 0; j < 2 * w; j = j == 1 ? 2 * k : j + 1) {
      int64_t a, b;
      float wa, wb;
      x2_taps(j, w, a, b, wa, wb);
      const float t0 = wa * r0[a] + wb * r0[b], t1 = wa * r1[a] + wb * r1[b];
      y0[j] = 0.75f * t0 + 0.25f * t1;
      y1[j] = 0.25f * t0 + 0.75f * t1;
    }
    return;
  }
  // Pixels of c channels: output pixels 2i - 1 and 2i from source pixels i - 1 and i.
  pixel_pair(r0, r1, 0, w > 1 ? 1 : 0, 1.0f, 0.0f, y0, y1, c);
  for (int64_t i = 1; i < w; ++i) {
    float *o0 = y0 + (2 * i - 1) * c, *o1 = y1 + (2 * i - 1) * c;
    for (int64_t k = 0; k < 2 * c; k += 16) {
      prefetch_out(o0 + k);
      prefetch_out(o1 + k);
    }
    pixel_pair(r0, r1, i - 1, i, 0.75f, 0.25f, o0, o1, c);
    pixel_pair(r0, r1, i - 1, i, 0.25f, 0.75f, o0 + c, o1 + c, c);
  }
  pixel_pair(r0, r1, w - 1, w - 1, 0.75f, 0.25f, y0 + (2 * w - 1) * c, y1 + (2 * w - 1) * c, c);
}

}  // namespace

void f32_upsample_nearest_row_x2__avx2(const float* r, float* y, int64_t n) {
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256 v = _mm256_loadu_ps(r + k);
    __m256 lo, hi;
    interleave(v, v, lo, hi);
    _mm256_storeu_ps(y + 2 * k, lo);
    _mm256_storeu_ps(y + 2 * k + 8, hi);
  }
  for (; k < n; ++k) {
    y[2 * k] = r[k];
    y[2 * k + 1] = r[k];
  }
}

void f32_upsample_linear_row_x2__avx2(const float* r, float* t, int64_t w, int64_t c) {
  if (c == 1) {
    int64_t k = 1;  // as in rows_x2_pair
    for (; k + 8 < w; k = k + 16 < w ? k + 8 : (k + 9 < w ? w - 9 : w)) {
      __m256 lo, hi;
      eo8(r, k, lo, hi);
      _mm256_storeu_ps(t + 2 * k, lo);
      _mm256_storeu_ps(t + 2 * k + 8, hi);
    }
    if (k > 1) k = w - 1;
    for (int64_t j = 0; j < 2 * w; j = j == 1 ? 2 * k : j + 1) {
      int64_t a, b;
      float wa, wb;
      x2_taps(j, w, a, b, wa, wb);
      t[j] = wa * r[a] + wb * r[b];
    }
    return;
  }
  for (int64_t j = 0; j < 2 * w; ++j) {
    int64_t a, b;
    float wa, wb;
    x2_taps(j, w, a, b, wa, wb);
    pixel_row(r, a, b, wa, wb, t + j * c, c);
  }
}

void f32_upsample_bilinear_rows_x2__avx2(const float* r, float* y, int64_t pairs, int64_t w, int64_t c) {
  for_each_row_pair_x2(r, y, pairs, w, c, [&](const float* r0, const float* r1, float* y0, float* y1) {
    rows_x2_pair(r0, r1, y0, y1, w, c);
  });
}

void f32_upsample_blend_rows__avx2(const float* t0, const float* t1, float h0, float h1, float* y, int64_t n) {
  const __m256 vh0 = _mm256_set1_ps(h0), vh1 = _mm256_set1_ps(h1);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    _mm256_storeu_ps(y + j, _mm256_add_ps(_mm256_mul_ps(vh0, _mm256_loadu_ps(t0 + j)), _mm256_mul_ps(vh1, _mm256_loadu_ps(t1 + j))));
  }
  for (; j < n; ++j) y[j] = h0 * t0[j] + h1 * t1[j];
}

}  // namespace convkit
