// Max and average pooling forward, AVX2 build: the portable kernels (pool-portable-forward.h)
// compiled with the AVX2 flags, so their inner loops run 8 lanes wide (same algorithm and path
// names as the portable build: pool_path::nchw / nhwc), and NCHW max with 2-wide windows at
// stride 2 folded in registers (pool_variant nchw_k2s2, as the AVX-512 kernel's): the window's
// rows fold 16 input columns, even and odd columns (a shuffle and a permute each) give 8
// outputs. NaN wins and stays, as max_nan (pool-scalar-common.h) decides it.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "convkit/last-path.h"
#include "pool2d/ukernel/pool-portable-forward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// max_nan(best, v) lane by lane: v if v > best or v is NaN, else best (a NaN best stays).
inline __m256 max_nan8(__m256 best, __m256 v) {
  const __m256 m = _mm256_max_ps(best, v);  // v where either is NaN
  const __m256 keep = _mm256_andnot_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(best, best, _CMP_UNORD_Q));
  return _mm256_blendv_ps(m, best, keep);
}

// kernel_w 2, stride_w 2, dilation_w 1, no left padding, kernel_h <= 4.
bool nchw_k2s2(const pool2d_params& p) {
  return p.kernel_w == 2 && p.stride_w == 2 && p.dilation_w == 1 && p.pad_left == 0 && p.kernel_h <= 4;
}

void maxpool_nchw_plane_k2s2(const pool2d_params& p, const float* xc, float* yc) {
  const int64_t W = p.in_width, OW = p.out_width;
  for (int64_t oh = 0; oh < p.out_height; ++oh) {
    const float* r[4];
    int nr = 0;
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
      if (ih >= 0 && ih < p.in_height) r[nr++] = xc + ih * W;
    }
    float* yrow = yc + oh * OW;
    int64_t ow = 0;
    if (nr > 0) {
      for (; 2 * ow + 16 <= W && ow + 8 <= OW; ow += 8) {
        __m256 a = _mm256_loadu_ps(r[0] + 2 * ow), b = _mm256_loadu_ps(r[0] + 2 * ow + 8);
        for (int j = 1; j < nr; ++j) {
          a = max_nan8(a, _mm256_loadu_ps(r[j] + 2 * ow));
          b = max_nan8(b, _mm256_loadu_ps(r[j] + 2 * ow + 8));
        }
        // even: columns 0 2 4 .. 14 of [a b], odd: 1 3 .. 15 (shuffle within lanes, then
        // the 64-bit quarters in order).
        const __m256 even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
        const __m256 odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
        _mm256_storeu_ps(yrow + ow, max_nan8(even, odd));
      }
    }
    for (; ow < OW; ++ow) {  // the last columns (and rows wholly in the padding: -inf)
      float best = kPoolNegInf;
      for (int j = 0; j < nr; ++j) {
        for (int64_t iw = 2 * ow; iw < 2 * ow + 2 && iw < W; ++iw) best = max_nan(best, r[j][iw]);
      }
      yrow[ow] = best;
    }
  }
}

}  // namespace

void f32_maxpool_nchw_plane__avx2(const pool2d_params& p, const float* xc, float* yc, float* s) {
  if (nchw_k2s2(p)) {
    note_pool_variant(pool_variant::nchw_k2s2);
    maxpool_nchw_plane_k2s2(p, xc, yc);
    return;
  }
  maxpool_nchw_plane_portable(p, xc, yc, s);
}

void f32_maxpool_nhwc_row__avx2(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow, float* s) {
  maxpool_nhwc_row_portable(p, x_n, oh, yrow, s);
}

void f32_avgpool_nchw_plane__avx2(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc, float* s) {
  avgpool_nchw_plane_portable(p, d, xc, yc, s);
}

void f32_avgpool_nhwc_row__avx2(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                float* yrow, float* s) {
  avgpool_nhwc_row_portable(p, d, x_n, oh, yrow, s);
}

}  // namespace convkit
