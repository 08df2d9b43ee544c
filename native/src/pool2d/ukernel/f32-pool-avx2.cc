// Max and average pooling forward, AVX2 build: the portable kernels (pool-portable-forward.h)
// compiled with the AVX2 flags, so their inner loops run 8 lanes wide (same algorithm and path
// names as the portable build: pool_path::nchw / nhwc), and NCHW max with 2-wide windows at
// stride 2 folded in registers (pool_variant nchw_k2s2, as the AVX-512 kernel's): the window's
// rows fold 16 input columns, even and odd columns (a shuffle and a permute each) give 8
// outputs. NaN wins and stays, as max_nan (pool-scalar-common.h) decides it. Average pooling
// in registers too: NCHW at stride_w 1 folds the window's rows into a row buffer (the driver's
// scratch), then sums kernel_w shifted vectors of it (variant nchw_s1_fused); NHWC sums each
// output's taps over up to 4 vectors of 8 channels (variant nhwc_direct). Both then scale by
// the call's table of reciprocal divisors (avg_inverse). Backward: the portable kernels
// (pool-portable-backward.h) built with these flags.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "convkit/last-path.h"
#include "pool2d/ukernel/pool-portable-backward.h"
#include "pool2d/ukernel/pool-portable-forward.h"
#include "pool2d/ukernel/ukernels.h"
#include "util/avx2-helpers.h"

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

// The row buffer of avgpool_nchw_plane_s1: padded column j at buf[j], wide enough for every
// vector read (the last block of 8 outputs plus kernel_w - 1 taps).
int64_t nchw_s1_buf_width(const pool2d_params& p) {
  return std::max(p.pad_left + p.in_width, p.out_width + 8) + p.kernel_w + 8;
}

void avgpool_nchw_plane_s1(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc, float* buf) {
  const int64_t H = p.in_height, W = p.in_width, OW = p.out_width, KW = p.kernel_w, pl = p.pad_left;
  const int64_t bw = nchw_s1_buf_width(p);
  for (int64_t j = 0; j < bw; ++j) buf[j] = 0.0f;  // the padding columns stay 0
  float* row = buf + pl;
  for (int64_t oh = 0; oh < p.out_height; ++oh) {
    const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
    if (rw.hi > rw.lo) {  // row = sum of the window's input rows, in order
      const float* x0 = xc + rw.lo * W;
      int64_t i = 0;
      for (; i + 8 <= W; i += 8) {
        __m256 v = _mm256_loadu_ps(x0 + i);
        for (int64_t ih = rw.lo + 1; ih < rw.hi; ++ih) v = _mm256_add_ps(v, _mm256_loadu_ps(xc + ih * W + i));
        _mm256_storeu_ps(row + i, v);
      }
      for (; i < W; ++i) {
        float v = x0[i];
        for (int64_t ih = rw.lo + 1; ih < rw.hi; ++ih) v += xc[ih * W + i];
        row[i] = v;
      }
    } else {
      for (int64_t i = 0; i < W; ++i) row[i] = 0.0f;
    }
    const float* inv = d.inv + static_cast<int64_t>(d.row_of[oh]) * OW;
    float* yrow = yc + oh * OW;
    for (int64_t ow = 0; ow < OW; ow += 8) {  // output ow's window starts at padded column ow
      __m256 acc = _mm256_loadu_ps(buf + ow);
      for (int64_t kw = 1; kw < KW; ++kw) acc = _mm256_add_ps(acc, _mm256_loadu_ps(buf + ow + kw));
      if (ow + 8 <= OW) {
        _mm256_storeu_ps(yrow + ow, _mm256_mul_ps(acc, _mm256_loadu_ps(inv + ow)));
      } else {
        const __m256i m = lanes_below(OW - ow);
        _mm256_maskstore_ps(yrow + ow, m, _mm256_mul_ps(acc, _mm256_maskload_ps(inv + ow, m)));
      }
    }
  }
}

