// Forward row code shared by f32-maxpool-avx512.cc and f32-avgpool-avx512.cc, templated on
// the kind (kMax: max, else avg). One pass over the input and the output; overlapping windows
// are separable: the valid rows of a window fold into a row buffer that stays in L1, then the
// taps along W read that buffer. Padding is stored in the buffer (-inf for max, 0 for avg), so
// the inner loops have no branches. Max keeps NaN (a NaN accumulator or a NaN input wins),
// like pool2d_ref. Include only from files compiled with the AVX-512 flags; internal linkage,
// as util/avx512-helpers.h.
#pragma once
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-avx512-common.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// dst[0, n) = fold of rows r[0..NR) (init: folded into dst's current values as well).
template <bool kMax, int NR>
void fold_pass(const float* const* r, bool init, int64_t n, float* dst) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = init ? _mm512_loadu_ps(dst + i) : _mm512_loadu_ps(r[0] + i);
    for (int j = init ? 0 : 1; j < NR; ++j) v = fold<kMax>(v, _mm512_loadu_ps(r[j] + i));
    _mm512_storeu_ps(dst + i, v);
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    __m512 v = init ? _mm512_maskz_loadu_ps(m, dst + i) : _mm512_maskz_loadu_ps(m, r[0] + i);
    for (int j = init ? 0 : 1; j < NR; ++j) v = fold<kMax>(v, _mm512_maskz_loadu_ps(m, r[j] + i));
    _mm512_mask_storeu_ps(dst + i, m, v);
  }
}

template <bool kMax>
void fold_pass_n(const float* const* r, int nr, bool init, int64_t n, float* dst) {
  switch (nr) {
    case 1: return fold_pass<kMax, 1>(r, init, n, dst);
    case 2: return fold_pass<kMax, 2>(r, init, n, dst);
    case 3: return fold_pass<kMax, 3>(r, init, n, dst);
    default: return fold_pass<kMax, 4>(r, init, n, dst);
  }
}

// dst[0, n) = fold over the valid input rows of output row oh's windows, row ih starting at
// base + ih * row_stride; the fill value (-inf / 0) when no row is valid.
template <bool kMax>
void fold_window_rows(const pool2d_params& p, const float* base, int64_t row_stride, int64_t oh, int64_t n,
                      float* dst) {
  const int64_t dh = kMax ? p.dilation_h : 1, first = oh * p.stride_h - p.pad_top;
  const float* r[4];
  int nr = 0;
  bool init = false;
  for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
    const int64_t ih = first + kh * dh;
    if (ih < 0 || ih >= p.in_height) continue;
    r[nr++] = base + ih * row_stride;
    if (nr == 4) {
      fold_pass_n<kMax>(r, nr, init, n, dst);
      init = true;
      nr = 0;
    }
  }
  if (nr > 0) {
    fold_pass_n<kMax>(r, nr, init, n, dst);
  } else if (!init) {
    std::fill(dst, dst + n, kMax ? -__builtin_inff() : 0.0f);
  }
}

// ---- NCHW forward ----

// Row buffer: buf[j] holds input column j - pad_left; wide enough for every vector read.
int64_t nchw_buf_width(const pool2d_params& p) {
  const int64_t dw = p.dilation_w;
  return std::max(p.pad_left + p.in_width, (p.out_width + 16) * p.stride_w + (p.kernel_w - 1) * dw + 32) + 16;
}

