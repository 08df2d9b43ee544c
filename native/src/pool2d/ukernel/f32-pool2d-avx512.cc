// Pooling kernels, AVX-512F (contracts in pool2d/ukernel/ukernels.h). One pass over the
// input and the output; overlapping windows are separable: the valid rows of a window fold
// into a row buffer that stays in L1, then the taps along W read that buffer. Padding is
// stored in the buffer (-inf for max, 0 for avg), so the inner loops have no branches.
// Max keeps NaN (a NaN accumulator or a NaN input wins), like pool2d_ref.
// Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

inline __mmask16 tail_mask(int64_t r) {
  return r >= 16 ? static_cast<__mmask16>(0xFFFF)
                 : (r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1u));
}

inline __m512 ninf() { return _mm512_set1_ps(-__builtin_inff()); }

// NaN-propagating max: max_ps(a, v) returns v when either is NaN; keep a where a is NaN.
inline __m512 nan_max(__m512 a, __m512 v) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), _mm512_max_ps(a, v), a);
}

template <bool kMax>
inline __m512 fold(__m512 a, __m512 v) {
  return kMax ? nan_max(a, v) : _mm512_add_ps(a, v);
}

// Non-finite tracking of the avg outputs (the driver's double-precision fix-up runs only where
// a kernel reports one): v * 0 is NaN exactly where v is Inf or NaN, +-0 elsewhere, so the
// bits of v * 0 OR-ed into one register hold a non-sign bit iff some v was not finite. One
// multiply and one OR per stored vector, a 1-cycle chain, no mask compare (the permute port).
// m: the lanes stored. Without m, every lane counts: lanes past the row's end may then flag
// a row whose stored outputs are all finite (only when nearby inputs are huge, Inf or NaN),
// which costs a fix-up scan that changes nothing, never a wrong output; the row kernels of
// NCHW save the masked multiply that way.
inline __m512i note_nonfinite(__m512i bad, __mmask16 m, __m512 v) {
  return _mm512_or_si512(bad, _mm512_castps_si512(_mm512_maskz_mul_ps(m, v, _mm512_setzero_ps())));
}
inline __m512i note_nonfinite(__m512i bad, __m512 v) {
  return _mm512_or_si512(bad, _mm512_castps_si512(_mm512_mul_ps(v, _mm512_setzero_ps())));
}
inline __m512i merge_nonfinite(__m512i a, __m512i b) { return _mm512_or_si512(a, b); }
inline bool any_nonfinite(__m512i bad) {
  return _mm512_test_epi32_mask(bad, _mm512_set1_epi32(0x7fffffff)) != 0;
}

inline __m512i even_lanes() { return _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0); }
inline __m512i odd_lanes() { return _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1); }

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
// Returns the non-finite tracker of the outputs (avg; zero for max).
template <bool kMax>
__m512i taps_nchw(const pool2d_params& p, const float* buf, const float* inv, float* yrow) {
  const int64_t OW = p.out_width, KW = p.kernel_w, S = p.stride_w, dw = kMax ? p.dilation_w : 1;
  __m512i bad = _mm512_setzero_si512();
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
    if (!kMax) {
      acc = _mm512_mul_ps(acc, _mm512_maskz_loadu_ps(m, inv + ow0));
      bad = note_nonfinite(bad, acc);  // lanes past OW: buffer padding times inv 0
    }
    _mm512_mask_storeu_ps(yrow + ow0, m, acc);
  }
  return bad;
}

// Lane-shift tables: permutex2var(cur, shift[o], next) is lanes o..o+15 of (cur | next).
struct lane_shifts {
  __m512i v[17];
  lane_shifts() {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    for (int o = 0; o <= 16; ++o) v[o] = _mm512_add_epi32(lane, _mm512_set1_epi32(o));
  }
};

// Lanes of a 16-column block starting at column `start` that lie in [0, n).
inline __mmask16 inside(int64_t start, int64_t n) {
  return static_cast<__mmask16>(tail_mask(n - start) & ~tail_mask(-start));
}

// Stride 1 along W with taps (kernel_w - 1) * dilation_w <= 16 and at most 4 valid rows:
// no row buffer. The vertical fold of 16 buffer columns (buf[j] = column j - pad_left)
// stays in a register; each tap is a lane shift of two neighbouring blocks. (A stored row
// buffer read back at +1, +2 floats stalls on store forwarding.)
// KW3: kernel_w == 3 and dilation_w == 1 (taps unrolled); else read from p.
// Returns the non-finite tracker of the outputs (avg; zero for max).
template <bool kMax, int NR, bool KW3>
__m512i row_s1_fused(const float* const* r, const pool2d_params& p, const lane_shifts& sh, const float* inv,
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
  __m512i bad = _mm512_setzero_si512();
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
    const __mmask16 m = tail_mask(OW - 16 * ob);
    if (!kMax) {
      acc = _mm512_mul_ps(acc, _mm512_maskz_loadu_ps(m, inv + 16 * ob));
      bad = note_nonfinite(bad, acc);  // lanes past OW: sums near the right edge times inv 0
    }
    _mm512_mask_storeu_ps(yrow + 16 * ob, m, acc);
    cur = next;
  }
  return bad;
}

template <bool kMax>
bool nchw_s1_fusable(const pool2d_params& p) {
  return p.stride_w == 1 && (p.kernel_w - 1) * (kMax ? p.dilation_w : 1) <= 16 && p.kernel_h <= 4;
}

