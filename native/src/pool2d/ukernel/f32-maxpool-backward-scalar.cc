// Max pooling backward, portable, any window (contracts in pool2d/ukernel/ukernels.h): dx is
// zeroed, then each window's dy goes to its first maximum (scan order kh, then kw; the first
// NaN wins), windows in output scan order: the summation order of max_pool2d_backward_ref.
//   NCHW, one plane: dyc [OH, OW], xc [H, W] -> dxc [H, W].
//   NHWC, channels [c0, c0 + nc) of one image (nc <= kPoolChannelBlock): dy_n [OH, OW, C],
//     x_n [H, W, C] -> dx_n [H, W, C]; the window scan runs for nc channels at once.
#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-scalar-common.h"
#include "pool2d/ukernel/ukernels.h"
#include "util/window.h"

namespace convkit {

namespace {

// Calls f(oh, ow, ih0, rows, iw0, cols) for every output cell in scan order: (ih0, iw0) its
// window's first input cell, rows and cols the window's taps that lie inside the input.
template <typename F>
void for_each_window(const pool2d_params& p, F f) {
  for (int64_t oh = 0; oh < p.out_height; ++oh) {
    const int64_t ih0 = oh * p.stride_h - p.pad_top;
    const tap_span rows = valid_taps(ih0, p.dilation_h, p.kernel_h, p.in_height);
    for (int64_t ow = 0; ow < p.out_width; ++ow) {
      const int64_t iw0 = ow * p.stride_w - p.pad_left;
      f(oh, ow, ih0, rows, iw0, valid_taps(iw0, p.dilation_w, p.kernel_w, p.in_width));
    }
  }
}

}  // namespace

void f32_maxpool_backward_nchw_plane__scalar(const pool2d_params& p, const float* dyc, const float* xc,
                                             float* dxc, float*) {
  const int64_t H = p.in_height, W = p.in_width, OW = p.out_width;
  std::fill(dxc, dxc + H * W, 0.0f);
  for_each_window(p, [&](int64_t oh, int64_t ow, int64_t ih0, tap_span rows, int64_t iw0, tap_span cols) {
    int64_t arg = -1;
    float best = kPoolNegInf;
    for (int64_t kh = rows.lo; kh < rows.hi; ++kh) {
      const int64_t ih = ih0 + kh * p.dilation_h;
      for (int64_t kw = cols.lo; kw < cols.hi; ++kw) {
        const int64_t iw = iw0 + kw * p.dilation_w;
        const float v = xc[ih * W + iw];
        if (takes_max(arg < 0, v, best)) {
          best = v;
          arg = ih * W + iw;
        }
      }
    }
    if (arg >= 0) dxc[arg] += dyc[oh * OW + ow];
  });
}

void f32_maxpool_backward_nhwc__scalar(const pool2d_params& p, const float* dy_n, const float* x_n, int64_t c0,
                                       int64_t nc, float* dx_n) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  float best[kPoolChannelBlock];
  int64_t arg[kPoolChannelBlock];  // input pixel ih*W + iw of the window's maximum, -1: none
  const float* xb = x_n + c0;
  float* dxb = dx_n + c0;
  for (int64_t q = 0; q < H * W; ++q) std::fill_n(dxb + q * C, nc, 0.0f);
  for_each_window(p, [&](int64_t oh, int64_t ow, int64_t ih0, tap_span rows, int64_t iw0, tap_span cols) {
    std::fill_n(arg, nc, int64_t{-1});
    std::fill_n(best, nc, kPoolNegInf);
    for (int64_t kh = rows.lo; kh < rows.hi; ++kh) {
      const int64_t ih = ih0 + kh * p.dilation_h;
      for (int64_t kw = cols.lo; kw < cols.hi; ++kw) {
        const int64_t q = ih * W + iw0 + kw * p.dilation_w;
        const float* xv = xb + q * C;
        for (int64_t c = 0; c < nc; ++c) {
          if (takes_max(arg[c] < 0, xv[c], best[c])) {
            best[c] = xv[c];
            arg[c] = q;
          }
        }
      }
    }
    const float* dyv = dy_n + (oh * OW + ow) * C + c0;
    for (int64_t c = 0; c < nc; ++c) {
      if (arg[c] >= 0) dxb[arg[c] * C + c] += dyv[c];
    }
  });
}

}  // namespace convkit
