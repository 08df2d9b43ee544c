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

// Stores P pixels' NV accumulator vectors finished (residual, activation) at yrow's columns
// [ow0, ow0 + np): plain stores when Full (every lane a channel; masked ones are slow on AMD
// even with every lane on), else under the channel masks.
template <int P, int NV, bool Full, int M>
inline void store_pixels(const __m512 (&acc)[P][NV], const __mmask16* m, int np, int64_t ow0, int64_t C, int64_t c0,
                         float* yrow, const float* rrow, activation act) {
#pragma GCC unroll 16
  for (int i = 0; i < P; ++i) {
    if (i >= np) break;
    float* yv = yrow + (ow0 + i) * C + c0;
    const float* rv = rrow != nullptr ? rrow + (ow0 + i) * C + c0 : nullptr;
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

template <int NV, int M, bool Full = false>
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
  // Up to P pixels at a time, each with its own taps inside the image (kw in [lo[i], hi[i])):
  // P * NV independent FMA chains, and each weight vector loaded once for the P pixels (one
  // pixel at a time waited on the FMA latency, and the edges of a 5x5 layer over a 14-wide row
  // took longer than its interior). Each sum in (kh, kw) order, as before.
  constexpr int P = 4;
  for (int64_t ow0 = ow_begin; ow0 < ow_end; ow0 += P) {
    const int np = static_cast<int>(std::min<int64_t>(P, ow_end - ow0));
    int64_t lo[P], hi[P], iw0[P];
    int64_t kw_first = KW, kw_last = 0;
#pragma GCC unroll 4
    for (int i = 0; i < P; ++i) {
      const int64_t ow = ow0 + (i < np ? i : 0);
      iw0[i] = ow * p.stride_w - p.pad_left;
      int64_t a = 0, z = KW;  // taps whose input column is inside the image
      while (a < KW && iw0[i] + a * p.dilation_w < 0) ++a;
      while (z > a && iw0[i] + (z - 1) * p.dilation_w >= W) --z;
      lo[i] = i < np ? a : 0, hi[i] = i < np ? z : 0;
      kw_first = std::min(kw_first, lo[i]), kw_last = std::max(kw_last, hi[i]);
    }
    __m512 acc[P][NV];
#pragma GCC unroll 4
    for (int i = 0; i < P; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = bias[v];
    }
    for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
      const float* xr = x_n + ih * W * C + c0;
      const float* wr = wt + kh * KW * C + c0;
      for (int64_t kw = kw_first; kw < kw_last; ++kw) {
        const float* wv = wr + kw * C;
        __m512 wk[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) wk[v] = Full ? _mm512_loadu_ps(wv + 16 * v) : _mm512_maskz_loadu_ps(m[v], wv + 16 * v);
#pragma GCC unroll 4
        for (int i = 0; i < P; ++i) {
          if (kw < lo[i] || kw >= hi[i]) continue;
          const float* xv = xr + (iw0[i] + kw * p.dilation_w) * C;
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) {
            const __m512 xq = Full ? _mm512_loadu_ps(xv + 16 * v) : _mm512_maskz_loadu_ps(m[v], xv + 16 * v);
            acc[i][v] = _mm512_fmadd_ps(wk[v], xq, acc[i][v]);
          }
        }
      }
    }
    store_pixels<P, NV, Full, M>(acc, m, np, ow0, C, c0, yrow, rrow, act);
  }
}

// The channel masks of the NV vectors from channel c0 (of C), and P pixels' sums started at
// the bias (zero without one).
template <int P, int NV>
inline void start_pixels(int64_t C, int64_t c0, const float* b, __mmask16 (&m)[NV], __m512 (&acc)[P][NV]) {
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    m[v] = tail_mask(C - c0 - 16 * v);
    const __m512 bv = b != nullptr ? _mm512_maskz_loadu_ps(m[v], b + c0 + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i) acc[i][v] = bv;
  }
}

// The taps of a K x K kernel (dilation 1) that one call sums: kernel rows [kh_lo, kh_hi) and
// columns [kw_lo, kw_hi), the ones whose input lies inside the image.
struct tap_range {
  int kh_lo, kh_hi, kw_lo, kw_hi;
};