// Returns whether an output is Inf or NaN (avg; false for max).
template <bool kMax>
bool pool_nchw_plane_s1(const pool2d_params& p, const avg_inverse* d, const float* xc, float* yc) {
  const int64_t W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t dh = kMax ? p.dilation_h : 1;
  const lane_shifts sh;
  const bool k3 = p.kernel_w == 3 && (!kMax || p.dilation_w == 1);
  __m512i bad = _mm512_setzero_si512();
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
      switch (nr) {
        case 0: bad = merge_nonfinite(bad, row_s1_fused<kMax, 0, true>(r, p, sh, inv, yrow)); break;
        case 1: bad = merge_nonfinite(bad, row_s1_fused<kMax, 1, true>(r, p, sh, inv, yrow)); break;
        case 2: bad = merge_nonfinite(bad, row_s1_fused<kMax, 2, true>(r, p, sh, inv, yrow)); break;
        case 3: bad = merge_nonfinite(bad, row_s1_fused<kMax, 3, true>(r, p, sh, inv, yrow)); break;
        default: bad = merge_nonfinite(bad, row_s1_fused<kMax, 4, true>(r, p, sh, inv, yrow)); break;
      }
    } else {
      switch (nr) {
        case 0: bad = merge_nonfinite(bad, row_s1_fused<kMax, 0, false>(r, p, sh, inv, yrow)); break;
        case 1: bad = merge_nonfinite(bad, row_s1_fused<kMax, 1, false>(r, p, sh, inv, yrow)); break;
        case 2: bad = merge_nonfinite(bad, row_s1_fused<kMax, 2, false>(r, p, sh, inv, yrow)); break;
        case 3: bad = merge_nonfinite(bad, row_s1_fused<kMax, 3, false>(r, p, sh, inv, yrow)); break;
        default: bad = merge_nonfinite(bad, row_s1_fused<kMax, 4, false>(r, p, sh, inv, yrow)); break;
      }
    }
  }
  return !kMax && any_nonfinite(bad);
}

// Returns whether an output is Inf or NaN (avg; false for max).
template <bool kMax>
bool pool_nchw_plane(const pool2d_params& p, const avg_inverse* d, const float* xc, float* yc, float* buf) {
  const int64_t W = p.in_width, OH = p.out_height, OW = p.out_width, pl = p.pad_left;
  const int64_t bw = nchw_buf_width(p);
  const float fill = kMax ? -__builtin_inff() : 0.0f;
  std::fill(buf, buf + pl, fill);
  std::fill(buf + pl + W, buf + bw, fill);
  __m512i bad = _mm512_setzero_si512();
  for (int64_t oh = 0; oh < OH; ++oh) {
    fold_window_rows<kMax>(p, xc, W, oh, W, buf + pl);
    bad = merge_nonfinite(
        bad, taps_nchw<kMax>(p, buf, kMax ? nullptr : d->inv + static_cast<int64_t>(d->row_of[oh]) * OW, yc + oh * OW));
  }
  return !kMax && any_nonfinite(bad);
}

// Max with kernel_w == stride_w == 2, no left padding, dilation_w 1, kernel_h <= 4: the rows
// fold in registers, then even and odd columns (a permute each) give 16 outputs per 32
// columns. Columns past W read as -inf.
void maxpool_nchw_plane_k2s2(const pool2d_params& p, const float* xc, float* yc) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const __m512i even = even_lanes(), odd = odd_lanes();
  const __m512 lo_inf = ninf();
  for (int64_t oh = 0; oh < OH; ++oh) {
    const float* r[4];
    int nr = 0;
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
      if (ih >= 0 && ih < H) r[nr++] = xc + ih * W;
    }
    float* yrow = yc + oh * OW;
    if (nr == 0) {
      std::fill(yrow, yrow + OW, -__builtin_inff());
      continue;
    }
    int64_t ow0 = 0;
    if (nr == 2) {  // the common 2x2 window: 4 loads, 3 folds, 2 permutes per 16 outputs
      const float *r0 = r[0], *r1 = r[1];
      for (; 2 * ow0 + 32 <= W && ow0 + 16 <= OW; ow0 += 16) {
        const __m512 a = nan_max(_mm512_loadu_ps(r0 + 2 * ow0), _mm512_loadu_ps(r1 + 2 * ow0));
        const __m512 b = nan_max(_mm512_loadu_ps(r0 + 2 * ow0 + 16), _mm512_loadu_ps(r1 + 2 * ow0 + 16));
        _mm512_storeu_ps(yrow + ow0,
                         nan_max(_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b)));
      }
    }
    for (; ow0 < OW; ow0 += 16) {
      const int64_t c0 = 2 * ow0;
      const __mmask16 m0 = tail_mask(W - c0), m1 = tail_mask(W - c0 - 16);
      __m512 a = _mm512_mask_loadu_ps(lo_inf, m0, r[0] + c0), b = _mm512_mask_loadu_ps(lo_inf, m1, r[0] + c0 + 16);
      for (int j = 1; j < nr; ++j) {
        a = nan_max(a, _mm512_mask_loadu_ps(lo_inf, m0, r[j] + c0));
        b = nan_max(b, _mm512_mask_loadu_ps(lo_inf, m1, r[j] + c0 + 16));
      }
      _mm512_mask_storeu_ps(yrow + ow0, tail_mask(OW - ow0),
                            nan_max(_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b)));
    }
  }
}

bool nchw_fused_k2s2(const pool2d_params& p) {
  return p.kernel_w == 2 && p.stride_w == 2 && p.dilation_w == 1 && p.pad_left == 0 && p.kernel_h <= 4;
}

// ---- NHWC forward ----

// Pixels of the NHWC row buffer: pad_left, W, then enough right padding for the last window.
int64_t nhwc_buf_pixels(const pool2d_params& p, int64_t* right) {
  const int64_t dw = p.dilation_w;
  const int64_t need = (p.out_width - 1) * p.stride_w + (p.kernel_w - 1) * dw + 1;
  *right = std::max<int64_t>(0, need - p.pad_left - p.in_width);
  return p.pad_left + p.in_width + *right;
}

bool nhwc_separable(const pool2d_params& p, bool is_max) {
  return p.kernel_w * (is_max ? p.dilation_w : 1) > p.stride_w;
}