// yrow[ow] = fold over kw of buf[ow * stride_w + kw * dilation_w] (times inv[ow] for avg).
template <bool kMax>
void taps_nchw(const pool2d_params& p, const float* buf, const float* inv, float* yrow) {
  const int64_t OW = p.out_width, KW = p.kernel_w, S = p.stride_w, dw = kMax ? p.dilation_w : 1;
  for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
    const __mmask16 m = tail_mask(OW - ow0);
    __m512 acc;
    if (S == 1) {
      const float* b = buf + ow0;
      acc = _mm512_loadu_ps(b);
      for (int64_t kw = 1; kw < KW; ++kw) acc = fold<kMax>(acc, _mm512_loadu_ps(b + kw * dw));
    } else if (S == 2) {
      const __m512i even = even_lanes();
      const float* b = buf + 2 * ow0;
      acc = _mm512_permutex2var_ps(_mm512_loadu_ps(b), even, _mm512_loadu_ps(b + 16));
      for (int64_t kw = 1; kw < KW; ++kw) {
        const float* bk = b + kw * dw;
        acc = fold<kMax>(acc, _mm512_permutex2var_ps(_mm512_loadu_ps(bk), even, _mm512_loadu_ps(bk + 16)));
      }
    } else {
      const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
      const __m512i idx = _mm512_mullo_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int32_t>(ow0))),
                                             _mm512_set1_epi32(static_cast<int32_t>(S)));
      acc = _mm512_i32gather_ps(idx, buf, 4);
      for (int64_t kw = 1; kw < KW; ++kw) acc = fold<kMax>(acc, _mm512_i32gather_ps(idx, buf + kw * dw, 4));
    }
    if (!kMax) acc = _mm512_mul_ps(acc, _mm512_maskz_loadu_ps(m, inv + ow0));
    if (ow0 + 16 <= OW) {
      _mm512_storeu_ps(yrow + ow0, acc);  // whole block: a plain store (see row_s1_fused)
    } else {
      _mm512_mask_storeu_ps(yrow + ow0, m, acc);
    }
  }
}

// Stride 1 along W with taps (kernel_w - 1) * dilation_w <= 16 and at most 4 valid rows:
// no row buffer. The vertical fold of 16 buffer columns (buf[j] = column j - pad_left)
// stays in a register; each tap is a lane shift of two neighbouring blocks. (A stored row
// buffer read back at +1, +2 floats stalls on store forwarding.)
// KW3: kernel_w == 3 and dilation_w == 1 (taps unrolled); else read from p.
template <bool kMax, int NR, bool KW3>
void row_s1_fused(const float* const* r, const pool2d_params& p, const lane_shifts& sh, const float* inv,
                     float* yrow) {
  const int64_t W = p.in_width, OW = p.out_width, pl = p.pad_left, KW = KW3 ? 3 : p.kernel_w;
  const int64_t dw = KW3 || !kMax ? 1 : p.dilation_w;
  const __m512 fillv = kMax ? ninf() : _mm512_setzero_ps();
  auto block = [&](int64_t b) -> __m512 {
    const int64_t start = 16 * b - pl;
    if (NR == 0) return fillv;
    if (start >= 0 && start + 16 <= W) {
      __m512 v = _mm512_loadu_ps(r[0] + start);
      for (int j = 1; j < NR; ++j) v = fold<kMax>(v, _mm512_loadu_ps(r[j] + start));
      return v;
    }
    const __mmask16 m = inside(start, W);
    __m512 v = _mm512_mask_loadu_ps(fillv, m, r[0] + start);
    for (int j = 1; j < NR; ++j) v = fold<kMax>(v, _mm512_mask_loadu_ps(fillv, m, r[j] + start));
    return v;
  };
  __m512 cur = block(0);
  for (int64_t ob = 0; 16 * ob < OW; ++ob) {
    const __m512 next = block(ob + 1);
    __m512 acc = cur;
    if (KW3) {
      acc = fold<kMax>(acc, _mm512_permutex2var_ps(cur, sh.v[1], next));
      acc = fold<kMax>(acc, _mm512_permutex2var_ps(cur, sh.v[2], next));
    } else {
      for (int64_t kw = 1; kw < KW; ++kw) acc = fold<kMax>(acc, _mm512_permutex2var_ps(cur, sh.v[kw * dw], next));
    }
    // Whole blocks by plain stores: a masked store to a line not yet in cache stalled here
    // (avg 3x3 over 64 x 56 x 56, NCHW: 20% of the kernel's samples on the store).
    if (16 * ob + 16 <= OW) {
      if (!kMax) acc = _mm512_mul_ps(acc, _mm512_loadu_ps(inv + 16 * ob));
      _mm512_storeu_ps(yrow + 16 * ob, acc);
    } else {
      const __mmask16 m = tail_mask(OW - 16 * ob);
      if (!kMax) acc = _mm512_mul_ps(acc, _mm512_maskz_loadu_ps(m, inv + 16 * ob));
      _mm512_mask_storeu_ps(yrow + 16 * ob, m, acc);
    }
    cur = next;
  }
}

