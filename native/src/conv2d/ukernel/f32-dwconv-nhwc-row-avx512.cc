// Depthwise convolution kernel, NHWC, AVX-512F (contract in conv2d/ukernel/ukernels.h).
//   dwconv nhwc row: one output row, vectorized over channels, 16 at a time, masked tail.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only, so no inline
// function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx512-helpers.h"

namespace convkit {
namespace {

template <int NV, int M>
inline void dw_nhwc_block(const conv2d_params& p, const float* x_n, const float* wt,
                          const float* b, int64_t oh, int64_t kh_lo, int64_t kh_hi, int64_t c0,
                          float* yrow, const float* rrow) {
  const int64_t C = p.in_channels, W = p.in_width, OW = p.out_width, KW = p.kernel_w;
  const activation act = p.act;
  const __m512 zero = _mm512_setzero_ps();
  __mmask16 m[NV];
  __m512 bias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(C - c0 - 16 * v);
    bias[v] = b != nullptr ? _mm512_maskz_loadu_ps(m[v], b + c0 + 16 * v) : zero;
  }
  for (int64_t ow = 0; ow < OW; ++ow) {
    const int64_t iw0 = ow * p.stride_w - p.pad_left;
    int64_t kw_lo = 0, kw_hi = KW;  // taps whose input column is inside the image
    while (kw_lo < KW && iw0 + kw_lo * p.dilation_w < 0) ++kw_lo;
    while (kw_hi > kw_lo && iw0 + (kw_hi - 1) * p.dilation_w >= W) --kw_hi;
    __m512 acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = bias[v];
    for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
      const float* xr = x_n + ih * W * C + c0;
      const float* wr = wt + kh * KW * C + c0;
      for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
        const float* xv = xr + (iw0 + kw * p.dilation_w) * C;
        const float* wv = wr + kw * C;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          acc[v] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m[v], wv + 16 * v),
                                   _mm512_maskz_loadu_ps(m[v], xv + 16 * v), acc[v]);
        }
      }
    }
    float* yv = yrow + ow * C + c0;
    const float* rv = rrow != nullptr ? rrow + ow * C + c0 : nullptr;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      _mm512_mask_storeu_ps(yv + 16 * v, m[v],
                            finish_avx512<M>(acc[v], m[v], rv != nullptr ? rv + 16 * v : nullptr, act));
    }
  }
}

template <int M>
void dw_nhwc_row(const conv2d_params& p, const float* x_n, const float* wt, const float* b,
                 int64_t oh, float* yrow, const float* rrow) {
  const int64_t C = p.in_channels, H = p.in_height, KH = p.kernel_h;
  int64_t kh_lo = 0, kh_hi = KH;  // taps whose input row is inside the image
  while (kh_lo < KH && oh * p.stride_h - p.pad_top + kh_lo * p.dilation_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && oh * p.stride_h - p.pad_top + (kh_hi - 1) * p.dilation_h >= H) --kh_hi;
  for (int64_t c0 = 0; c0 < C; c0 += 64) {  // up to 4 vectors of channels, no empty loads
    const int64_t nv = ((C - c0 < 64 ? C - c0 : 64) + 15) / 16;
    switch (nv) {
      case 4: dw_nhwc_block<4, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow); break;
      case 3: dw_nhwc_block<3, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow); break;
      case 2: dw_nhwc_block<2, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow); break;
      default: dw_nhwc_block<1, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow); break;
    }
  }
}

}  // namespace

void f32_dwconv_nhwc_row__avx512(const conv2d_params& p, const float* x_n, const float* wt,
                                 const float* b, int64_t oh, float* yrow, const float* rrow) {
  switch (finish_mode_of(rrow != nullptr, p.act)) {
    case kFinishNone: return dw_nhwc_row<kFinishNone>(p, x_n, wt, b, oh, yrow, rrow);
    case kFinishRelu: return dw_nhwc_row<kFinishRelu>(p, x_n, wt, b, oh, yrow, rrow);
    default: return dw_nhwc_row<kFinishAny>(p, x_n, wt, b, oh, yrow, rrow);
  }
}

}  // namespace convkit