// Overlapping windows along W: fold the valid rows into buf [pixels, C], then fold the taps.
// Returns whether an output is Inf or NaN (avg; false for max).
template <bool kMax>
bool pool_nhwc_row_separable(const pool2d_params& p, const float* inv, const float* x_n, int64_t oh, float* yrow,
                             float* buf) {
  const int64_t C = p.channels, W = p.in_width, OW = p.out_width, KW = p.kernel_w, pl = p.pad_left;
  const int64_t step = p.stride_w * C, tap = (kMax ? p.dilation_w : 1) * C;
  int64_t right;
  const int64_t pixels = nhwc_buf_pixels(p, &right);
  const float fill = kMax ? -__builtin_inff() : 0.0f;
  std::fill(buf, buf + pl * C, fill);
  std::fill(buf + (pl + W) * C, buf + pixels * C, fill);
  fold_window_rows<kMax>(p, x_n, W * C, oh, W * C, buf + pl * C);
  __m512i bad = _mm512_setzero_si512();
  for (int64_t ow = 0; ow < OW; ++ow) {
    const float* b = buf + ow * step;
    float* yv = yrow + ow * C;
    const __m512 s = kMax ? _mm512_setzero_ps() : _mm512_set1_ps(inv[ow]);
    int64_t c = 0;
    for (; c + 16 <= C; c += 16) {
      __m512 acc = _mm512_loadu_ps(b + c);
      for (int64_t kw = 1; kw < KW; ++kw) acc = fold<kMax>(acc, _mm512_loadu_ps(b + kw * tap + c));
      if (!kMax) {
        acc = _mm512_mul_ps(acc, s);
        bad = note_nonfinite(bad, 0xFFFF, acc);
      }
      _mm512_storeu_ps(yv + c, acc);
    }
    if (c < C) {
      const __mmask16 m = tail_mask(C - c);
      __m512 acc = _mm512_maskz_loadu_ps(m, b + c);
      for (int64_t kw = 1; kw < KW; ++kw) acc = fold<kMax>(acc, _mm512_maskz_loadu_ps(m, b + kw * tap + c));
      if (!kMax) {
        acc = _mm512_mul_ps(acc, s);
        bad = note_nonfinite(bad, m, acc);
      }
      _mm512_mask_storeu_ps(yv + c, m, acc);
    }
  }
  return !kMax && any_nonfinite(bad);
}

// Windows that do not overlap along W: every valid tap is read straight from x.
// Returns whether an output is Inf or NaN (avg; false for max).
template <bool kMax>
bool pool_nhwc_row_direct(const pool2d_params& p, const float* inv, const float* x_n, int64_t oh, float* yrow) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  const int64_t dh = kMax ? p.dilation_h : 1, dw = kMax ? p.dilation_w : 1;
  const __m512 init = kMax ? ninf() : _mm512_setzero_ps();
  __m512i bad = _mm512_setzero_si512();
  for (int64_t ow = 0; ow < OW; ++ow) {
    float* yv = yrow + ow * C;
    const __m512 s = kMax ? init : _mm512_set1_ps(inv[ow]);
    for (int64_t c0 = 0; c0 < C; c0 += 64) {
      const int64_t nv = (C - c0 + 15) / 16 < 4 ? (C - c0 + 15) / 16 : 4;
      __mmask16 m[4];
      __m512 acc[4];
      for (int v = 0; v < 4; ++v) {
        m[v] = tail_mask(C - c0 - 16 * v);
        acc[v] = init;
      }
      for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const int64_t ih = oh * p.stride_h - p.pad_top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
          const int64_t iw = ow * p.stride_w - p.pad_left + kw * dw;
          if (iw < 0 || iw >= W) continue;
          const float* xv = x_n + (ih * W + iw) * C + c0;
          for (int v = 0; v < nv; ++v) acc[v] = fold<kMax>(acc[v], _mm512_maskz_loadu_ps(m[v], xv + 16 * v));
        }
      }
      for (int v = 0; v < nv; ++v) {
        if (!kMax) {
          acc[v] = _mm512_mul_ps(acc[v], s);
          bad = note_nonfinite(bad, m[v], acc[v]);
        }
        _mm512_mask_storeu_ps(yv + c0 + 16 * v, m[v], acc[v]);
      }
    }
  }
  return !kMax && any_nonfinite(bad);
}

// ---- backward helpers ----

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

// ---- entry points ----

int64_t f32_pool_nchw_scratch__avx512(const pool2d_params& p) { return nchw_buf_width(p); }

int64_t f32_pool_nhwc_scratch__avx512(const pool2d_params& p) {
  int64_t right;
  return nhwc_buf_pixels(p, &right) * p.channels + 16;
}

void f32_maxpool_nchw_plane__avx512(const pool2d_params& p, const float* xc, float* yc, float* scratch) {
  if (nchw_fused_k2s2(p)) return maxpool_nchw_plane_k2s2(p, xc, yc);
  if (nchw_s1_fusable<true>(p)) {
    pool_nchw_plane_s1<true>(p, nullptr, xc, yc);
    return;
  }
  pool_nchw_plane<true>(p, nullptr, xc, yc, scratch);
}

bool f32_avgpool_nchw_plane__avx512(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                    float* scratch) {
  if (nchw_s1_fusable<false>(p)) return pool_nchw_plane_s1<false>(p, &d, xc, yc);
  return pool_nchw_plane<false>(p, &d, xc, yc, scratch);
}

void f32_maxpool_nhwc_row__avx512(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow,
                                  float* scratch) {
  if (nhwc_separable(p, true)) {
    pool_nhwc_row_separable<true>(p, nullptr, x_n, oh, yrow, scratch);
    return;
  }
  pool_nhwc_row_direct<true>(p, nullptr, x_n, oh, yrow);
}

bool f32_avgpool_nhwc_row__avx512(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                  float* yrow, float* scratch) {
  const float* inv = d.inv + static_cast<int64_t>(d.row_of[oh]) * p.out_width;
  if (nhwc_separable(p, false)) return pool_nhwc_row_separable<false>(p, inv, x_n, oh, yrow, scratch);
  return pool_nhwc_row_direct<false>(p, inv, x_n, oh, yrow);
}

bool f32_gavgpool_nchw__avx512(const float* x, int64_t channels, int64_t hw, float* y) {
  const float inv = 1.0f / static_cast<float>(hw);
  float bad = 0.0f;  // y * 0: NaN once some y is Inf or NaN
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
    bad += y[c] * 0.0f;
  }
  return bad != bad;
}

bool f32_gavgpool_nhwc__avx512(const float* x, int64_t channels, int64_t hw, float* y) {
  const __m512 inv = _mm512_set1_ps(1.0f / static_cast<float>(hw));
  __m512i bad = _mm512_setzero_si512();
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
    for (int v = 0; v < 4; ++v) {
      const __m512 mean = _mm512_mul_ps(acc[v], inv);
      bad = note_nonfinite(bad, m[v], mean);
      _mm512_mask_storeu_ps(y + c0 + 16 * v, m[v], mean);
    }
  }
  return any_nonfinite(bad);
}

// ---- backward ----

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