// row_s1_fused for nr valid rows (0..4, the count a template argument): one switch per row,
// inlined into the plane loop as the switch it replaces was.
template <bool kMax, bool KW3>
__attribute__((always_inline)) inline void row_s1_fused_nr(int nr, const float* const* r, const pool2d_params& p, const lane_shifts& sh,
                        const float* inv, float* yrow) {
  switch (nr) {
    case 0: return row_s1_fused<kMax, 0, KW3>(r, p, sh, inv, yrow);
    case 1: return row_s1_fused<kMax, 1, KW3>(r, p, sh, inv, yrow);
    case 2: return row_s1_fused<kMax, 2, KW3>(r, p, sh, inv, yrow);
    case 3: return row_s1_fused<kMax, 3, KW3>(r, p, sh, inv, yrow);
    default: return row_s1_fused<kMax, 4, KW3>(r, p, sh, inv, yrow);
  }
}

template <bool kMax>
bool nchw_s1_fusable(const pool2d_params& p) {
  return p.stride_w == 1 && (p.kernel_w - 1) * (kMax ? p.dilation_w : 1) <= 16 && p.kernel_h <= 4;
}

template <bool kMax>
void pool_nchw_plane_s1(const pool2d_params& p, const avg_inverse* d, const float* xc, float* yc) {
  const int64_t W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t dh = kMax ? p.dilation_h : 1;
  const lane_shifts sh;
  const bool k3 = p.kernel_w == 3 && (!kMax || p.dilation_w == 1);
  for (int64_t oh = 0; oh < OH; ++oh) {
    const float* r[4];
    int nr = 0;
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * dh;
      if (ih >= 0 && ih < p.in_height) r[nr++] = xc + ih * W;
    }
    const float* inv = kMax ? nullptr : d->inv + static_cast<int64_t>(d->row_of[oh]) * OW;
    float* yrow = yc + oh * OW;
    if (k3) {
      row_s1_fused_nr<kMax, true>(nr, r, p, sh, inv, yrow);
    } else {
      row_s1_fused_nr<kMax, false>(nr, r, p, sh, inv, yrow);
    }
  }
}

template <bool kMax>
void pool_nchw_plane(const pool2d_params& p, const avg_inverse* d, const float* xc, float* yc, float* buf) {
  const int64_t W = p.in_width, OH = p.out_height, OW = p.out_width, pl = p.pad_left;
  const int64_t bw = nchw_buf_width(p);
  const float fill = kMax ? -__builtin_inff() : 0.0f;
  std::fill(buf, buf + pl, fill);
  std::fill(buf + pl + W, buf + bw, fill);
  for (int64_t oh = 0; oh < OH; ++oh) {
    fold_window_rows<kMax>(p, xc, W, oh, W, buf + pl);
    taps_nchw<kMax>(p, buf, kMax ? nullptr : d->inv + static_cast<int64_t>(d->row_of[oh]) * OW, yc + oh * OW);
  }
}

// ---- NHWC forward ----

// Pixels of the NHWC row buffer: pad_left, W, then enough right padding for the last window.
int64_t nhwc_buf_pixels(const pool2d_params& p, int64_t* right) {
  const int64_t dw = p.dilation_w;
  const int64_t need = (p.out_width - 1) * p.stride_w + (p.kernel_w - 1) * dw + 1;
  *right = std::max<int64_t>(0, need - p.pad_left - p.in_width);
  return p.pad_left + p.in_width + *right;
}

[[maybe_unused]] bool nhwc_separable(const pool2d_params& p, bool is_max) {  // unused in f32-pool-scratch
  return p.kernel_w * (is_max ? p.dilation_w : 1) > p.stride_w;
}