// K x K (3 or 5), dilation 1 (MobileNet's and EfficientNet's depthwise layers): P pixels of one
// output row that share their taps t (every column whose taps all lie inside the image, or one
// edge column), pixels outer, P at a time, channels inner, NV vectors of channels per block
// (3x3: 2, 5x5: 1; the block's weight vectors and P NV accumulators fit the registers).
// Channels outer walked the input rows once per channel block at a stride of C floats, missing
// the caches (a 56 x 56 x 144 layer read at 20 GB/s); pixels outer read each pixel's channels as
// one run. P pixels: P NV independent FMA chains, the weights loaded once for the P. Full blocks
// (every lane a channel) use plain loads and stores (masked ones are slow on AMD even with every
// lane on). Each sum over (kh, kw) in order, the taps outside the image skipped, as
// dw_nhwc_block's. The edge rows and columns took dw_nhwc_block before, whose per-pixel tap
// tests cost 37% of a 14 x 14 x 384 layer for its 27% of pixels, 50% of a 7 x 7 x 960 one.
template <int K, int NV, int P, bool Full, int M, bool AllTaps>
inline void dwkxk_pixels(const conv2d_params& p, const float* const* rows, const float* wt, const float* b,
                         int64_t c0, int64_t ow0, float* yrow, const float* rrow, tap_range t) {
  if (AllTaps) t = tap_range{0, K, 0, K};  // constants: the tap loops unroll
  const int64_t C = p.in_channels, S = p.stride_w, pl = p.pad_left;
  const activation act = p.act;
  __mmask16 m[NV];
  __m512 acc[P][NV];
  start_pixels<P, NV>(C, c0, b, m, acc);
  auto load = [&](const float* q, int v) { return Full ? _mm512_loadu_ps(q) : _mm512_maskz_loadu_ps(m[v], q); };
  // Taps in plain loops (unrolled, their 4 K K addresses spilled the pointer registers): per tap
  // one pointer into x and one into w, the pixels at multiples of S * C from it.
  const int64_t sc = S * C;
  for (int kh = t.kh_lo; kh < t.kh_hi; ++kh) {
    const float* xq = rows[kh] + (ow0 * S - pl + t.kw_lo) * C + c0;
    const float* wq = wt + (kh * K + t.kw_lo) * C + c0;
    for (int kw = t.kw_lo; kw < t.kw_hi; ++kw, xq += C, wq += C) {
      __m512 wk[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) wk[v] = load(wq + 16 * v, v);
#pragma GCC unroll 4
      for (int i = 0; i < P; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(wk[v], load(xq + i * sc + 16 * v, v), acc[i][v]);
      }
    }
  }
  store_pixels<P, NV, Full, M>(acc, m, P, ow0, C, c0, yrow, rrow, act);
}

// Every channel of P pixels from ow0: full blocks of NV vectors, then the masked rest.
// AllTaps: t is every tap (a row whose K input rows lie inside the image, an interior column).
template <int K, int NV, int P, int M, bool AllTaps = false>
inline void dwkxk_pixels_all_channels(const conv2d_params& p, const float* const* rows, const float* wt,
                                      const float* b, int64_t ow0, float* yrow, const float* rrow, tap_range t) {
  const int64_t C = p.in_channels;
  int64_t c0 = 0;
  for (; c0 + 16 * NV <= C; c0 += 16 * NV) dwkxk_pixels<K, NV, P, true, M, AllTaps>(p, rows, wt, b, c0, ow0, yrow, rrow, t);
  for (; c0 < C; c0 += 16) dwkxk_pixels<K, 1, P, false, M, AllTaps>(p, rows, wt, b, c0, ow0, yrow, rrow, t);
}

// P interior pixels of stride S (1 or 2) with each input column loaded once per kernel row:
// column j of the window feeds pixel i = (j - kw) / S with tap kw, for every kw with j - kw a
// multiple of S in [0, S (P - 1)]; the kernel row's K NV weight vectors stay in registers.
// dwkxk_pixels loads each pixel's K K input vectors itself (at stride 1 K times as many loads).
// 1 thread, 64-byte aligned x and y (scratch dwa.cc), 4-pixel blocks -> these: 56 x 56 x 144
// 3x3 0.115-0.117 -> 0.101 ms, 112 x 112 x 96 0.31-0.32 -> 0.28-0.30, 14 x 14 x 384 0.019-0.021
// -> 0.018, 112 x 112 x 32 even. Each pixel's sum runs over (kh, kw) in order, as there.
template <int K, int S, int NV, int P, bool Full, int M, bool AllTaps>
inline void dwkxk_pixels_reuse(const conv2d_params& p, const float* const* rows, const float* wt, const float* b,
                               int64_t c0, int64_t ow0, float* yrow, const float* rrow, tap_range t) {
  if (AllTaps) t = tap_range{0, K, 0, K};
  const int64_t C = p.in_channels, pl = p.pad_left;
  __mmask16 m[NV];
  __m512 acc[P][NV];
  start_pixels<P, NV>(C, c0, b, m, acc);
  auto load = [&](const float* q, int v) { return Full ? _mm512_loadu_ps(q) : _mm512_maskz_loadu_ps(m[v], q); };
  constexpr int J = S * (P - 1) + K;  // input columns of the P pixels
  for (int kh = t.kh_lo; kh < t.kh_hi; ++kh) {
    const float* xq = rows[kh] + (ow0 * S - pl) * C + c0;
    const float* wq = wt + kh * K * C + c0;
    __m512 wk[K][NV];
#pragma GCC unroll 5
    for (int kw = 0; kw < K; ++kw) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) wk[kw][v] = load(wq + kw * C + 16 * v, v);
    }