namespace {

// NCHW avg backward, stride_w 1: the scaled dy rows (dy * inverse divisor) live in a ring of
// kernel_h rows, kAvgLeft zeros before and kAvgRight(p) zeros after each.
constexpr int64_t kAvgLeft = 16;
int64_t avg_ring_right(const pool2d_params& p) {
  return std::max<int64_t>(0, p.in_width + p.pad_left + 32 - p.out_width) + 16;
}
int64_t avg_ring_stride(const pool2d_params& p) {
  return (kAvgLeft + p.out_width + avg_ring_right(p) + 15) / 16 * 16;
}
bool avg_backward_s1(const pool2d_params& p) { return p.stride_w == 1 && p.kernel_w - 1 <= 16; }

}  // namespace

int64_t f32_avgpool_backward_scratch__avx512(const pool2d_params& p) {
  const int64_t nchw = p.kernel_w - 1 + std::max(p.out_width, p.in_width + p.pad_left + 1) + 48;
  const int64_t ring = p.kernel_h * avg_ring_stride(p) + 16;
  const int64_t nhwc = p.out_width * p.channels + 16;
  return std::max({nchw, ring, nhwc});
}

namespace {

// Outputs rows whose windows hold input row ih: [*lo, *hi).
inline void rows_holding(const pool2d_params& p, int64_t ih, int64_t* lo, int64_t* hi) {
  const int64_t a = ih + p.pad_top - p.kernel_h + 1;
  *lo = a <= 0 ? 0 : (a + p.stride_h - 1) / p.stride_h;
  *hi = std::min(p.out_height, (ih + p.pad_top) / p.stride_h + 1);
}

}  // namespace

namespace {

// Stride 1 along W, kernel_w - 1 <= 16: one pass, no stored-then-shifted buffer. Output row oh
// is scaled once into the ring (sr[ow] = dy[oh, ow] * inv(oh, ow), zero outside [0, OW)).
// For input row ih, G(s) = the sum of the ring rows oh holding ih at columns s .. s + 15; the
// dx block at iw0 is the sum over kw of G shifted by kernel_w - 1 - kw, taken from the two
// neighbouring blocks G(iw0 + pl - kernel_w + 1) and G(iw0 + pl + 1) with lane permutes.
// NR: rows summed (0: nr at run time); KW: kernel_w (0: at run time).
template <int NR, int KW>
void avg_bwd_row_s1(const float* const* r, int nr_rt, int64_t kw_rt, int64_t W, int64_t o0, const lane_shifts& sh,
                    float* dxrow) {
  const int nr = NR ? NR : nr_rt;
  const int64_t kwn = KW ? KW : kw_rt;
  auto G = [&](int64_t s) -> __m512 {
    __m512 v = _mm512_loadu_ps(r[0] + s);
    for (int j = 1; j < nr; ++j) v = _mm512_add_ps(v, _mm512_loadu_ps(r[j] + s));
    return v;
  };
  __m512 prev = G(o0);
  int64_t iw0 = 0;
  auto block = [&](__m512 next) -> __m512 {
    __m512 acc = _mm512_permutex2var_ps(prev, sh.v[kwn - 1], next);
    for (int64_t kw = 1; kw < kwn; ++kw) acc = _mm512_add_ps(acc, _mm512_permutex2var_ps(prev, sh.v[kwn - 1 - kw], next));
    return acc;
  };
  for (; iw0 + 16 <= W; iw0 += 16) {
    const __m512 next = G(iw0 + o0 + 16);
    _mm512_storeu_ps(dxrow + iw0, block(next));
    prev = next;
  }
  if (iw0 < W) _mm512_mask_storeu_ps(dxrow + iw0, tail_mask(W - iw0), block(G(iw0 + o0 + 16)));
}

void avgpool_backward_nchw_plane_s1(const pool2d_params& p, const avg_inverse& d, const float* dyc, float* dxc,
                                    float* scratch) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, KH = p.kernel_h,
                KW = p.kernel_w, SH = p.stride_h, pt = p.pad_top;
  const int64_t stride = avg_ring_stride(p);
  for (int64_t k = 0; k < KH; ++k) {
    float* row = scratch + k * stride;
    std::fill(row, row + kAvgLeft, 0.0f);
    std::fill(row + kAvgLeft + OW, row + stride, 0.0f);
  }
  const lane_shifts sh;
  const int64_t o0 = p.pad_left - (KW - 1);
  int64_t scaled = 0, slot = 0;  // output rows [0, scaled) are in the ring; slot: the next to fill
  const float* row_at[64];       // ring row of output row oh: row_at[oh & 63]
  const float* r[64];
  for (int64_t ih = 0; ih < H; ++ih) {
    float* dxrow = dxc + ih * W;
    int64_t lo, hi;
    if (SH == 1) {
      lo = std::max<int64_t>(0, ih + pt - KH + 1);
      hi = std::min(OH, ih + pt + 1);
    } else {
      rows_holding(p, ih, &lo, &hi);
    }
    if (lo >= hi) {
      std::fill(dxrow, dxrow + W, 0.0f);
      continue;
    }
    for (scaled = std::max(scaled, lo); scaled < hi; ++scaled) {
      float* dst = scratch + slot * stride + kAvgLeft;
      slot = slot + 1 == KH ? 0 : slot + 1;
      row_at[scaled & 63] = dst;
      const float* src = dyc + scaled * OW;
      const float* inv = d.inv + static_cast<int64_t>(d.row_of[scaled]) * OW;
      int64_t i = 0;
      for (; i + 16 <= OW; i += 16) {
        _mm512_storeu_ps(dst + i, _mm512_mul_ps(_mm512_loadu_ps(src + i), _mm512_loadu_ps(inv + i)));
      }
      if (i < OW) {
        const __mmask16 m = tail_mask(OW - i);
        _mm512_mask_storeu_ps(dst + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, src + i), _mm512_maskz_loadu_ps(m, inv + i)));
      }
    }
    const int nr = static_cast<int>(hi - lo);
    for (int j = 0; j < nr; ++j) r[j] = row_at[(lo + j) & 63];
    if (KW == 3) {
      switch (nr) {
        case 1: avg_bwd_row_s1<1, 3>(r, nr, KW, W, o0, sh, dxrow); break;
        case 2: avg_bwd_row_s1<2, 3>(r, nr, KW, W, o0, sh, dxrow); break;
        case 3: avg_bwd_row_s1<3, 3>(r, nr, KW, W, o0, sh, dxrow); break;
        default: avg_bwd_row_s1<0, 3>(r, nr, KW, W, o0, sh, dxrow); break;
      }
    } else {
      switch (nr) {
        case 1: avg_bwd_row_s1<1, 0>(r, nr, KW, W, o0, sh, dxrow); break;
        case 2: avg_bwd_row_s1<2, 0>(r, nr, KW, W, o0, sh, dxrow); break;
        case 3: avg_bwd_row_s1<3, 0>(r, nr, KW, W, o0, sh, dxrow); break;
        default: avg_bwd_row_s1<0, 0>(r, nr, KW, W, o0, sh, dxrow); break;
      }
    }
  }
}

}  // namespace

