// Depthwise convolution kernels, AVX2 + FMA (contracts in conv2d/ukernel/ukernels.h):
//   dwconv 1x32 (NCHW): one channel, 4 vectors of 8 positions read at a fixed offset per tap
//     (the driver's zero-padded plane); the last positions in one masked vector;
//   dwconv nhwc row: one output row, vectorized over channels, up to 4 vectors of 8; the
//     channels past the last whole vector in one masked vector.
// Each output is bias + the taps' products in the AVX-512 kernels' order (kh, then kw). ReLU
// alone is applied in registers; a residual or another activation by the AVX2 conv epilogue
// over the finished row (still in L1).
// Compiled with the AVX2 flags; uses intrinsics and plain loops only, so no inline function
// built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "conv2d/ukernel/finish-mode.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx2-helpers.h"

namespace convkit {
namespace {

template <int NV>
inline void dw_plane_block(int64_t kd, const int64_t* tap, const float* w, const float* x, float* y, float bias, bool relu) {
  __m256 acc[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = _mm256_set1_ps(bias);
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = x + tap[k];
    const __m256 wk = _mm256_set1_ps(w[k]);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = _mm256_fmadd_ps(wk, _mm256_loadu_ps(xk + 8 * v), acc[v]);
  }
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) _mm256_storeu_ps(y + 8 * v, relu ? _mm256_max_ps(_mm256_setzero_ps(), acc[v]) : acc[v]);
}

// Channels [c0, c0 + 8*NV) of output columns [ow_begin, ow_end), each tap bounded to the image.
template <int NV>
inline void dw_nhwc_block(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh,
                          int64_t kh_lo, int64_t kh_hi, int64_t c0, float* yrow, int64_t ow_begin, int64_t ow_end,
                          bool relu) {
  const int64_t C = p.in_channels, W = p.in_width, KW = p.kernel_w;
  __m256 bias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) bias[v] = b != nullptr ? _mm256_loadu_ps(b + c0 + 8 * v) : _mm256_setzero_ps();
  for (int64_t ow = ow_begin; ow < ow_end; ++ow) {
    const int64_t iw0 = ow * p.stride_w - p.pad_left;
    int64_t kw_lo = 0, kw_hi = KW;
    while (kw_lo < KW && iw0 + kw_lo * p.dilation_w < 0) ++kw_lo;
    while (kw_hi > kw_lo && iw0 + (kw_hi - 1) * p.dilation_w >= W) --kw_hi;
    __m256 acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = bias[v];
    for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
      const float* xr = x_n + (oh * p.stride_h - p.pad_top + kh * p.dilation_h) * W * C + c0;
      const float* wr = wt + kh * KW * C + c0;
      for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
        const float* xv = xr + (iw0 + kw * p.dilation_w) * C;
        const float* wv = wr + kw * C;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[v] = _mm256_fmadd_ps(_mm256_loadu_ps(wv + 8 * v), _mm256_loadu_ps(xv + 8 * v), acc[v]);
      }
    }
    float* yv = yrow + ow * C + c0;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm256_storeu_ps(yv + 8 * v, relu ? _mm256_max_ps(_mm256_setzero_ps(), acc[v]) : acc[v]);
  }
}

// 3x3, dilation 1: the interior columns (every tap inside the row) with the taps unrolled;
// the edge columns by dw_nhwc_block. Same products and order.
template <int NV>
inline void dw3x3_nhwc_block(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh,
                             int64_t kh_lo, int64_t kh_hi, int64_t c0, float* yrow, bool relu) {
  const int64_t C = p.in_channels, W = p.in_width, OW = p.out_width, S = p.stride_w, pl = p.pad_left;
  const int64_t ow_lo = std::min(OW, (pl + S - 1) / S);
  const int64_t ow_hi = std::max(ow_lo, std::min(OW, W - 3 + pl >= 0 ? (W - 3 + pl) / S + 1 : 0));
  dw_nhwc_block<NV>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, 0, ow_lo, relu);
  __m256 bias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) bias[v] = b != nullptr ? _mm256_loadu_ps(b + c0 + 8 * v) : _mm256_setzero_ps();
  const float* rows[3] = {};
  for (int64_t kh = kh_lo; kh < kh_hi; ++kh) rows[kh] = x_n + (oh * p.stride_h - p.pad_top + kh) * W * C + c0;
  for (int64_t ow = ow_lo; ow < ow_hi; ++ow) {
    const int64_t at = (ow * S - pl) * C;
    __m256 acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = bias[v];
    for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
      const float* wr = wt + kh * 3 * C + c0;
#pragma GCC unroll 3
      for (int kw = 0; kw < 3; ++kw) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          acc[v] = _mm256_fmadd_ps(_mm256_loadu_ps(wr + kw * C + 8 * v), _mm256_loadu_ps(rows[kh] + at + kw * C + 8 * v), acc[v]);
        }
      }
    }
    float* yv = yrow + ow * C + c0;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm256_storeu_ps(yv + 8 * v, relu ? _mm256_max_ps(_mm256_setzero_ps(), acc[v]) : acc[v]);
  }
  dw_nhwc_block<NV>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, ow_hi, OW, relu);
}

