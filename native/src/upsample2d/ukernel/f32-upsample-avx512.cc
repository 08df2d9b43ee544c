// Upsample ukernels, AVX-512 (contracts in ukernels.h). NCHW rows: the column indices rise by at
// most one per output when upsampling, so 16 outputs read at most 16 neighbouring source pixels:
// one load and a lane permute (a gather only when the span is wider, e.g. downsampling). NHWC
// pixels blend 16 channels per vector. Compiled with the AVX-512 flags; the gradients
// (scatter-adds, order-dependent) stay portable.
#include "upsample2d/ukernel/ukernels.h"
#include "util/avx512-helpers.h"
#include "util/x86-intrinsics.h"

namespace convkit {

namespace {

// The 16 (or fewer, under m) source pixels r[idx[lane]]: a load of r[base..base+15] and a
// permute when every index lies there, else a gather. Indices rise along the row, so the
// largest is the last one; the load reads only up to it (never past the row).
inline __m512 fetch(const float* r, __m512i idx, __mmask16 m, int32_t base, int32_t last) {
  if (last - base < 16) {
    const __m512 block = _mm512_maskz_loadu_ps(tail_mask(last - base + 1), r + base);
    return _mm512_permutexvar_ps(_mm512_sub_epi32(idx, _mm512_set1_epi32(base)), block);
  }
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, r, 4);
}

}  // namespace

void f32_upsample_nearest_row__avx512(const float* r, const int32_t* i0, float* y, int64_t n) {
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    const int64_t e = (j + 16 < n ? j + 16 : n) - 1;
    const __m512i idx = _mm512_mask_loadu_epi32(_mm512_set1_epi32(i0[j]), m, i0 + j);
    _mm512_mask_storeu_ps(y + j, m, fetch(r, idx, m, i0[j], i0[e]));
  }
}

void f32_upsample_nearest_row_x2__avx512(const float* r, float* y, int64_t n) {
  // 16 sources -> 32 outputs: each lane twice, by two lane permutes of one load.
  const __m512i lo = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m512 v = _mm512_loadu_ps(r + k);
    _mm512_storeu_ps(y + 2 * k, _mm512_permutexvar_ps(lo, v));
    _mm512_storeu_ps(y + 2 * k + 16, _mm512_permutexvar_ps(hi, v));
  }
  if (k < n) {
    const int64_t left = n - k;  // 1..15 sources, 2..30 outputs
    const __m512 v = _mm512_maskz_loadu_ps(tail_mask(left), r + k);
    _mm512_mask_storeu_ps(y + 2 * k, tail_mask(2 * left), _mm512_permutexvar_ps(lo, v));
    if (left > 8) _mm512_mask_storeu_ps(y + 2 * k + 16, tail_mask(2 * left - 16), _mm512_permutexvar_ps(hi, v));
  }
}

void f32_upsample_linear_row__avx512(const float* r, const int32_t* i0, const int32_t* i1, const float* w0,
                                     const float* w1, float* t, int64_t n) {
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    const int64_t e = (j + 16 < n ? j + 16 : n) - 1;
    // Masked-off lanes repeat the first index, so they stay inside [base, last].
    const __m512i a = _mm512_mask_loadu_epi32(_mm512_set1_epi32(i0[j]), m, i0 + j);
    const __m512i b = _mm512_mask_loadu_epi32(_mm512_set1_epi32(i0[j]), m, i1 + j);
    const __m512 wa = _mm512_maskz_loadu_ps(m, w0 + j), wb = _mm512_maskz_loadu_ps(m, w1 + j);
    const int32_t base = i0[j], last = i1[e] > i0[e] ? i1[e] : i0[e];
    _mm512_mask_storeu_ps(t + j, m, _mm512_add_ps(_mm512_mul_ps(wa, fetch(r, a, m, base, last)), _mm512_mul_ps(wb, fetch(r, b, m, base, last))));
  }
}

void f32_upsample_blend_rows__avx512(const float* t0, const float* t1, float h0, float h1, float* y, int64_t n) {
  const __m512 vh0 = _mm512_set1_ps(h0), vh1 = _mm512_set1_ps(h1);
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    _mm512_storeu_ps(y + j, _mm512_add_ps(_mm512_mul_ps(vh0, _mm512_loadu_ps(t0 + j)), _mm512_mul_ps(vh1, _mm512_loadu_ps(t1 + j))));
    _mm512_storeu_ps(y + j + 16, _mm512_add_ps(_mm512_mul_ps(vh0, _mm512_loadu_ps(t0 + j + 16)), _mm512_mul_ps(vh1, _mm512_loadu_ps(t1 + j + 16))));
  }
  for (; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    _mm512_mask_storeu_ps(y + j, m, _mm512_add_ps(_mm512_mul_ps(vh0, _mm512_maskz_loadu_ps(m, t0 + j)), _mm512_mul_ps(vh1, _mm512_maskz_loadu_ps(m, t1 + j))));
  }
}

void f32_upsample_bilinear_pixel__avx512(const float* a, const float* b, const float* c, const float* d, float h0,
                                         float h1, float w0, float w1, float* y, int64_t n) {
  const __m512 vh0 = _mm512_set1_ps(h0), vh1 = _mm512_set1_ps(h1), vw0 = _mm512_set1_ps(w0), vw1 = _mm512_set1_ps(w1);
  for (int64_t k = 0; k < n; k += 16) {
    const __mmask16 m = tail_mask(n - k);
    const __m512 top = _mm512_add_ps(_mm512_mul_ps(vw0, _mm512_maskz_loadu_ps(m, a + k)), _mm512_mul_ps(vw1, _mm512_maskz_loadu_ps(m, b + k)));
    const __m512 bottom = _mm512_add_ps(_mm512_mul_ps(vw0, _mm512_maskz_loadu_ps(m, c + k)), _mm512_mul_ps(vw1, _mm512_maskz_loadu_ps(m, d + k)));
    _mm512_mask_storeu_ps(y + k, m, _mm512_add_ps(_mm512_mul_ps(vh0, top), _mm512_mul_ps(vh1, bottom)));
  }
}

}  // namespace convkit