void f32_avgpool_backward_nchw_plane__avx512(const pool2d_params& p, const avg_inverse& d, const avg_columns& cols,
                                             const float* dyc, float* dxc, float* scratch) {
  if (avg_backward_s1(p) && p.kernel_h <= 64) return avgpool_backward_nchw_plane_s1(p, d, dyc, dxc, scratch);
  const int64_t H = p.in_height, W = p.in_width, OW = p.out_width, KW = p.kernel_w, pl = p.pad_left;
  const int64_t width = f32_avgpool_backward_scratch__avx512(p);
  // gp[KW - 1 + ow] = the summed gradient of output column ow; zeros around it.
  float* gp = scratch;
  float* gsum = gp + (KW - 1);
  std::fill(gp, gp + width, 0.0f);
  for (int64_t ih = 0; ih < H; ++ih) {
    float* dxrow = dxc + ih * W;
    int64_t lo, hi;
    rows_holding(p, ih, &lo, &hi);
    if (lo >= hi) {
      std::fill(dxrow, dxrow + W, 0.0f);
      continue;
    }
    for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
      const __mmask16 m = tail_mask(OW - ow0);
      __m512 acc = _mm512_setzero_ps();
      for (int64_t oh = lo; oh < hi; ++oh) {
        const float* inv = d.inv + static_cast<int64_t>(d.row_of[oh]) * OW;
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dyc + oh * OW + ow0), _mm512_maskz_loadu_ps(m, inv + ow0), acc);
      }
      _mm512_mask_storeu_ps(gsum + ow0, m, acc);
    }
    if (p.stride_w == 1) {
      // dx[iw] = sum over kw of gsum[iw + pl - kw] (zero outside [0, OW)).
      const float* b = gp + pl + KW - 1;
      for (int64_t iw0 = 0; iw0 < W; iw0 += 16) {
        __m512 acc = _mm512_loadu_ps(b + iw0);
        for (int64_t kw = 1; kw < KW; ++kw) acc = _mm512_add_ps(acc, _mm512_loadu_ps(b + iw0 - kw));
        _mm512_mask_storeu_ps(dxrow + iw0, tail_mask(W - iw0), acc);
      }
    } else {
      for (int64_t iw0 = 0; iw0 < W; iw0 += 16) {
        const __mmask16 m = tail_mask(W - iw0);
        const __m512i first = _mm512_maskz_loadu_epi32(m, cols.col_lo + iw0);
        const __m512i cnt = _mm512_maskz_loadu_epi32(m, cols.col_cnt + iw0);
        __m512 acc = _mm512_setzero_ps();
        for (int32_t t = 0; t < cols.max_cnt; ++t) {
          const __mmask16 mt = _mm512_cmpgt_epi32_mask(cnt, _mm512_set1_epi32(t));
          acc = _mm512_add_ps(acc, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mt,
                                                            _mm512_add_epi32(first, _mm512_set1_epi32(t)), gsum, 4));
        }
        _mm512_mask_storeu_ps(dxrow + iw0, m, acc);
      }
    }
  }
}

void f32_avgpool_backward_nhwc_row__avx512(const pool2d_params& p, const avg_inverse& d, const avg_columns& cols,
                                           const float* dy_n, int64_t ih, float* dxrow, float* scratch) {
  const int64_t C = p.channels, W = p.in_width, OW = p.out_width;
  int64_t lo, hi;
  rows_holding(p, ih, &lo, &hi);
  if (lo >= hi) {
    std::fill(dxrow, dxrow + W * C, 0.0f);
    return;
  }
  // gsum[ow, c] = sum over the rows oh of dy[oh, ow, c] * inv(oh, ow).
  float* gsum = scratch;
  for (int64_t ow = 0; ow < OW; ++ow) {
    float* gv = gsum + ow * C;
    int64_t c = 0;
    for (; c < C; c += 16) {
      const __mmask16 m = tail_mask(C - c);
      __m512 acc = _mm512_setzero_ps();
      for (int64_t oh = lo; oh < hi; ++oh) {
        const __m512 s = _mm512_set1_ps(d.inv[static_cast<int64_t>(d.row_of[oh]) * OW + ow]);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dy_n + (oh * OW + ow) * C + c), s, acc);
      }
      _mm512_mask_storeu_ps(gv + c, m, acc);
    }
  }
  for (int64_t iw = 0; iw < W; ++iw) {
    const float* g = gsum + static_cast<int64_t>(cols.col_lo[iw]) * C;
    const int32_t n = cols.col_cnt[iw];
    float* dv = dxrow + iw * C;
    int64_t c = 0;
    for (; c + 16 <= C; c += 16) {
      __m512 acc = _mm512_setzero_ps();
      for (int32_t t = 0; t < n; ++t) acc = _mm512_add_ps(acc, _mm512_loadu_ps(g + t * C + c));
      _mm512_storeu_ps(dv + c, acc);
    }
    if (c < C) {
      const __mmask16 m = tail_mask(C - c);
      __m512 acc = _mm512_setzero_ps();
      for (int32_t t = 0; t < n; ++t) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, g + t * C + c));
      _mm512_mask_storeu_ps(dv + c, m, acc);
    }
  }
}

}  // namespace convkit

// ---- max backward, any window ----

