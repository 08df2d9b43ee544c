// The portable pooling forward kernels' bodies (contracts in pool2d/ukernel/ukernels.h),
// compiled twice: without ISA flags (f32-maxpool-scalar.cc, f32-avgpool-scalar.cc: every
// machine) and with the AVX2 flags (f32-pool-avx2.cc), where the compiler vectorizes their
// inner loops over 8 lanes. static inline and plain loops (no library template, whose one
// out-of-line copy the linker could take from the AVX2 build): private to each file.
//   max NCHW, one plane xc [H, W] -> yc [OH, OW]: each valid row tap folds a shifted input
//     row into the output row (contiguous over W when stride_w == 1). NaN wins and stays.
//   max NHWC, output row oh of image x_n [H, W, C] -> yrow [OW, C]: each valid tap folds a
//     channel vector into the output vector.
//   avg: sums in float, then scales by 1 / divisor, the divisor an int64 product of the two
//     axis windows' counts (PyTorch's, pool-window.h); NCHW one pass per kernel column,
//     NHWC over C. Overflowed sums are the driver's (util/fp-overflow.h).
#pragma once
#include <algorithm>
#include <cstdint>

#include "pool2d/pool-window.h"
#include "pool2d/ukernel/pool-scalar-common.h"
#include "pool2d/ukernel/ukernels.h"
#include "util/window.h"

namespace convkit {

static inline void maxpool_nchw_plane_portable(const pool2d_params& p, const float* xc, float* yc, float*) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* yrow = yc + oh * OW;
    for (int64_t ow = 0; ow < OW; ++ow) yrow[ow] = kPoolNegInf;
    const int64_t ih0 = oh * p.stride_h - p.pad_top;
    const tap_span rows = valid_taps(ih0, p.dilation_h, p.kernel_h, H);
    for (int64_t kh = rows.lo; kh < rows.hi; ++kh) {
      const float* xrow = xc + (ih0 + kh * p.dilation_h) * W;
      for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
        const int64_t off = kw * p.dilation_w - p.pad_left;
        int64_t a, b;
        valid_cols(OW, p.stride_w, off, W, &a, &b);
        if (p.stride_w == 1) {
          for (int64_t ow = a; ow < b; ++ow) yrow[ow] = max_nan(yrow[ow], xrow[ow + off]);
        } else {
          for (int64_t ow = a; ow < b; ++ow) yrow[ow] = max_nan(yrow[ow], xrow[ow * p.stride_w + off]);
        }
      }
    }
  }
}

static inline void maxpool_nhwc_row_portable(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow, float*) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  const int64_t ih0 = oh * p.stride_h - p.pad_top;
  const tap_span rows = valid_taps(ih0, p.dilation_h, p.kernel_h, H);
  for (int64_t ow = 0; ow < OW; ++ow) {
    float* yv = yrow + ow * C;
    for (int64_t c = 0; c < C; ++c) yv[c] = kPoolNegInf;
    const int64_t iw0 = ow * p.stride_w - p.pad_left;
    const tap_span cols = valid_taps(iw0, p.dilation_w, p.kernel_w, W);
    for (int64_t kh = rows.lo; kh < rows.hi; ++kh) {
      const float* xrow = x_n + (ih0 + kh * p.dilation_h) * W * C;
      for (int64_t kw = cols.lo; kw < cols.hi; ++kw) {
        const float* xv = xrow + (iw0 + kw * p.dilation_w) * C;
        for (int64_t c = 0; c < C; ++c) yv[c] = max_nan(yv[c], xv[c]);
      }
    }
  }
}

static inline void avgpool_nchw_plane_portable(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                    float*) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
    float* yrow = yc + oh * OW;
    for (int64_t ow = 0; ow < OW; ++ow) yrow[ow] = 0.0f;
    for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
      const float* xrow = xc + ih * W;
      for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
        const int64_t off = kw - p.pad_left;
        int64_t a, b;
        valid_cols(OW, p.stride_w, off, W, &a, &b);
        // iw = start + kw < start + kernel: a valid column is always inside its window.
        if (p.stride_w == 1) {
          for (int64_t ow = a; ow < b; ++ow) yrow[ow] += xrow[ow + off];
        } else {
          for (int64_t ow = a; ow < b; ++ow) yrow[ow] += xrow[ow * p.stride_w + off];
        }
      }
    }
    for (int64_t ow = 0; ow < OW; ++ow) {
      const axis_window& cw = d.out_cols[ow];
      const int64_t div = p.count_include_pad ? rw.span * cw.span : (rw.hi - rw.lo) * (cw.hi - cw.lo);
      yrow[ow] *= div > 0 ? 1.0f / static_cast<float>(div) : 0.0f;
    }
  }
}

static inline void avgpool_nhwc_row_portable(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                  float* yrow, float*) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
  for (int64_t ow = 0; ow < OW; ++ow) {
    const axis_window& cw = d.out_cols[ow];
    float* yv = yrow + ow * C;
    for (int64_t c = 0; c < C; ++c) yv[c] = 0.0f;
    for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
      for (int64_t iw = cw.lo; iw < cw.hi; ++iw) {
        const float* xv = x_n + (ih * W + iw) * C;
        for (int64_t c = 0; c < C; ++c) yv[c] += xv[c];
      }
    }
    const int64_t div = p.count_include_pad ? rw.span * cw.span : (rw.hi - rw.lo) * (cw.hi - cw.lo);
    const float inv = div > 0 ? 1.0f / static_cast<float>(div) : 0.0f;
    for (int64_t c = 0; c < C; ++c) yv[c] *= inv;
  }
}

}  // namespace convkit