// Overlapping windows along W: fold the valid rows into buf [pixels, C], then fold the taps.
template <bool kMax>
void pool_nhwc_row_separable(const pool2d_params& p, const float* inv, const float* x_n, int64_t oh, float* yrow,
                             float* buf) {
  const int64_t C = p.channels, W = p.in_width, OW = p.out_width, KW = p.kernel_w, pl = p.pad_left;
  const int64_t step = p.stride_w * C, tap = (kMax ? p.dilation_w : 1) * C;
  int64_t right;
  const int64_t pixels = nhwc_buf_pixels(p, &right);
  const float fill = kMax ? -__builtin_inff() : 0.0f;
  std::fill(buf, buf + pl * C, fill);
  std::fill(buf + (pl + W) * C, buf + pixels * C, fill);
  fold_window_rows<kMax>(p, x_n, W * C, oh, W * C, buf + pl * C);
  for (int64_t ow = 0; ow < OW; ++ow) {
    const float* b = buf + ow * step;
    float* yv = yrow + ow * C;
    const __m512 s = kMax ? _mm512_setzero_ps() : _mm512_set1_ps(inv[ow]);
    int64_t c = 0;
    for (; c + 16 <= C; c += 16) {
      __m512 acc = _mm512_loadu_ps(b + c);
      for (int64_t kw = 1; kw < KW; ++kw) acc = fold<kMax>(acc, _mm512_loadu_ps(b + kw * tap + c));
      if (!kMax) acc = _mm512_mul_ps(acc, s);
      _mm512_storeu_ps(yv + c, acc);
    }
    if (c < C) {
      const __mmask16 m = tail_mask(C - c);
      __m512 acc = _mm512_maskz_loadu_ps(m, b + c);
      for (int64_t kw = 1; kw < KW; ++kw) acc = fold<kMax>(acc, _mm512_maskz_loadu_ps(m, b + kw * tap + c));
      if (!kMax) acc = _mm512_mul_ps(acc, s);
      _mm512_mask_storeu_ps(yv + c, m, acc);
    }
  }
}

// One output pixel's channels [c0, c0 + 64) (Full: all 64 are channels, plain loads and
// stores; masked ones are slow on AMD even with every lane on: 2x2 / 2 over 112 x 112 x 64 ran
// at 0.6x the speed) or the masked rest, over the valid taps.
template <bool kMax, bool Full>
inline void pool_nhwc_block(const pool2d_params& p, const float* x_n, int64_t oh, int64_t ow, int64_t c0, __m512 s,
                            float* yv) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width;
  const int64_t dh = kMax ? p.dilation_h : 1, dw = kMax ? p.dilation_w : 1;
  const int nv = Full ? 4 : static_cast<int>(std::min<int64_t>(4, (C - c0 + 15) / 16));
  __mmask16 m[4];
  __m512 acc[4];
#pragma GCC unroll 4
  for (int v = 0; v < 4; ++v) {
    m[v] = tail_mask(C - c0 - 16 * v);
    acc[v] = kMax ? ninf() : _mm512_setzero_ps();
  }
  for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
    const int64_t ih = oh * p.stride_h - p.pad_top + kh * dh;
    if (ih < 0 || ih >= H) continue;
    for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
      const int64_t iw = ow * p.stride_w - p.pad_left + kw * dw;
      if (iw < 0 || iw >= W) continue;
      const float* xv = x_n + (ih * W + iw) * C + c0;
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        if (!Full && v >= nv) break;
        acc[v] = fold<kMax>(acc[v], Full ? _mm512_loadu_ps(xv + 16 * v) : _mm512_maskz_loadu_ps(m[v], xv + 16 * v));
      }
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < 4; ++v) {
    if (!Full && v >= nv) break;
    if (!kMax) acc[v] = _mm512_mul_ps(acc[v], s);
    if (Full) {
      _mm512_storeu_ps(yv + c0 + 16 * v, acc[v]);
    } else {
      _mm512_mask_storeu_ps(yv + c0 + 16 * v, m[v], acc[v]);
    }
  }
}

// Windows that do not overlap along W: every valid tap is read straight from x.
template <bool kMax>
void pool_nhwc_row_direct(const pool2d_params& p, const float* inv, const float* x_n, int64_t oh, float* yrow) {
  const int64_t C = p.channels, OW = p.out_width;
  for (int64_t ow = 0; ow < OW; ++ow) {
    float* yv = yrow + ow * C;
    const __m512 s = kMax ? _mm512_setzero_ps() : _mm512_set1_ps(inv[ow]);
    int64_t c0 = 0;
    for (; c0 + 64 <= C; c0 += 64) pool_nhwc_block<kMax, true>(p, x_n, oh, ow, c0, s, yv);
    if (c0 < C) pool_nhwc_block<kMax, false>(p, x_n, oh, ow, c0, s, yv);
  }
}

}  // namespace
}  // namespace convkit
