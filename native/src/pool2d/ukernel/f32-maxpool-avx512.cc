// Max pooling forward, AVX-512F (contracts in pool2d/ukernel/ukernels.h): the separable
// row-buffer kernels of pool-avx512-forward.h, and NCHW windows 2 wide at stride 2 folded in
// registers. Max keeps NaN (a NaN accumulator or a NaN input wins), like pool2d_ref.
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

}  // namespace

void f32_maxpool_nchw_plane__avx512(const pool2d_params& p, const float* xc, float* yc, float* scratch) {
  if (nchw_fused_k2s2(p)) {
    note_pool_variant(pool_variant::nchw_k2s2);
    return maxpool_nchw_plane_k2s2(p, xc, yc);
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
