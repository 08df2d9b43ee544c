// Average pooling backward, AVX-512F (contracts in pool2d/ukernel/ukernels.h): one input
// row at a time, written once: the outputs whose windows hold the row are summed (dy times the
// inverse divisor) into a row buffer, then spread along W.
// Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-avx512-common.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

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
