// Max pooling forward, AVX-512F (contracts in pool2d/ukernel/ukernels.h): the separable
// row-buffer kernels of pool-avx512-forward.h, and NCHW windows 2 or 3 wide at stride 2 folded
// in registers. Max keeps NaN (a NaN accumulator or a NaN input wins), like pool2d_ref.
// Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "convkit/last-path.h"
#include "pool2d/ukernel/pool-avx512-common.h"
#include "pool2d/ukernel/pool-avx512-forward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// f(r, nr, yrow) for each output row: r[0, nr) the window's input rows inside the plane
// (kernel_h <= 4), yrow the row's outputs; a window wholly in the padding gives -inf.
template <class F>
void for_each_window_row(const pool2d_params& p, const float* xc, float* yc, F f) {
  for (int64_t oh = 0; oh < p.out_height; ++oh) {
    const float* r[4];
    int nr = 0;
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
      if (ih >= 0 && ih < p.in_height) r[nr++] = xc + ih * p.in_width;
    }
    float* yrow = yc + oh * p.out_width;
    if (nr == 0) {
      std::fill(yrow, yrow + p.out_width, -__builtin_inff());
    } else {
      f(r, nr, yrow);
    }
  }
}

// Max with kernel_w == stride_w == 2, no left padding, dilation_w 1, kernel_h <= 4: the rows
// fold in registers, then even and odd columns (a permute each) give 16 outputs per 32
// columns. Columns past W read as -inf.
void maxpool_nchw_plane_k2s2(const pool2d_params& p, const float* xc, float* yc) {
  const int64_t W = p.in_width, OW = p.out_width;
  const __m512i even = even_lanes(), odd = odd_lanes();
  const __m512 lo_inf = ninf();
  for_each_window_row(p, xc, yc, [&](const float* const* r, int nr, float* yrow) {
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
  });
}

// Max with kernel_w 3, stride_w 2, dilation_w 1, pad_left <= 1, kernel_h <= 4 (the 3x3/2 pools of
// ResNet, pad 1, and SqueezeNet, pad 0): output j = max of columns c = 2j - pad_left, c + 1, c + 2.
// The rows fold in registers over 16 columns at a time; per 16 outputs (columns c0 .. c0 + 32) the
// even and odd columns of the first 32 (a permute each) and the even ones shifted by a lane with
// column c0 + 32 (valignd with the next block's fold, carried over). No row buffer: a buffer
// written and then read at other offsets stalls on store forwarding. Columns outside [0, W) and
// rows outside [0, H) read as -inf.
template <bool kNan>
void maxpool_nchw_plane_k3s2_as(const pool2d_params& p, const float* xc, float* yc) {
  const int64_t W = p.in_width, OW = p.out_width, pl = p.pad_left;
  const __m512i even = even_lanes(), odd = odd_lanes();
  const __m512 lo_inf = ninf();
  // Without NaNs in the plane a plain max; with some, the NaN-propagating one.
  auto mx = [](__m512 a, __m512 v) { return kNan ? nan_max(a, v) : _mm512_max_ps(a, v); };
  for_each_window_row(p, xc, yc, [&](const float* const* r, int nr, float* yrow) {
    // The window rows' max over columns [c, c + 16): whole, or lanes outside [0, W) as -inf.
    auto fold = [&](int64_t c) {
      __m512 a = _mm512_loadu_ps(r[0] + c);
      for (int j = 1; j < nr; ++j) a = mx(a, _mm512_loadu_ps(r[j] + c));
      return a;
    };
    auto fold_masked = [&](int64_t c) {
      const __mmask16 m = static_cast<__mmask16>(tail_mask(W - c) & ~tail_mask(-c));
      __m512 a = _mm512_mask_loadu_ps(lo_inf, m, r[0] + c);
      for (int j = 1; j < nr; ++j) a = mx(a, _mm512_mask_loadu_ps(lo_inf, m, r[j] + c));
      return a;
    };
    auto outputs = [&](__m512 a, __m512 b, __m512 next) {
      const __m512 e = _mm512_permutex2var_ps(a, even, b), o = _mm512_permutex2var_ps(a, odd, b);
      const __m512 e2 = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(next), _mm512_castps_si512(e), 1));
      return mx(mx(e, o), e2);
    };
    __m512 a = lo_inf;
    bool have_a = false;  // a holds the fold of columns c0 .. c0 + 15 (the last block's next)
    for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
      const int64_t c0 = 2 * ow0 - pl;
      if (c0 >= 0 && c0 + 48 <= W && ow0 + 16 <= OW) {
        if (!have_a) a = fold(c0);
        const __m512 b = fold(c0 + 16), next = fold(c0 + 32);
        _mm512_storeu_ps(yrow + ow0, outputs(a, b, next));
        a = next;
        have_a = true;
      } else {
        const __m512 y = outputs(fold_masked(c0), fold_masked(c0 + 16), fold_masked(c0 + 32));
        _mm512_mask_storeu_ps(yrow + ow0, tail_mask(OW - ow0), y);
        have_a = false;
      }
    }
  });
}

