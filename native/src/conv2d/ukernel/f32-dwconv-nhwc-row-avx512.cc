// Depthwise convolution kernel, NHWC, AVX-512F (contract in conv2d/ukernel/ukernels.h).
//   dwconv nhwc row: one output row, vectorized over channels, 16 at a time, masked tail.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only, so no inline
// function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx512-helpers.h"

namespace convkit {
namespace {

template <int NV, int M>
inline void dw_nhwc_block(const conv2d_params& p, const float* x_n, const float* wt,
                          const float* b, int64_t oh, int64_t kh_lo, int64_t kh_hi, int64_t c0,
                          float* yrow, const float* rrow, int64_t ow_begin, int64_t ow_end) {  // columns [ow_begin, ow_end)
  const int64_t C = p.in_channels, W = p.in_width, KW = p.kernel_w;
  const activation act = p.act;
  const __m512 zero = _mm512_setzero_ps();
  __mmask16 m[NV];
  __m512 bias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(C - c0 - 16 * v);
    bias[v] = b != nullptr ? _mm512_maskz_loadu_ps(m[v], b + c0 + 16 * v) : zero;
  }
  for (int64_t ow = ow_begin; ow < ow_end; ++ow) {
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

// K x K (3 or 5), dilation 1 (MobileNet's and EfficientNet's depthwise layers), NV vectors of
// channels (K K NV weight vectors fit the registers: 3x3 by 2, 5x5 by 1): the taps' weights and
// the bias held in registers for the whole row, the columns whose K taps all lie inside the
// image (all but the edges) with the kernel rows unrolled and, when Full (every lane a channel),
// plain loads and stores (masked ones are slow on AMD even with every lane on). The edge columns
// through dw_nhwc_block's per-pixel tap bounds. Same products and sums in the same order (kh,
// then kw) as dw_nhwc_block.
template <int K, int NV, bool Full, int M>
inline void dwkxk_nhwc_block(const conv2d_params& p, const float* x_n, const float* wt,
                             const float* b, int64_t oh, int64_t kh_lo, int64_t kh_hi, int64_t c0,
                             float* yrow, const float* rrow) {
  const int64_t C = p.in_channels, W = p.in_width, OW = p.out_width, S = p.stride_w, pl = p.pad_left;
  const activation act = p.act;
  __mmask16 m[NV];
  __m512 bias[NV], wk[K * K][NV];
  auto load = [&](const float* q, int v) { return Full ? _mm512_loadu_ps(q) : _mm512_maskz_loadu_ps(m[v], q); };
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(C - c0 - 16 * v);
    bias[v] = b != nullptr ? _mm512_maskz_loadu_ps(m[v], b + c0 + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 25
    for (int t = 0; t < K * K; ++t) wk[t][v] = _mm512_maskz_loadu_ps(m[v], wt + t * C + c0 + 16 * v);
  }
  const float* rows[K] = {};
  for (int64_t kh = kh_lo; kh < kh_hi; ++kh) rows[kh] = x_n + (oh * p.stride_h - p.pad_top + kh) * W * C + c0;
  // Interior columns: iw0 = ow * S - pl >= 0 and iw0 + K - 1 < W.
  const int64_t ow_lo = std::min(OW, (pl + S - 1) / S);
  const int64_t ow_hi = std::max(ow_lo, std::min(OW, W - K + pl >= 0 ? (W - K + pl) / S + 1 : 0));
  dw_nhwc_block<NV, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, 0, ow_lo);
  const bool all_rows = kh_lo == 0 && kh_hi == K;
  // Four pixels at a time when every kernel row is inside: each accumulator is a chain of K*K
  // dependent FMAs, so one pixel at a time waited on the FMA latency (a 14 x 14 x 384 3x3
  // layer ran at 39 GFLOP/s); four give 4 * NV independent chains.
  int64_t ow = ow_lo;
  if (all_rows) {
    constexpr int P = 4;
    for (; ow + P <= ow_hi; ow += P) {
      __m512 acc[P][NV];
#pragma GCC unroll 4
      for (int i = 0; i < P; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = bias[v];
      }
#pragma GCC unroll 5
      for (int kh = 0; kh < K; ++kh) {
#pragma GCC unroll 5
        for (int kw = 0; kw < K; ++kw) {
#pragma GCC unroll 4
          for (int i = 0; i < P; ++i) {
            const float* xq = rows[kh] + ((ow + i) * S - pl + kw) * C;
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(wk[kh * K + kw][v], load(xq + 16 * v, v), acc[i][v]);
          }
        }
      }
#pragma GCC unroll 4
      for (int i = 0; i < P; ++i) {
        float* yv = yrow + (ow + i) * C + c0;
        const float* rv = rrow != nullptr ? rrow + (ow + i) * C + c0 : nullptr;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          const __m512 out = finish_avx512<M>(acc[i][v], m[v], rv != nullptr ? rv + 16 * v : nullptr, act);
          if (Full) {
            _mm512_storeu_ps(yv + 16 * v, out);
          } else {
            _mm512_mask_storeu_ps(yv + 16 * v, m[v], out);
          }
        }
      }
    }
  }
  for (; ow < ow_hi; ++ow) {
    const int64_t at = (ow * S - pl) * C;
    __m512 acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = bias[v];
    if (all_rows) {
#pragma GCC unroll 5
      for (int kh = 0; kh < K; ++kh) {
#pragma GCC unroll 5
        for (int kw = 0; kw < K; ++kw) {
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[v] = _mm512_fmadd_ps(wk[kh * K + kw][v], load(rows[kh] + at + kw * C + 16 * v, v), acc[v]);
        }
      }
    } else {
      for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
#pragma GCC unroll 5
        for (int kw = 0; kw < K; ++kw) {
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[v] = _mm512_fmadd_ps(wk[kh * K + kw][v], load(rows[kh] + at + kw * C + 16 * v, v), acc[v]);
        }
      }
    }
    float* yv = yrow + ow * C + c0;
    const float* rv = rrow != nullptr ? rrow + ow * C + c0 : nullptr;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m512 out = finish_avx512<M>(acc[v], m[v], rv != nullptr ? rv + 16 * v : nullptr, act);
      if (Full) {
        _mm512_storeu_ps(yv + 16 * v, out);
      } else {
        _mm512_mask_storeu_ps(yv + 16 * v, m[v], out);
      }
    }
  }
  dw_nhwc_block<NV, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, ow_hi, OW);
}

