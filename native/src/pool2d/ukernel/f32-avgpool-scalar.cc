// Average pooling forward, portable (contracts in pool2d/ukernel/ukernels.h). Sums in float,
// then scales by 1 / divisor, the divisor an int64 product of the two axis windows' counts
// (PyTorch's, pool-window.h). Overflowed sums are the driver's (util/fp-overflow.h).
//   NCHW, one plane xc [H, W] -> yc [OH, OW]: each valid row folds shifted input rows into
//     the output row, one pass per kernel column.
//   NHWC, output row oh of image x_n [H, W, C] -> yrow [OW, C]: vectorized over C.
#include <algorithm>
#include <cstdint>

#include "pool2d/pool-window.h"
#include "pool2d/ukernel/pool-scalar-common.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_avgpool_nchw_plane__scalar(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                    float*) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
    float* yrow = yc + oh * OW;
    std::fill(yrow, yrow + OW, 0.0f);
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

void f32_avgpool_nhwc_row__scalar(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                  float* yrow, float*) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
  for (int64_t ow = 0; ow < OW; ++ow) {
    const axis_window& cw = d.out_cols[ow];
    float* yv = yrow + ow * C;
    std::fill(yv, yv + C, 0.0f);
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
