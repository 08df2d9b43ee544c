// Pooling kernels, AVX-512F (contracts in pool2d/ukernel/ukernels.h). One pass over the
// input: every window tap is a (masked) vector load of 16 outputs' inputs, folded into the
// accumulators. Max keeps NaN (a NaN accumulator or a NaN input wins), like pool2d_ref.
// Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include <immintrin.h>

#include <cstdint>

#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

inline __mmask16 tail_mask(int64_t r) {
  return r >= 16 ? static_cast<__mmask16>(0xFFFF)
                 : (r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1u));
}

// NaN-propagating max: max_ps(a, v) returns v when either is NaN; keep a where a is NaN.
inline __m512 nan_max(__m512 a, __m512 v) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), _mm512_max_ps(a, v), a);
}

// The 16 inputs x[(ow0 + l)*S + off] of one row for lanes l (zero where invalid) and the mask
// of valid lanes: ow0 + l < OW and the column inside [0, W).
inline __m512 load_cols(const float* xrow, int64_t ow0, int64_t OW, int64_t S, int64_t off,
                        int64_t W, __mmask16* valid) {
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const int64_t first = ow0 * S + off;  // column of lane 0
  const __m512i col = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(first)),
                                       _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int32_t>(S))));
  __mmask16 m = tail_mask(OW - ow0);
  m &= _mm512_cmpge_epi32_mask(col, _mm512_setzero_si512());
  m &= _mm512_cmplt_epi32_mask(col, _mm512_set1_epi32(static_cast<int32_t>(W)));
  *valid = m;
  if (m == 0) return _mm512_setzero_ps();
  if (S == 1) return _mm512_maskz_loadu_ps(m, xrow + first);
  if (S == 2) {
    // elements e of [first, first + 32): even e are the lanes; load only columns in [0, W).
    const __m512i e0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(first)), lane);
    const __m512i e1 = _mm512_add_epi32(e0, _mm512_set1_epi32(16));
    const __m512i zero = _mm512_setzero_si512(), wv = _mm512_set1_epi32(static_cast<int32_t>(W));
    const __mmask16 m0 = _mm512_cmpge_epi32_mask(e0, zero) & _mm512_cmplt_epi32_mask(e0, wv);
    const __mmask16 m1 = _mm512_cmpge_epi32_mask(e1, zero) & _mm512_cmplt_epi32_mask(e1, wv);
    const __m512 lo = _mm512_maskz_loadu_ps(m0, xrow + first);
    const __m512 hi = _mm512_maskz_loadu_ps(m1, xrow + first + 16);
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    return _mm512_permutex2var_ps(lo, even, hi);
  }
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, col, xrow, 4);
}

}  // namespace

void f32_maxpool_nchw_plane__avx512(const pool2d_params& p, const float* xc, float* yc) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const __m512 ninf = _mm512_set1_ps(-__builtin_inff());
  for (int64_t oh = 0; oh < OH; ++oh) {
    for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
      __m512 acc = ninf;
      for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
        if (ih < 0 || ih >= H) continue;
        const float* xrow = xc + ih * W;
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
          __mmask16 valid;
          const __m512 v = load_cols(xrow, ow0, OW, p.stride_w, kw * p.dilation_w - p.pad_left, W, &valid);
          acc = _mm512_mask_mov_ps(acc, valid, nan_max(acc, v));
        }
      }
      _mm512_mask_storeu_ps(yc + oh * OW + ow0, tail_mask(OW - ow0), acc);
    }
  }
}

void f32_avgpool_nchw_plane__avx512(const pool2d_params& p, const float* rdiv, const float* cdiv,
                                    const float* xc, float* yc) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
  for (int64_t oh = 0; oh < OH; ++oh) {
    const __m512 rd = _mm512_set1_ps(rdiv[oh]);
    for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
      const __mmask16 out = tail_mask(OW - ow0);
      __m512 acc = zero;
      for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const int64_t ih = oh * p.stride_h - p.pad_top + kh;
        if (ih < 0 || ih >= H) continue;
        const float* xrow = xc + ih * W;
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
          __mmask16 valid;
          acc = _mm512_add_ps(acc, load_cols(xrow, ow0, OW, p.stride_w, kw - p.pad_left, W, &valid));
        }
      }
      const __m512 d = _mm512_mul_ps(rd, _mm512_maskz_loadu_ps(out, cdiv + ow0));
      const __m512 inv = _mm512_maskz_div_ps(_mm512_cmp_ps_mask(d, zero, _CMP_GT_OQ), one, d);
      _mm512_mask_storeu_ps(yc + oh * OW + ow0, out, _mm512_mul_ps(acc, inv));
    }
  }
}