template <int M>
void dw_nhwc_row(const conv2d_params& p, const float* x_n, const float* wt, const float* b,
                 int64_t oh, float* yrow, const float* rrow) {
  const int64_t C = p.in_channels, H = p.in_height, KH = p.kernel_h;
  int64_t kh_lo = 0, kh_hi = KH;  // taps whose input row is inside the image
  while (kh_lo < KH && oh * p.stride_h - p.pad_top + kh_lo * p.dilation_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && oh * p.stride_h - p.pad_top + (kh_hi - 1) * p.dilation_h >= H) --kh_hi;
  const bool square = p.kernel_h == p.kernel_w && p.dilation_h == 1 && p.dilation_w == 1;
  if (square && p.kernel_h == 3) {
    // Blocks of 32 channels (2 x 9 weight vectors and 2 accumulators stay in registers).
    for (int64_t c0 = 0; c0 < C; c0 += 32) {
      const int64_t left = C - c0;
      if (left >= 32) {
        dwkxk_nhwc_block<3, 2, true, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow);
      } else if (left > 16) {
        dwkxk_nhwc_block<3, 2, false, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow);
      } else if (left == 16) {
        dwkxk_nhwc_block<3, 1, true, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow);
      } else {
        dwkxk_nhwc_block<3, 1, false, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow);
      }
    }
    return;
  }
  if (square && p.kernel_h == 5 && p.out_width >= 16) {
    // Blocks of 16 channels (25 weight vectors and the accumulator stay in registers). Rows
    // under 16 outputs stay on the per-pixel blocks: 4 of their columns are edges, and loading
    // 25 weight vectors per 16 channels per row cost more than it saved (14x14: 168 -> 190 us).
    for (int64_t c0 = 0; c0 < C; c0 += 16) {
      if (C - c0 >= 16) {
        dwkxk_nhwc_block<5, 1, true, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow);
      } else {
        dwkxk_nhwc_block<5, 1, false, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow);
      }
    }
    return;
  }
  for (int64_t c0 = 0; c0 < C; c0 += 64) {  // up to 4 vectors of channels, no empty loads
    const int64_t nv = ((C - c0 < 64 ? C - c0 : 64) + 15) / 16;
    switch (nv) {
      case 4: dw_nhwc_block<4, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, 0, p.out_width); break;
      case 3: dw_nhwc_block<3, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, 0, p.out_width); break;
      case 2: dw_nhwc_block<2, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, 0, p.out_width); break;
      default: dw_nhwc_block<1, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, 0, p.out_width); break;
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