namespace convkit {
namespace {

// Taps of the general max backward: windows up to kMaxTaps cells, stride_w up to 16.
constexpr int64_t kMaxTaps = 64;

// NCHW contribution buffers: one row per tap of ML + OW + MR floats, zero outside [0, OW).
void maxbwd_margins(const pool2d_params& p, int64_t* ml, int64_t* row) {
  const int64_t sw = p.stride_w, span = (p.kernel_w - 1) * p.dilation_w;
  *ml = ((span + sw - 1) / sw + 1 + 15) / 16 * 16;
  const int64_t mr = std::max<int64_t>(0, (p.in_width + p.pad_left + 15) / sw + 16 - p.out_width) + 16;
  *row = (*ml + p.out_width + mr + 15) / 16 * 16;
}

// Lanes [lo, hi) of the 16-lane block starting at ow0.
inline __mmask16 lanes(int64_t ow0, int64_t lo, int64_t hi) {
  return static_cast<__mmask16>(tail_mask(hi - ow0) & ~tail_mask(lo - ow0));
}

}  // namespace

namespace {

// One interior block of 16 output columns (every tap of every window inside the input),
// NR window rows, kernel_w KW, stride_w SW (1 or 2), dilation_w 1: the winners of
// f32_maxpool_backward_nchw_plane__avx512's phase (1), with the taps in registers.
// x: the NR rows at column ow0 * SW - pad_left; cb: the first tap row's cbuf at ow0.
template <int NR, int KW, int SW>
inline void maxbwd_block(const float* const* x, const __m512 g, float* cb, int64_t rowlen) {
  __m512 v[NR][KW];
  const __m512i even = even_lanes();
  for (int r = 0; r < NR; ++r) {
    for (int kw = 0; kw < KW; ++kw) {
      if (SW == 1) {
        v[r][kw] = _mm512_loadu_ps(x[r] + kw);
      } else {
        // Lanes 0..14 of the upper half suffice (even columns up to 30).
        v[r][kw] = _mm512_permutex2var_ps(_mm512_loadu_ps(x[r] + kw), even,
                                          _mm512_maskz_loadu_ps(0x7FFF, x[r] + kw + 16));
      }
    }
  }
  __m512 rowmax[NR];
  __mmask16 nanm = 0;
  for (int r = 0; r < NR; ++r) {
    rowmax[r] = v[r][0];
    for (int kw = 1; kw < KW; ++kw) rowmax[r] = _mm512_max_ps(rowmax[r], v[r][kw]);
    for (int kw = 0; kw < KW; ++kw) nanm |= _mm512_cmp_ps_mask(v[r][kw], v[r][kw], _CMP_UNORD_Q);
  }
  __m512 M = rowmax[0];
  for (int r = 1; r < NR; ++r) M = _mm512_max_ps(M, rowmax[r]);
  __mmask16 found = 0;
  if (nanm == 0) {
    for (int r = 0; r < NR; ++r) {
      for (int kw = 0; kw < KW; ++kw) {
        const __mmask16 hit = _mm512_cmp_ps_mask(v[r][kw], M, _CMP_EQ_OQ);
        _mm512_storeu_ps(cb + (r * KW + kw) * rowlen, _mm512_maskz_mov_ps(hit & ~found, g));
        found |= hit;
      }
    }
  } else {
    for (int r = 0; r < NR; ++r) {
      for (int kw = 0; kw < KW; ++kw) {
        const __mmask16 hit = _mm512_mask_cmp_ps_mask(static_cast<__mmask16>(~nanm), v[r][kw], M, _CMP_EQ_OQ) |
                              _mm512_cmp_ps_mask(v[r][kw], v[r][kw], _CMP_UNORD_Q);
        _mm512_storeu_ps(cb + (r * KW + kw) * rowlen, _mm512_maskz_mov_ps(hit & ~found, g));
        found |= hit;
      }
    }
  }
}

template <int KW, int SW>
inline void maxbwd_block_rows(int nr, const float* const* x, const __m512 g, float* cb, int64_t rowlen) {
  switch (nr) {
    case 1: return maxbwd_block<1, KW, SW>(x, g, cb, rowlen);
    case 2: return maxbwd_block<2, KW, SW>(x, g, cb, rowlen);
    case 3: return maxbwd_block<3, KW, SW>(x, g, cb, rowlen);
    default: return maxbwd_block<4, KW, SW>(x, g, cb, rowlen);
  }
}

}  // namespace

bool f32_maxpool_backward_supported__avx512(const pool2d_params& p) {
  return p.kernel_h * p.kernel_w <= kMaxTaps && p.stride_w <= 16 && p.stride_w >= 1 && p.stride_h >= 1;
}

int64_t f32_maxpool_backward_scratch__avx512(const pool2d_params& p) {
  int64_t ml, row;
  maxbwd_margins(p, &ml, &row);
  return 2 * p.kernel_h * p.kernel_w * row + 16;
}

// One plane. Per output row oh: (1) vectorized over 16 output columns, the winning tap of
// each window (scan order, first maximum, NaN wins), and per tap t the row
// cbuf[t][ow] = dy[oh, ow] where t won, else 0; (2) per window row kh, every dx block of
// input row ih adds the taps kw = KW-1 .. 0 (output columns ascending, the reference's order),
// each a masked lane permute of one cbuf load (a plain load at stride 1). dx rows are zeroed
// when the first window reaches them, so every cell sums its windows in output scan order.
void f32_maxpool_backward_nchw_plane__avx512(const pool2d_params& p, const float* dyc, const float* xc,
                                             float* dxc, float* scratch) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, KH = p.kernel_h,
                KW = p.kernel_w, sh = p.stride_h, sw = p.stride_w, dh = p.dilation_h, dw = p.dilation_w,
                pt = p.pad_top, pl = p.pad_left;
  int64_t ml, rowlen;
  maxbwd_margins(p, &ml, &rowlen);
  for (int64_t t = 0; t < 2 * KH * KW; ++t) {
    float* row = scratch + t * rowlen;
    std::fill(row, row + ml, 0.0f);
    std::fill(row + ml + OW, row + rowlen, 0.0f);
  }
  // Valid output columns of tap kw: [va[kw], vb[kw]).
  int64_t va[kMaxTaps], vb[kMaxTaps];
  for (int64_t kw = 0; kw < KW; ++kw) {
    const int64_t off = kw * dw - pl;
    const int64_t first = off >= 0 ? 0 : (-off + sw - 1) / sw;
    const int64_t last = W - 1 - off < 0 ? 0 : (W - 1 - off) / sw + 1;
    va[kw] = std::min(first, OW);
    vb[kw] = std::clamp(last, va[kw], OW);
  }
  // Phase 2 permutes: residue r = (iw + pl - kw*dw) mod sw of lane 0; lane i takes cbuf
  // element (r + i) / sw where (r + i) % sw == 0.
  __m512i pidx[16];
  __mmask16 pmask[16];
  for (int64_t r = 0; r < sw; ++r) {
    alignas(64) int32_t idx[16];
    unsigned m = 0;
    for (int i = 0; i < 16; ++i) {
      idx[i] = static_cast<int32_t>((r + i) / sw);
      if ((r + i) % sw == 0) m |= 1u << i;
    }
    pidx[r] = _mm512_load_si512(idx);
    pmask[r] = static_cast<__mmask16>(m);
  }
  // cbuf element and residue of dx block 0, tap kw: q = pl - kw*dw = base0*sw + res0; each
  // next block adds 16 = b16*sw + r16.
  int64_t base0[kMaxTaps], res0[kMaxTaps];
  for (int64_t kw = 0; kw < KW; ++kw) {
    const int64_t q = pl - kw * dw;
    base0[kw] = q >= 0 ? q / sw : -((-q + sw - 1) / sw);
    res0[kw] = q - base0[kw] * sw;
  }
  const int64_t b16 = 16 / sw, r16 = 16 % sw;
  // The register path: kernel_w 2 or 3, stride_w 1 or 2, dilation_w 1; interior blocks
  // start at or after fast_lo and end by fast_hi.
  const int64_t fast_kw = (KW == 2 || KW == 3) && (sw == 1 || sw == 2) && dw == 1 ? KW : 0;
  int64_t fast_lo = 0, fast_hi = OW;
  for (int64_t kw = 0; kw < KW; ++kw) {
    fast_lo = std::max(fast_lo, va[kw]);
    fast_hi = std::min(fast_hi, vb[kw]);
  }
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i even = even_lanes();
  const __m512 lo_inf = ninf();
  __m512 vv[kMaxTaps];
  __mmask16 vm[kMaxTaps];
  // Phase (2) of row oh runs after phase (1) of row oh + 1 (cbuf double-buffered), so its
  // unaligned cbuf loads never wait on stores still in flight.
  auto winners = [&](int64_t oh, float* cbuf) {
    const int64_t top = oh * sh - pt;
      // (1) winners: M = the lanes' maximum (max_ps; the NaN lanes are found apart), then the
      // first tap equal to M (the first NaN tap in a lane holding a NaN) takes dy.
      const float* g_row = dyc + oh * OW;
      const int64_t kh_lo = top >= 0 ? 0 : (-top + dh - 1) / dh;
      const int64_t kh_hi = std::min(KH, top >= H ? 0 : (H - 1 - top) / dh + 1);
      if (kh_lo >= kh_hi) return;
      const int64_t t_lo = kh_lo * KW, t_hi = kh_hi * KW;
      // Interior blocks, [fast_lo, fast_hi) with every tap valid: the register path.
      const int nrows = static_cast<int>(kh_hi - kh_lo);
      const bool fast = fast_kw != 0 && nrows <= 4;
      const float* xb[4];
      for (int r = 0; r < nrows && r < 4; ++r) xb[r] = xc + (top + (kh_lo + r) * dh) * W - pl;
      for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
        if (fast && ow0 >= fast_lo && ow0 + 16 <= fast_hi) {
          const float* xo[4];
          for (int r = 0; r < nrows; ++r) xo[r] = xb[r] + ow0 * sw;
          const __m512 g = _mm512_loadu_ps(g_row + ow0);
          float* cb = cbuf + ml + ow0 + t_lo * rowlen;
          if (fast_kw == 3) {
            if (sw == 1) maxbwd_block_rows<3, 1>(nrows, xo, g, cb, rowlen);
            else maxbwd_block_rows<3, 2>(nrows, xo, g, cb, rowlen);
          } else {
            if (sw == 1) maxbwd_block_rows<2, 1>(nrows, xo, g, cb, rowlen);
            else maxbwd_block_rows<2, 2>(nrows, xo, g, cb, rowlen);
          }
          continue;
        }
        __m512 M = lo_inf;
        __mmask16 nanm = 0;
        for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
          const float* xr = xc + (top + kh * dh) * W;
          for (int64_t kw = 0; kw < KW; ++kw) {
            const int64_t t = kh * KW + kw;
            const __mmask16 m = lanes(ow0, va[kw], vb[kw]);
            vm[t] = m;
            if (m == 0) continue;
            const int64_t c = ow0 * sw + kw * dw - pl;
            __m512 v;
            if (sw == 1) {
              v = _mm512_mask_loadu_ps(lo_inf, m, xr + c);
            } else if (sw == 2) {
              if (c >= 0 && c + 32 <= W) {
                v = _mm512_permutex2var_ps(_mm512_loadu_ps(xr + c), even, _mm512_loadu_ps(xr + c + 16));
              } else {
                const __mmask16 m0 = inside(c, W), m1 = inside(c + 16, W);
                v = _mm512_permutex2var_ps(_mm512_mask_loadu_ps(lo_inf, m0, xr + c), even,
                                           _mm512_mask_loadu_ps(lo_inf, m1, xr + c + 16));
              }
              v = _mm512_mask_mov_ps(lo_inf, m, v);
            } else {
              const __m512i gi = _mm512_add_epi32(_mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int32_t>(sw))),
                                                  _mm512_set1_epi32(static_cast<int32_t>(c)));
              v = _mm512_mask_i32gather_ps(lo_inf, m, gi, xr, 4);
            }
            vv[t] = v;
            M = _mm512_max_ps(M, v);
            nanm |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
          }
        }
        const __mmask16 mo = tail_mask(OW - ow0);
        const __m512 g = _mm512_maskz_loadu_ps(mo, g_row + ow0);
        __mmask16 found = 0;
        float* cb = cbuf + ml + ow0;
        if (nanm == 0) {
          for (int64_t t = t_lo; t < t_hi; ++t) {
            const __mmask16 hit = vm[t] ? _mm512_mask_cmp_ps_mask(vm[t], vv[t], M, _CMP_EQ_OQ) : 0;
            _mm512_mask_storeu_ps(cb + t * rowlen, mo, _mm512_maskz_mov_ps(hit & ~found, g));
            found |= hit;
          }
        } else {
          for (int64_t t = t_lo; t < t_hi; ++t) {
            __mmask16 hit = 0;
            if (vm[t]) {
              hit = _mm512_mask_cmp_ps_mask(vm[t] & ~nanm, vv[t], M, _CMP_EQ_OQ) |
                    _mm512_mask_cmp_ps_mask(vm[t], vv[t], vv[t], _CMP_UNORD_Q);
            }
            _mm512_mask_storeu_ps(cb + t * rowlen, mo, _mm512_maskz_mov_ps(hit & ~found, g));
            found |= hit;
          }
        }
      }
  };
  auto accumulate = [&](int64_t oh, const float* cbuf) {
    const int64_t top = oh * sh - pt;
      // (2) accumulate into the dx rows.
      for (int64_t kh = 0; kh < KH; ++kh) {
        const int64_t ih = top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        float* dxrow = dxc + ih * W;
        const float* cb = cbuf + kh * KW * rowlen + ml;
        if (sw == 1) {
          for (int64_t iw0 = 0; iw0 < W; iw0 += 16) {
            const __mmask16 m = tail_mask(W - iw0);
            __m512 acc = _mm512_maskz_loadu_ps(m, dxrow + iw0);
            for (int64_t kw = KW - 1; kw >= 0; --kw) acc = _mm512_add_ps(acc, _mm512_loadu_ps(cb + kw * rowlen + iw0 + pl - kw * dw));
            _mm512_mask_storeu_ps(dxrow + iw0, m, acc);
          }
          continue;
        }
        int64_t base[kMaxTaps], res[kMaxTaps];
        std::copy(base0, base0 + KW, base);
        std::copy(res0, res0 + KW, res);
        for (int64_t iw0 = 0; iw0 < W; iw0 += 16) {
          const __mmask16 m = tail_mask(W - iw0);
          __m512 acc = _mm512_maskz_loadu_ps(m, dxrow + iw0);
          for (int64_t kw = KW - 1; kw >= 0; --kw) {
            const int64_t r = res[kw];
            acc = _mm512_add_ps(acc, _mm512_maskz_permutexvar_ps(pmask[r], pidx[r], _mm512_loadu_ps(cb + kw * rowlen + base[kw])));
            res[kw] = r + r16 >= sw ? r + r16 - sw : r + r16;
            base[kw] += b16 + (r + r16 >= sw ? 1 : 0);
          }
          _mm512_mask_storeu_ps(dxrow + iw0, m, acc);
        }
      }
  };
  const int64_t set = KH * KW * rowlen;
  int64_t zeroed = 0;  // dx rows [0, zeroed) are zeroed or done
  for (int64_t oh = 0; oh <= OH; ++oh) {
    if (oh < OH) {
      const int64_t last = std::min(H - 1, oh * sh - pt + (KH - 1) * dh);
      for (; zeroed <= last; ++zeroed) std::fill(dxc + zeroed * W, dxc + (zeroed + 1) * W, 0.0f);
      winners(oh, scratch + (oh & 1) * set);
    }
    if (oh > 0) accumulate(oh - 1, scratch + ((oh - 1) & 1) * set);
  }
  if (zeroed < H) std::fill(dxc + zeroed * W, dxc + H * W, 0.0f);
}