// NHWC, one output row: each output's window taps summed in registers, channels in blocks of
// up to 4 vectors of 8 (the last one masked), then scaled.
template <int NV, bool Masked>
inline void avg_nhwc_block(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh, int64_t c0,
                           __m256i tail, float* yrow) {
  const int64_t C = p.channels, W = p.in_width;
  const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, p.in_height);
  const float* inv = d.inv + static_cast<int64_t>(d.row_of[oh]) * p.out_width;
  auto load = [&](const float* q, int v) {
    return Masked && v == NV - 1 ? _mm256_maskload_ps(q + 8 * v, tail) : _mm256_loadu_ps(q + 8 * v);
  };
  for (int64_t ow = 0; ow < p.out_width; ++ow) {
    const axis_window& cw = d.out_cols[ow];
    __m256 acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = _mm256_setzero_ps();
    for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
      for (int64_t iw = cw.lo; iw < cw.hi; ++iw) {
        const float* xv = x_n + (ih * W + iw) * C + c0;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[v] = _mm256_add_ps(acc[v], load(xv, v));
      }
    }
    const __m256 s = _mm256_set1_ps(inv[ow]);
    float* yv = yrow + ow * C + c0;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m256 out = _mm256_mul_ps(acc[v], s);
      if (Masked && v == NV - 1) {
        _mm256_maskstore_ps(yv + 8 * v, tail, out);
      } else {
        _mm256_storeu_ps(yv + 8 * v, out);
      }
    }
  }
}

template <bool Masked>
void avg_nhwc_vectors(int nv, const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh, int64_t c0,
                      __m256i tail, float* yrow) {
  switch (nv) {
    case 4: return avg_nhwc_block<4, Masked>(p, d, x_n, oh, c0, tail, yrow);
    case 3: return avg_nhwc_block<3, Masked>(p, d, x_n, oh, c0, tail, yrow);
    case 2: return avg_nhwc_block<2, Masked>(p, d, x_n, oh, c0, tail, yrow);
    default: return avg_nhwc_block<1, Masked>(p, d, x_n, oh, c0, tail, yrow);
  }
}

}  // namespace

int64_t f32_pool_nchw_scratch__avx2(const pool2d_params& p) { return nchw_s1_buf_width(p); }

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
  if (p.stride_w == 1 && s != nullptr) {
    note_pool_variant(pool_variant::nchw_s1_fused);
    avgpool_nchw_plane_s1(p, d, xc, yc, s);
    return;
  }
  avgpool_nchw_plane_portable(p, d, xc, yc, s);
}

void f32_avgpool_nhwc_row__avx2(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                float* yrow, float*) {
  note_pool_variant(pool_variant::nhwc_direct);
  const int64_t C = p.channels;
  const __m256i all = _mm256_set1_epi32(-1);
  int64_t c0 = 0;
  for (; c0 + 32 <= C; c0 += 32) avg_nhwc_vectors<false>(4, p, d, x_n, oh, c0, all, yrow);
  if (c0 < C) {
    const int64_t left = C - c0, nv = (left + 7) / 8;
    if (left % 8 == 0) {
      avg_nhwc_vectors<false>(static_cast<int>(nv), p, d, x_n, oh, c0, all, yrow);
    } else {
      avg_nhwc_vectors<true>(static_cast<int>(nv), p, d, x_n, oh, c0, lanes_below(left % 8), yrow);
    }
  }
}

// Backward: the portable kernels built with these flags (same paths as the portable build);
// not the NCHW average one, whose 2-3 column windows ran 1.2-1.4x slower vectorized.
void f32_maxpool_backward_nchw_plane__avx2(const pool2d_params& p, const float* dyc, const float* xc, float* dxc,
                                           float*) {
  maxpool_backward_nchw_plane_portable(p, dyc, xc, dxc);
}

void f32_maxpool_backward_nhwc__avx2(const pool2d_params& p, const float* dy_n, const float* x_n, int64_t c0,
                                     int64_t nc, float* dx_n) {
  maxpool_backward_nhwc_portable(p, dy_n, x_n, c0, nc, dx_n);
}

void f32_avgpool_backward_nhwc__avx2(const pool2d_params& p, const avg_inverse& d, const avg_columns&,
                                     const float* dy_n, int64_t c0, int64_t nc, float* dx_n) {
  avgpool_backward_nhwc_portable(p, d, dy_n, c0, nc, dx_n);
}

}  // namespace convkit