#pragma GCC unroll 40
    for (int j = 0; j < J; ++j, xq += C) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const __m512 xv = load(xq + 16 * v, v);
#pragma GCC unroll 5
        for (int kw = 0; kw < K; ++kw) {
          const int d = j - kw;
          if (d < 0 || d % S != 0 || d / S >= P) continue;
          acc[d / S][v] = _mm512_fmadd_ps(wk[kw][v], xv, acc[d / S][v]);
        }
      }
    }
  }
  store_pixels<P, NV, Full, M>(acc, m, P, ow0, C, c0, yrow, rrow, p.act);
}

// Every channel of P pixels from ow0 by dwkxk_pixels_reuse: full blocks of NV vectors, then the
// masked rest one vector at a time.
template <int K, int S, int NV, int P, int M, bool AllTaps>
inline void dwkxk_reuse_all_channels(const conv2d_params& p, const float* const* rows, const float* wt,
                                     const float* b, int64_t ow0, float* yrow, const float* rrow, tap_range t) {
  const int64_t C = p.in_channels;
  int64_t c0 = 0;
  for (; c0 + 16 * NV <= C; c0 += 16 * NV) {
    dwkxk_pixels_reuse<K, S, NV, P, true, M, AllTaps>(p, rows, wt, b, c0, ow0, yrow, rrow, t);
  }
  for (; c0 < C; c0 += 16) dwkxk_pixels_reuse<K, S, 1, P, false, M, AllTaps>(p, rows, wt, b, c0, ow0, yrow, rrow, t);
}

// The interior columns [ow, ow_hi) of a row: at stride 1 or 2 blocks of 8 (3x3) or 12 (5x5)
// pixels by dwkxk_pixels_reuse, then 4 at a time, then 3, 2 or 1.
template <int K, int NV, int M, bool AllTaps>
inline void dwkxk_interior(const conv2d_params& p, const float* const* rows, const float* wt, const float* b,
                           int64_t ow, int64_t ow_hi, float* yrow, const float* rrow, tap_range t) {
  constexpr int PR = K == 3 ? 8 : 12;
  if (p.stride_w == 1) {
    for (; ow + PR <= ow_hi; ow += PR) dwkxk_reuse_all_channels<K, 1, NV, PR, M, AllTaps>(p, rows, wt, b, ow, yrow, rrow, t);
  } else if (p.stride_w == 2) {
    for (; ow + PR <= ow_hi; ow += PR) dwkxk_reuse_all_channels<K, 2, NV, PR, M, AllTaps>(p, rows, wt, b, ow, yrow, rrow, t);
  }
  for (; ow + 4 <= ow_hi; ow += 4) dwkxk_pixels_all_channels<K, NV, 4, M, AllTaps>(p, rows, wt, b, ow, yrow, rrow, t);
  switch (ow_hi - ow) {
    case 3: dwkxk_pixels_all_channels<K, NV, 3, M, AllTaps>(p, rows, wt, b, ow, yrow, rrow, t); break;
    case 2: dwkxk_pixels_all_channels<K, NV, 2, M, AllTaps>(p, rows, wt, b, ow, yrow, rrow, t); break;
    case 1: dwkxk_pixels_all_channels<K, NV, 1, M, AllTaps>(p, rows, wt, b, ow, yrow, rrow, t); break;
    default: break;
  }
}

// Every channel of yrow's columns [from, to) by dw_nhwc_block, kernel rows [kh_lo, kh_hi):
// blocks of 64 channels (plain loads and stores when full), the rest in as few vectors as it
// needs (no empty loads).
template <int M>
void dw_columns(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh,
                int64_t kh_lo, int64_t kh_hi, float* yrow, const float* rrow, int64_t from, int64_t to) {
  const int64_t C = p.in_channels;
  for (int64_t c0 = 0; c0 < C; c0 += 64) {
    switch (C - c0 >= 64 ? 0 : (C - c0 + 15) / 16) {
      case 0: dw_nhwc_block<4, M, true>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, from, to); break;
      case 4: dw_nhwc_block<4, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, from, to); break;
      case 3: dw_nhwc_block<3, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, from, to); break;
      case 2: dw_nhwc_block<2, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, from, to); break;
      default: dw_nhwc_block<1, M>(p, x_n, wt, b, oh, kh_lo, kh_hi, c0, yrow, rrow, from, to); break;
    }
  }
}

