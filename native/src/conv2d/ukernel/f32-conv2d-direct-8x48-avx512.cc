// Direct convolution kernels, AVX-512F (contracts in conv2d/ukernel/ukernels.h).
//   8x48: 8 output channels x 3 vectors of 16 positions = 24 zmm accumulators; per tap
//         3 loads of x, 8 broadcasts of w, 24 FMAs. Tails by masks.
//   dwconv 1x64: one channel, 4 vectors of positions.
//   dwconv nhwc row: vectorized over channels, 16 at a time, masked tail.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only, so no inline
// function built with these flags leaks into other files.
#include <immintrin.h>

#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

inline __mmask16 tail_mask(int64_t r) {  // lanes [0, r) of 16, r may be <= 0
  return r >= 16 ? static_cast<__mmask16>(0xFFFF)
                 : (r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1u));
}

template <int NV>
inline void direct_block(int64_t kd, const int64_t* tap, const float* w, const float* x,
                         int64_t i0, int64_t len, float* y, int64_t ldy, int64_t rows,
                         const float* bias, bool relu) {
  __mmask16 m[NV];
#pragma GCC unroll 3
  for (int v = 0; v < NV; ++v) m[v] = tail_mask(len - 16 * v);
  __m512 acc[8][NV];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    const __m512 bj = _mm512_set1_ps(bias[j]);
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) acc[j][v] = bj;
  }
  const float* xi = x + i0;
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = xi + tap[k];
    __m512 xv[NV];
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_maskz_loadu_ps(m[v], xk + 16 * v);
    const float* wk = w + k * 8;
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const __m512 wj = _mm512_set1_ps(wk[j]);
#pragma GCC unroll 3
      for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_fmadd_ps(wj, xv[v], acc[j][v]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
  // Constant indices only, so the accumulators stay in registers.
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    if (j >= rows) break;
    float* yj = y + j * ldy + i0;
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) {
      // max(0, a) returns a when a is NaN, as the reference ReLU does.
      const __m512 r = relu ? _mm512_max_ps(zero, acc[j][v]) : acc[j][v];
      _mm512_mask_storeu_ps(yj + 16 * v, m[v], r);
    }
  }
}

template <int NV>
inline void dw_block(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t i0,
                     int64_t len, float* y, float bias, bool relu) {
  __mmask16 m[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) m[v] = tail_mask(len - 16 * v);
  __m512 acc[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = _mm512_set1_ps(bias);
  const float* xi = x + i0;
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = xi + tap[k];
    const __m512 wk = _mm512_set1_ps(w[k]);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      acc[v] = _mm512_fmadd_ps(wk, _mm512_maskz_loadu_ps(m[v], xk + 16 * v), acc[v]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __m512 r = relu ? _mm512_max_ps(zero, acc[v]) : acc[v];
    _mm512_mask_storeu_ps(y + i0 + 16 * v, m[v], r);
  }
}

template <int NV>
inline void dw_nhwc_block(const conv2d_params& p, const float* x_n, const float* wt,
                          const float* b, int64_t oh, int64_t kh_lo, int64_t kh_hi, int64_t c0,
                          float* yrow) {
  const int64_t C = p.in_channels, W = p.in_width, OW = p.out_width, KW = p.kernel_w;
  const bool relu = p.act == activation::relu;
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
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m512 r = relu ? _mm512_max_ps(zero, acc[v]) : acc[v];
      _mm512_mask_storeu_ps(yv + 16 * v, m[v], r);
    }
  }
}

}  // namespace

void f32_conv2d_direct_ukernel_8x48__avx512(int64_t kd, const int64_t* tap, const float* w,
                                            const float* x, int64_t n, float* y, int64_t ldy,
                                            int64_t rows, const float* bias, bool relu) {
  int64_t i0 = 0;
  for (; i0 + 48 <= n; i0 += 48) direct_block<3>(kd, tap, w, x, i0, 48, y, ldy, rows, bias, relu);
  const int64_t r = n - i0;
  if (r > 32) {
    direct_block<3>(kd, tap, w, x, i0, r, y, ldy, rows, bias, relu);
  } else if (r > 16) {
    direct_block<2>(kd, tap, w, x, i0, r, y, ldy, rows, bias, relu);
  } else if (r > 0) {
    direct_block<1>(kd, tap, w, x, i0, r, y, ldy, rows, bias, relu);
  }
}

void f32_dwconv_ukernel_1x64__avx512(int64_t kd, const int64_t* tap, const float* w,
                                     const float* x, int64_t n, float* y, float bias, bool relu) {
  int64_t i0 = 0;
  for (; i0 + 64 <= n; i0 += 64) dw_block<4>(kd, tap, w, x, i0, 64, y, bias, relu);
  const int64_t r = n - i0;
  if (r > 48) {
    dw_block<4>(kd, tap, w, x, i0, r, y, bias, relu);
  } else if (r > 32) {
    dw_block<3>(kd, tap, w, x, i0, r, y, bias, relu);
  } else if (r > 16) {
    dw_block<2>(kd, tap, w, x, i0, r, y, bias, relu);
  } else if (r > 0) {
    dw_block<1>(kd, tap, w, x, i0, r, y, bias, relu);
  }
}

void f32_dwconv_nhwc_row__avx512(const conv2d_params& p, const float* x_n, const float* wt,
                                 const float* b, int64_t oh, float* yrow) {
  const int64_t C = p.in_channels, H = p.in_height, KH = p.kernel_h;
  int64_t kh_lo = 0, kh_hi = KH;  // taps whose input row is inside the image
  while (kh_lo < KH && oh * p.stride_h - p.pad_top + kh_lo * p.dilation_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && oh * p.stride_h - p.pad_top + (kh_hi - 1) * p.dilation_h >= H) --kh_hi;
  for (int64_t c0 = 0; c0 < C; c0 += 64) {  // up to 4 vectors of channels, no empty loads
    const int64_t nv = ((C - c0 < 64 ? C - c0 : 64) + 15) / 16;
    switch (nv) {
      case 4: dw_nhwc_block<4>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow); break;
      case 3: dw_nhwc_block<3>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow); break;
      case 2: dw_nhwc_block<2>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow); break;
      default: dw_nhwc_block<1>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow); break;
    }
  }
}

}  // namespace convkit