template <int NV>
inline void dw_nhwc_vectors(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh,
                            int64_t kh_lo, int64_t kh_hi, int64_t c0, float* yrow, bool relu) {
  if (p.kernel_h == 3 && p.kernel_w == 3 && p.dilation_h == 1 && p.dilation_w == 1) {
    dw3x3_nhwc_block<NV>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, relu);
  } else {
    dw_nhwc_block<NV>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, 0, p.out_width, relu);
  }
}

// Channels [c0, C) (fewer than 8) of every column: one masked vector, taps bounded per pixel.
inline void dw_nhwc_tail(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh,
                         int64_t kh_lo, int64_t kh_hi, int64_t c0, float* yrow, bool relu) {
  const int64_t C = p.in_channels, W = p.in_width, KW = p.kernel_w;
  const __m256i m = lanes_below(C - c0);
  const __m256 bias = b != nullptr ? _mm256_maskload_ps(b + c0, m) : _mm256_setzero_ps();
  for (int64_t ow = 0; ow < p.out_width; ++ow) {
    const int64_t iw0 = ow * p.stride_w - p.pad_left;
    int64_t kw_lo = 0, kw_hi = KW;
    while (kw_lo < KW && iw0 + kw_lo * p.dilation_w < 0) ++kw_lo;
    while (kw_hi > kw_lo && iw0 + (kw_hi - 1) * p.dilation_w >= W) --kw_hi;
    __m256 acc = bias;
    for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
      const float* xr = x_n + (oh * p.stride_h - p.pad_top + kh * p.dilation_h) * W * C + c0;
      const float* wr = wt + kh * KW * C + c0;
      for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(wr + kw * C, m), _mm256_maskload_ps(xr + (iw0 + kw * p.dilation_w) * C, m), acc);
      }
    }
    _mm256_maskstore_ps(yrow + ow * C + c0, m, relu ? _mm256_max_ps(_mm256_setzero_ps(), acc) : acc);
  }
}

}  // namespace

void f32_dwconv_ukernel_1x32__avx2(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t n,
                                   float* y, float bias, const float* res, activation act) {
  const finish_mode mode = finish_mode_of(res != nullptr, act);
  const bool relu = mode == kFinishRelu;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) dw_plane_block<4>(kd, tap, w, x + i, y + i, bias, relu);
  for (; i + 8 <= n; i += 8) dw_plane_block<1>(kd, tap, w, x + i, y + i, bias, relu);
  if (i < n) {  // the last n - i positions, masked (a 7-wide row is all tail)
    const __m256i m = lanes_below(n - i);
    __m256 acc = _mm256_set1_ps(bias);
    for (int64_t k = 0; k < kd; ++k) acc = _mm256_fmadd_ps(_mm256_set1_ps(w[k]), _mm256_maskload_ps(x + i + tap[k], m), acc);
    _mm256_maskstore_ps(y + i, m, relu ? _mm256_max_ps(_mm256_setzero_ps(), acc) : acc);
  }
  if (mode == kFinishAny) f32_conv2d_epilogue__avx2(y, y, n, 0.0f, nullptr, res, act);
}

void f32_dwconv_nhwc_row__avx2(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh,
                               float* yrow, const float* rrow) {
  const int64_t C = p.in_channels, H = p.in_height, KH = p.kernel_h;
  const finish_mode mode = finish_mode_of(rrow != nullptr, p.act);
  const bool relu = mode == kFinishRelu;
  int64_t kh_lo = 0, kh_hi = KH;  // taps whose input row is inside the image
  while (kh_lo < KH && oh * p.stride_h - p.pad_top + kh_lo * p.dilation_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && oh * p.stride_h - p.pad_top + (kh_hi - 1) * p.dilation_h >= H) --kh_hi;
  int64_t c0 = 0;
  for (; c0 + 32 <= C; c0 += 32) dw_nhwc_vectors<4>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, relu);
  switch ((C - c0) / 8) {
    case 3: dw_nhwc_vectors<3>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, relu); break;
    case 2: dw_nhwc_vectors<2>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, relu); break;
    case 1: dw_nhwc_vectors<1>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, relu); break;
    default: break;
  }
  c0 += (C - c0) / 8 * 8;
  if (c0 < C) dw_nhwc_tail(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, relu);  // the last C % 8 channels
  if (mode == kFinishAny) f32_conv2d_epilogue__avx2(yrow, yrow, p.out_width * C, 0.0f, nullptr, rrow, p.act);
}

}  // namespace convkit