// One edge column ow of a K x K layer: its own kernel columns, those inside the image.
template <int K, int NV, int M>
void dwkxk_edge_column(const conv2d_params& p, const float* const* rows, const float* wt, const float* b,
                       int64_t ow, float* yrow, const float* rrow, tap_range t) {
  const int64_t iw0 = ow * p.stride_w - p.pad_left, W = p.in_width;
  t.kw_lo = static_cast<int>(std::clamp<int64_t>(-iw0, 0, K));
  t.kw_hi = static_cast<int>(std::clamp<int64_t>(W - iw0, t.kw_lo, K));
  dwkxk_pixels_all_channels<K, NV, 1, M>(p, rows, wt, b, ow, yrow, rrow, t);
}

// One output row of a K x K layer, kernel rows [kh_lo, kh_hi) inside the image: the interior
// columns 4 at a time (then 3, 2 or 1), each edge column with its own kernel columns.
template <int K, int NV, int M>
void dwkxk_row(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh, float* yrow,
               const float* rrow, int kh_lo, int kh_hi) {
  const int64_t W = p.in_width, C = p.in_channels, OW = p.out_width, S = p.stride_w, pl = p.pad_left;
  const float* rows[K] = {};
  for (int kh = kh_lo; kh < kh_hi; ++kh) rows[kh] = x_n + (oh * p.stride_h - p.pad_top + kh) * W * C;
  // Interior columns: iw0 = ow * S - pl >= 0 and iw0 + K - 1 < W.
  const int64_t ow_lo = std::min(OW, (pl + S - 1) / S);
  const int64_t ow_hi = std::max(ow_lo, std::min(OW, W - K + pl >= 0 ? (W - K + pl) / S + 1 : 0));
  const tap_range t{kh_lo, kh_hi, 0, K};
  // One edge column alone: its own taps, every channel (dw_nhwc_block took 37% of a 14 x 14 x 384
  // layer for it and the edge rows). Two or more (5 x 5, pad 2): dw_nhwc_block, whose pixels
  // share each weight load (one column at a time was 10% slower on 14 x 14 x 672).
  auto edges = [&](int64_t from, int64_t to) {
    if (to <= from) return;  // no edge column on this side (no padding, or stride 2's right edge)
    if (to - from == 1) {
      dwkxk_edge_column<K, NV, M>(p, rows, wt, b, from, yrow, rrow, t);
    } else {
      dw_columns<M>(p, x_n, wt, b, oh, kh_lo, kh_hi, yrow, rrow, from, to);
    }
  };
  edges(0, ow_lo);
  if (kh_lo == 0 && kh_hi == K) {
    dwkxk_interior<K, NV, M, true>(p, rows, wt, b, ow_lo, ow_hi, yrow, rrow, t);
  } else {
    dwkxk_interior<K, NV, M, false>(p, rows, wt, b, ow_lo, ow_hi, yrow, rrow, t);
  }
  edges(ow_hi, OW);
}

template <int M>
void dw_nhwc_row(const conv2d_params& p, const float* x_n, const float* wt, const float* b,
                 int64_t oh, float* yrow, const float* rrow) {
  const int64_t H = p.in_height, KH = p.kernel_h;
  int64_t kh_lo = 0, kh_hi = KH;  // taps whose input row is inside the image
  while (kh_lo < KH && oh * p.stride_h - p.pad_top + kh_lo * p.dilation_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && oh * p.stride_h - p.pad_top + (kh_hi - 1) * p.dilation_h >= H) --kh_hi;
  const bool square = p.kernel_h == p.kernel_w && p.dilation_h == 1 && p.dilation_w == 1;
  if (square && (KH == 3 || KH == 5)) {
    const int lo = static_cast<int>(kh_lo), hi = static_cast<int>(kh_hi);
    return KH == 3 ? dwkxk_row<3, 2, M>(p, x_n, wt, b, oh, yrow, rrow, lo, hi)
                   : dwkxk_row<5, 1, M>(p, x_n, wt, b, oh, yrow, rrow, lo, hi);
  }
  dw_columns<M>(p, x_n, wt, b, oh, kh_lo, kh_hi, yrow, rrow, 0, p.out_width);
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