// Whether the plane holds a NaN (one pass of compares, from L2 for the kernel after it).
bool has_nan(const float* x, int64_t n) {
  __mmask16 m = 0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16), c = _mm512_loadu_ps(x + i + 32), d = _mm512_loadu_ps(x + i + 48);
    m = static_cast<__mmask16>(m | _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(c, d, _CMP_UNORD_Q));
  }
  for (; i < n; i += 16) {
    const __m512 a = _mm512_maskz_loadu_ps(tail_mask(n - i), x + i);
    m = static_cast<__mmask16>(m | _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q));
  }
  return m != 0;
}

void maxpool_nchw_plane_k3s2(const pool2d_params& p, const float* xc, float* yc) {
  if (has_nan(xc, p.in_height * p.in_width)) {
    maxpool_nchw_plane_k3s2_as<true>(p, xc, yc);
  } else {
    maxpool_nchw_plane_k3s2_as<false>(p, xc, yc);
  }
}

bool nchw_fused_k3s2(const pool2d_params& p) {
  return p.kernel_w == 3 && p.stride_w == 2 && p.dilation_w == 1 && p.pad_left <= 1 && p.kernel_h <= 4;
}

bool nchw_fused_k2s2(const pool2d_params& p) {
  return p.kernel_w == 2 && p.stride_w == 2 && p.dilation_w == 1 && p.pad_left == 0 && p.kernel_h <= 4;
}

}  // namespace

void f32_maxpool_nchw_plane__avx512(const pool2d_params& p, const float* xc, float* yc, float* scratch) {
  if (nchw_fused_k2s2(p)) {
    note_pool_variant(pool_variant::nchw_k2s2);
    return maxpool_nchw_plane_k2s2(p, xc, yc);
  }
  if (nchw_fused_k3s2(p)) {
    note_pool_variant(pool_variant::nchw_k3s2);
    return maxpool_nchw_plane_k3s2(p, xc, yc);
  }
  if (nchw_s1_fusable<true>(p)) {
    note_pool_variant(pool_variant::nchw_s1_fused);
    pool_nchw_plane_s1<true>(p, nullptr, xc, yc);
    return;
  }
  note_pool_variant(pool_variant::nchw_rowbuf);
  pool_nchw_plane<true>(p, nullptr, xc, yc, scratch);
}

void f32_maxpool_nhwc_row__avx512(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow,
                                  float* scratch) {
  if (nhwc_separable(p, true)) {
    note_pool_variant(pool_variant::nhwc_separable);
    pool_nhwc_row_separable<true>(p, nullptr, x_n, oh, yrow, scratch);
    return;
  }
  note_pool_variant(pool_variant::nhwc_direct);
  pool_nhwc_row_direct<true>(p, nullptr, x_n, oh, yrow);
}

}  // namespace convkit
