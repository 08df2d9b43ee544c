// Max pooling backward for 2x2 windows at stride 2 (no top/left padding, no dilation: the
// windows tile the input), AVX-512F (contracts in pool2d/ukernel/ukernels.h): every dx cell
// is written exactly once, dy where it holds its window's first maximum (NaN wins), else 0.
// Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-avx512-common.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// Winner of a 4-cell window in scan order: the first maximum, a NaN counting as the maximum
// (the first NaN wins). Returns the index (0..3) per lane.
inline __m512i first_max4(__m512 v0, __m512 v1, __m512 v2, __m512 v3) {
  __m512 best = v0;
  __m512i idx = _mm512_setzero_si512();
  const __m512 v[3] = {v1, v2, v3};
  for (int k = 0; k < 3; ++k) {
    const __mmask16 take = _mm512_cmp_ps_mask(v[k], best, _CMP_GT_OQ) |
                           (_mm512_cmp_ps_mask(v[k], v[k], _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q));
    best = _mm512_mask_mov_ps(best, take, v[k]);
    idx = _mm512_mask_mov_epi32(idx, take, _mm512_set1_epi32(k + 1));
  }
  return idx;
}

inline __m512 pick(__m512i idx, int k, __m512 g) {
  return _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(idx, _mm512_set1_epi32(k)), g);
}

}  // namespace

void f32_maxpool_backward_2x2s2_nchw_plane__avx512(const pool2d_params& p, const float* dyc, const float* xc,
                                                   float* dxc) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const __m512i even = even_lanes(), odd = odd_lanes();
  // Interleave two 16-lane vectors a, b into a0 b0 a1 b1 ...: lanes 0..15, then 16..31.
  const __m512i mix_lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i mix_hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  const __m512 lo_inf = ninf();
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t r0 = 2 * oh, r1 = 2 * oh + 1;  // r0 < H: windows start inside the input
    const bool has_r1 = r1 < H;
    const float* x0 = xc + r0 * W;
    const float* x1 = xc + (has_r1 ? r1 : r0) * W;
    float* d0 = dxc + r0 * W;
    float* d1 = dxc + r1 * W;
    const float* g_row = dyc + oh * OW;
    // Lanes past OW get g = 0, so the columns no window covers (W odd) are written 0.
    for (int64_t ow0 = 0; 2 * ow0 < W; ow0 += 16) {
      const int64_t c0 = 2 * ow0;
      const __mmask16 m0 = tail_mask(W - c0), m1 = tail_mask(W - c0 - 16);
      const __m512 g = _mm512_maskz_loadu_ps(tail_mask(OW - ow0), g_row + ow0);
      const __m512 a0 = _mm512_mask_loadu_ps(lo_inf, m0, x0 + c0), b0 = _mm512_mask_loadu_ps(lo_inf, m1, x0 + c0 + 16);
      __m512 a1 = lo_inf, b1 = lo_inf;
      if (has_r1) {
        a1 = _mm512_mask_loadu_ps(lo_inf, m0, x1 + c0);
        b1 = _mm512_mask_loadu_ps(lo_inf, m1, x1 + c0 + 16);
      }
      const __m512i idx = first_max4(_mm512_permutex2var_ps(a0, even, b0), _mm512_permutex2var_ps(a0, odd, b0),
                                     _mm512_permutex2var_ps(a1, even, b1), _mm512_permutex2var_ps(a1, odd, b1));
      const __m512 g00 = pick(idx, 0, g), g01 = pick(idx, 1, g);
      _mm512_mask_storeu_ps(d0 + c0, m0, _mm512_permutex2var_ps(g00, mix_lo, g01));
      _mm512_mask_storeu_ps(d0 + c0 + 16, m1, _mm512_permutex2var_ps(g00, mix_hi, g01));
      if (has_r1) {
        const __m512 g10 = pick(idx, 2, g), g11 = pick(idx, 3, g);
        _mm512_mask_storeu_ps(d1 + c0, m0, _mm512_permutex2var_ps(g10, mix_lo, g11));
        _mm512_mask_storeu_ps(d1 + c0 + 16, m1, _mm512_permutex2var_ps(g10, mix_hi, g11));
      }
    }
  }
  if (2 * OH < H) std::fill(dxc + 2 * OH * W, dxc + H * W, 0.0f);  // rows no window covers
}

void f32_maxpool_backward_2x2s2_nhwc_row__avx512(const pool2d_params& p, const float* dy_n, const float* x_n,
                                                 int64_t oh, float* dx_n) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t r0 = 2 * oh, r1 = 2 * oh + 1;
  const bool has_r1 = r1 < H;
  const __m512 lo_inf = ninf();
  for (int64_t ow = 0; ow < OW; ++ow) {
    const int64_t q0 = 2 * ow;
    const bool has_q1 = q0 + 1 < W;
    const float* x00 = x_n + (r0 * W + q0) * C;
    const float* x10 = x_n + (r1 * W + q0) * C;
    float* d00 = dx_n + (r0 * W + q0) * C;
    float* d10 = dx_n + (r1 * W + q0) * C;
    const float* g = dy_n + (oh * OW + ow) * C;
    for (int64_t c = 0; c < C; c += 16) {
      const __mmask16 m = tail_mask(C - c);
      const __mmask16 m01 = has_q1 ? m : 0, m10 = has_r1 ? m : 0, m11 = has_q1 && has_r1 ? m : 0;
      const __m512 v00 = _mm512_maskz_loadu_ps(m, x00 + c);
      const __m512 v01 = _mm512_mask_loadu_ps(lo_inf, m01, x00 + C + c);
      const __m512 v10 = _mm512_mask_loadu_ps(lo_inf, m10, x10 + c);
      const __m512 v11 = _mm512_mask_loadu_ps(lo_inf, m11, x10 + C + c);
      const __m512i idx = first_max4(v00, v01, v10, v11);
      const __m512 gv = _mm512_maskz_loadu_ps(m, g + c);
      _mm512_mask_storeu_ps(d00 + c, m, pick(idx, 0, gv));
      _mm512_mask_storeu_ps(d00 + C + c, m01, pick(idx, 1, gv));
      _mm512_mask_storeu_ps(d10 + c, m10, pick(idx, 2, gv));
      _mm512_mask_storeu_ps(d10 + C + c, m11, pick(idx, 3, gv));
    }
  }
  // Columns no window covers (W odd, floor mode), then rows below the last window.
  if (2 * OW < W) {
    std::fill(dx_n + (r0 * W + 2 * OW) * C, dx_n + (r0 + 1) * W * C, 0.0f);
    if (has_r1) std::fill(dx_n + (r1 * W + 2 * OW) * C, dx_n + (r1 + 1) * W * C, 0.0f);
  }
  if (oh == OH - 1 && 2 * OH < H) std::fill(dx_n + 2 * OH * W * C, dx_n + H * W * C, 0.0f);
}

}  // namespace convkit
