// Max pooling forward, portable (contracts in pool2d/ukernel/ukernels.h): the kernels every
// machine without a vector max pool runs. NaN wins and stays, like pool2d_ref.
//   NCHW, one plane xc [H, W] -> yc [OH, OW]: each valid row tap folds a shifted input row
//     into the output row (contiguous over W when stride_w == 1, so it vectorizes).
//   NHWC, output row oh of image x_n [H, W, C] -> yrow [OW, C]: each valid tap folds a
//     channel vector into the output vector.
#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-scalar-common.h"
#include "pool2d/ukernel/ukernels.h"
#include "util/window.h"

namespace convkit {

void f32_maxpool_nchw_plane__scalar(const pool2d_params& p, const float* xc, float* yc, float*) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* yrow = yc + oh * OW;
    std::fill(yrow, yrow + OW, kPoolNegInf);
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

void f32_maxpool_nhwc_row__scalar(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow, float*) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  const int64_t ih0 = oh * p.stride_h - p.pad_top;
  const tap_span rows = valid_taps(ih0, p.dilation_h, p.kernel_h, H);
  for (int64_t ow = 0; ow < OW; ++ow) {
    float* yv = yrow + ow * C;
    std::fill(yv, yv + C, kPoolNegInf);
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

}  // namespace convkit
