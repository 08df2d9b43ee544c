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
    _mm512_mask_storeu_ps(yrow + ow0, m, acc);
  }
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
    const __mmask16 m = tail_mask(OW - 16 * ob);
    if (!kMax) acc = _mm512_mul_ps(acc, _mm512_maskz_loadu_ps(m, inv + 16 * ob));
    _mm512_mask_storeu_ps(yrow + 16 * ob, m, acc);
    cur = next;
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
      switch (nr) {
        case 0: row_s1_fused<kMax, 0, true>(r, p, sh, inv, yrow); break;
        case 1: row_s1_fused<kMax, 1, true>(r, p, sh, inv, yrow); break;
        case 2: row_s1_fused<kMax, 2, true>(r, p, sh, inv, yrow); break;
        case 3: row_s1_fused<kMax, 3, true>(r, p, sh, inv, yrow); break;
        default: row_s1_fused<kMax, 4, true>(r, p, sh, inv, yrow); break;
      }
    } else {
      switch (nr) {
        case 0: row_s1_fused<kMax, 0, false>(r, p, sh, inv, yrow); break;
        case 1: row_s1_fused<kMax, 1, false>(r, p, sh, inv, yrow); break;
        case 2: row_s1_fused<kMax, 2, false>(r, p, sh, inv, yrow); break;
        case 3: row_s1_fused<kMax, 3, false>(r, p, sh, inv, yrow); break;
        default: row_s1_fused<kMax, 4, false>(r, p, sh, inv, yrow); break;
      }
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

// Windows that do not overlap along W: every valid tap is read straight from x.
template <bool kMax>
void pool_nhwc_row_direct(const pool2d_params& p, const float* inv, const float* x_n, int64_t oh, float* yrow) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  const int64_t dh = kMax ? p.dilation_h : 1, dw = kMax ? p.dilation_w : 1;
  const __m512 init = kMax ? ninf() : _mm512_setzero_ps();
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
        _mm512_mask_storeu_ps(yv + c0 + 16 * v, m[v], kMax ? acc[v] : _mm512_mul_ps(acc[v], s));
      }
    }
  }
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
  if (nchw_s1_fusable<true>(p)) return pool_nchw_plane_s1<true>(p, nullptr, xc, yc);
  pool_nchw_plane<true>(p, nullptr, xc, yc, scratch);
}

void f32_avgpool_nchw_plane__avx512(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                    float* scratch) {
  if (nchw_s1_fusable<false>(p)) return pool_nchw_plane_s1<false>(p, &d, xc, yc);
  pool_nchw_plane<false>(p, &d, xc, yc, scratch);
}

void f32_maxpool_nhwc_row__avx512(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow,
                                  float* scratch) {
  if (nhwc_separable(p, true)) return pool_nhwc_row_separable<true>(p, nullptr, x_n, oh, yrow, scratch);
  pool_nhwc_row_direct<true>(p, nullptr, x_n, oh, yrow);
}

void f32_avgpool_nhwc_row__avx512(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                  float* yrow, float* scratch) {
  const float* inv = d.inv + static_cast<int64_t>(d.row_of[oh]) * p.out_width;
  if (nhwc_separable(p, false)) return pool_nhwc_row_separable<false>(p, inv, x_n, oh, yrow, scratch);
  pool_nhwc_row_direct<false>(p, inv, x_n, oh, yrow);
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

int64_t f32_avgpool_backward_scratch__avx512(const pool2d_params& p) {
  const int64_t nchw = p.kernel_w - 1 + std::max(p.out_width, p.in_width + p.pad_left + 1) + 48;
  const int64_t nhwc = p.out_width * p.channels + 16;
  return std::max(nchw, nhwc);
}

namespace {

// Outputs rows whose windows hold input row ih: [*lo, *hi).
inline void rows_holding(const pool2d_params& p, int64_t ih, int64_t* lo, int64_t* hi) {
  const int64_t a = ih + p.pad_top - p.kernel_h + 1;
  *lo = a <= 0 ? 0 : (a + p.stride_h - 1) / p.stride_h;
  *hi = std::min(p.out_height, (ih + p.pad_top) / p.stride_h + 1);
}

}  // namespace

void f32_avgpool_backward_nchw_plane__avx512(const pool2d_params& p, const avg_inverse& d, const avg_columns& cols,
                                             const float* dyc, float* dxc, float* scratch) {
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