// Channels [c0, c0 + nc) of one image, nc <= 64: per output pixel in scan order, per 16
// channels, the winning tap (first maximum, NaN wins), then each valid tap's dx vector adds
// dy where it won (0 elsewhere). dx rows are zeroed when the first window reaches them.
void f32_maxpool_backward_nhwc__avx512(const pool2d_params& p, const float* dy_n, const float* x_n, int64_t c0,
                                       int64_t nc, float* dx_n) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width,
                KH = p.kernel_h, KW = p.kernel_w, dh = p.dilation_h, dw = p.dilation_w;
  const int nv = static_cast<int>((nc + 15) / 16);
  __mmask16 m[4];
  for (int v = 0; v < 4; ++v) m[v] = tail_mask(nc - 16 * v);
  auto zero_rows = [&](int64_t a, int64_t b) {
    if (nc == C) return std::fill(dx_n + a * W * C, dx_n + b * W * C, 0.0f);
    for (int64_t i = a * W; i < b * W; ++i) std::fill_n(dx_n + i * C + c0, nc, 0.0f);
  };
  int64_t q[kMaxTaps];
  int64_t zeroed = 0;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t top = oh * p.stride_h - p.pad_top;
    const int64_t last = std::min(H - 1, top + (KH - 1) * dh);
    for (; zeroed <= last; ++zeroed) zero_rows(zeroed, zeroed + 1);
    for (int64_t ow = 0; ow < OW; ++ow) {
      int nt = 0;
      for (int64_t kh = 0; kh < KH; ++kh) {
        const int64_t ih = top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (int64_t kw = 0; kw < KW; ++kw) {
          const int64_t iw = ow * p.stride_w - p.pad_left + kw * dw;
          if (iw < 0 || iw >= W) continue;
          q[nt++] = (ih * W + iw) * C + c0;
        }
      }
      if (nt == 0) continue;
      const float* g = dy_n + (oh * OW + ow) * C + c0;
      for (int v = 0; v < nv; ++v) {
        const int64_t cv = 16 * v;
        __m512 xv[kMaxTaps];
        __m512 M = _mm512_maskz_loadu_ps(m[v], x_n + q[0] + cv);
        xv[0] = M;
        __mmask16 nanm = _mm512_cmp_ps_mask(M, M, _CMP_UNORD_Q);
        for (int k = 1; k < nt; ++k) {
          xv[k] = _mm512_maskz_loadu_ps(m[v], x_n + q[k] + cv);
          M = _mm512_max_ps(M, xv[k]);
          nanm |= _mm512_cmp_ps_mask(xv[k], xv[k], _CMP_UNORD_Q);
        }
        const __m512 gv = _mm512_maskz_loadu_ps(m[v], g + cv);
        __mmask16 found = 0;
        for (int k = 0; k < nt; ++k) {
          const __mmask16 hit = nanm == 0 ? _mm512_cmp_ps_mask(xv[k], M, _CMP_EQ_OQ)
                                          : (_mm512_mask_cmp_ps_mask(static_cast<__mmask16>(~nanm), xv[k], M, _CMP_EQ_OQ) |
                                             _mm512_cmp_ps_mask(xv[k], xv[k], _CMP_UNORD_Q));
          float* d = dx_n + q[k] + cv;
          _mm512_mask_storeu_ps(d, m[v], _mm512_add_ps(_mm512_maskz_loadu_ps(m[v], d), _mm512_maskz_mov_ps(hit & ~found, gv)));
          found |= hit;
        }
      }
    }
  }
  if (zeroed < H) zero_rows(zeroed, H);
}

}  // namespace convkit