void f32_maxpool_nhwc_row__avx512(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  const __m512 ninf = _mm512_set1_ps(-__builtin_inff());
  for (int64_t ow = 0; ow < OW; ++ow) {
    float* yv = yrow + ow * C;
    for (int64_t c0 = 0; c0 < C; c0 += 64) {
      const int64_t nv = (C - c0 + 15) / 16 < 4 ? (C - c0 + 15) / 16 : 4;
      __mmask16 m[4];
      __m512 acc[4];
      for (int v = 0; v < 4; ++v) {
        m[v] = tail_mask(C - c0 - 16 * v);
        acc[v] = ninf;
      }
      for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
        if (ih < 0 || ih >= H) continue;
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
          const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
          if (iw < 0 || iw >= W) continue;
          const float* xv = x_n + (ih * W + iw) * C + c0;
          for (int v = 0; v < nv; ++v) acc[v] = nan_max(acc[v], _mm512_maskz_loadu_ps(m[v], xv + 16 * v));
        }
      }
      for (int v = 0; v < nv; ++v) _mm512_mask_storeu_ps(yv + c0 + 16 * v, m[v], acc[v]);
    }
  }
}

void f32_avgpool_nhwc_row__avx512(const pool2d_params& p, const float* rdiv, const float* cdiv,
                                  const float* x_n, int64_t oh, float* yrow) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  for (int64_t ow = 0; ow < OW; ++ow) {
    float* yv = yrow + ow * C;
    const float d = rdiv[oh] * cdiv[ow];
    const __m512 inv = _mm512_set1_ps(d > 0.0f ? 1.0f / d : 0.0f);
    for (int64_t c0 = 0; c0 < C; c0 += 64) {
      const int64_t nv = (C - c0 + 15) / 16 < 4 ? (C - c0 + 15) / 16 : 4;
      __mmask16 m[4];
      __m512 acc[4];
      for (int v = 0; v < 4; ++v) {
        m[v] = tail_mask(C - c0 - 16 * v);
        acc[v] = _mm512_setzero_ps();
      }
      for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const int64_t ih = oh * p.stride_h - p.pad_top + kh;
        if (ih < 0 || ih >= H) continue;
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
          const int64_t iw = ow * p.stride_w - p.pad_left + kw;
          if (iw < 0 || iw >= W) continue;
          const float* xv = x_n + (ih * W + iw) * C + c0;
          for (int v = 0; v < nv; ++v) acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(m[v], xv + 16 * v));
        }
      }
      for (int v = 0; v < nv; ++v) _mm512_mask_storeu_ps(yv + c0 + 16 * v, m[v], _mm512_mul_ps(acc[v], inv));
    }
  }
}

void f32_gavgpool_nchw__avx512(const float* x, int64_t channels, int64_t hw, float* y) {
  const float inv = 1.0f / static_cast<float>(hw);
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * hw;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= hw; i += 32) {
      a0 = _mm512_add_ps(a0, _mm512_loadu_ps(xc + i));
      a1 = _mm512_add_ps(a1, _mm512_loadu_ps(xc + i + 16));
    }
    for (; i < hw; i += 16) a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(tail_mask(hw - i), xc + i));
    y[c] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) * inv;
  }
}

void f32_gavgpool_nhwc__avx512(const float* x, int64_t channels, int64_t hw, float* y) {
  const __m512 inv = _mm512_set1_ps(1.0f / static_cast<float>(hw));
  for (int64_t c0 = 0; c0 < channels; c0 += 64) {
    __mmask16 m[4];
    __m512 acc[4];
    for (int v = 0; v < 4; ++v) {
      m[v] = tail_mask(channels - c0 - 16 * v);
      acc[v] = _mm512_setzero_ps();
    }
    for (int64_t i = 0; i < hw; ++i) {
      const float* xv = x + i * channels + c0;
      for (int v = 0; v < 4; ++v) acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(m[v], xv + 16 * v));
    }
    for (int v = 0; v < 4; ++v) _mm512_mask_storeu_ps(y + c0 + 16 * v, m[v], _mm512_mul_ps(acc[v], inv));
  }
}

}  // namespace convkit
