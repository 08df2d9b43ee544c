// The portable pooling backward kernels' bodies (contracts in pool2d/ukernel/ukernels.h),
// compiled twice, as pool-portable-forward.h: without ISA flags (f32-maxpool-backward-scalar.cc,
// f32-avgpool-backward-scalar.cc: every machine) and with the AVX2 flags (f32-pool-avx2.cc; all
// but the NCHW average kernel), where the compiler vectorizes the loops over a block's channels
// (NHWC) and the dx zeroing.
// static inline functions and plain loops (no library template, whose one out-of-line copy the
// linker could take from the AVX2 build; the window walkers are static templates, private to
// each file too).
//   max: dx is zeroed, then each window's dy goes to its first maximum (scan order kh, then kw;
//     the first NaN wins), windows in output scan order: the summation order of
//     max_pool2d_backward_ref. NCHW one plane: dyc [OH, OW], xc [H, W] -> dxc [H, W]. NHWC
//     channels [c0, c0 + nc) of one image (nc <= kPoolChannelBlock): dy_n [OH, OW, C],
//     x_n [H, W, C] -> dx_n [H, W, C]; the window scan runs for nc channels at once.
//   avg: dx is zeroed, then each window adds dy / divisor (the divisor an int64 product of the
//     two axis windows' counts, pool-window.h) to its real cells, windows in output scan order;
//     NCHW one plane, NHWC the channels of a block.
#pragma once
#include <cstdint>

#include "pool2d/pool-window.h"
#include "pool2d/ukernel/pool-scalar-common.h"
#include "pool2d/ukernel/ukernels.h"
#include "util/window.h"

namespace convkit {

static inline void pool_zero(float* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = 0.0f;
}

// Calls f(oh, ow, ih0, rows, iw0, cols) for every output cell in scan order: (ih0, iw0) its
// window's first input cell, rows and cols the window's taps that lie inside the input.
template <typename F>
static inline void for_each_max_window(const pool2d_params& p, F f) {
  for (int64_t oh = 0; oh < p.out_height; ++oh) {
    const int64_t ih0 = oh * p.stride_h - p.pad_top;
    const tap_span rows = valid_taps(ih0, p.dilation_h, p.kernel_h, p.in_height);
    for (int64_t ow = 0; ow < p.out_width; ++ow) {
      const int64_t iw0 = ow * p.stride_w - p.pad_left;
      f(oh, ow, ih0, rows, iw0, valid_taps(iw0, p.dilation_w, p.kernel_w, p.in_width));
    }
  }
}

static inline void maxpool_backward_nchw_plane_portable(const pool2d_params& p, const float* dyc, const float* xc,
                                                        float* dxc) {
  const int64_t H = p.in_height, W = p.in_width, OW = p.out_width;
  pool_zero(dxc, H * W);
  for_each_max_window(p, [&](int64_t oh, int64_t ow, int64_t ih0, tap_span rows, int64_t iw0, tap_span cols) {
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

static inline void maxpool_backward_nhwc_portable(const pool2d_params& p, const float* dy_n, const float* x_n,
                                                  int64_t c0, int64_t nc, float* dx_n) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  float best[kPoolChannelBlock];
  int64_t arg[kPoolChannelBlock];  // input pixel ih*W + iw of the window's maximum, -1: none
  const float* xb = x_n + c0;
  float* dxb = dx_n + c0;
  for (int64_t q = 0; q < H * W; ++q) pool_zero(dxb + q * C, nc);
  for_each_max_window(p, [&](int64_t oh, int64_t ow, int64_t ih0, tap_span rows, int64_t iw0, tap_span cols) {
    for (int64_t c = 0; c < nc; ++c) {
      arg[c] = -1;
      best[c] = kPoolNegInf;
    }
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

// Calls f(oh, ow, rw, cw, div) for every output cell in scan order whose window holds input
// cells: rw, cw its row and column windows, div its divisor (> 0).
template <typename F>
static inline void for_each_avg_window(const pool2d_params& p, const avg_inverse& d, F f) {
  for (int64_t oh = 0; oh < p.out_height; ++oh) {
    const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, p.in_height);
    for (int64_t ow = 0; ow < p.out_width; ++ow) {
      const axis_window& cw = d.out_cols[ow];
      const int64_t div = p.count_include_pad ? rw.span * cw.span : (rw.hi - rw.lo) * (cw.hi - cw.lo);
      if (div > 0) f(oh, ow, rw, cw, div);
    }
  }
}

static inline void avgpool_backward_nchw_plane_portable(const pool2d_params& p, const avg_inverse& d,
                                                        const float* dyc, float* dxc) {
  const int64_t H = p.in_height, W = p.in_width, OW = p.out_width;
  pool_zero(dxc, H * W);
  for_each_avg_window(p, d, [&](int64_t oh, int64_t ow, const axis_window& rw, const axis_window& cw, int64_t div) {
    const float g = dyc[oh * OW + ow] / static_cast<float>(div);
    for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
      float* dxrow = dxc + ih * W;
      for (int64_t iw = cw.lo; iw < cw.hi; ++iw) dxrow[iw] += g;
    }
  });
}

static inline void avgpool_backward_nhwc_portable(const pool2d_params& p, const avg_inverse& d, const float* dy_n,
                                                  int64_t c0, int64_t nc, float* dx_n) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  float g[kPoolChannelBlock];
  float* dxb = dx_n + c0;
  for (int64_t q = 0; q < H * W; ++q) pool_zero(dxb + q * C, nc);
  for_each_avg_window(p, d, [&](int64_t oh, int64_t ow, const axis_window& rw, const axis_window& cw, int64_t div) {
    const float fdiv = static_cast<float>(div);
    const float* dyv = dy_n + (oh * OW + ow) * C + c0;
    for (int64_t c = 0; c < nc; ++c) g[c] = dyv[c] / fdiv;
    for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
      for (int64_t iw = cw.lo; iw < cw.hi; ++iw) {
        float* dv = dxb + (ih * W + iw) * C;
        for (int64_t c = 0; c < nc; ++c) dv[c] += g[c];
      }
    }
  });
}

}  // namespace convkit
