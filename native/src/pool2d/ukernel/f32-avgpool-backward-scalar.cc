// Average pooling backward, portable (contracts in pool2d/ukernel/ukernels.h): dx is zeroed,
// then each window adds dy / divisor (the divisor an int64 product of the two axis windows'
// counts, pool-window.h) to its real cells, windows in output scan order.
//   NCHW, one plane: dyc [OH, OW] -> dxc [H, W].
//   NHWC, channels [c0, c0 + nc) of one image (nc <= kPoolChannelBlock): dy_n [OH, OW, C]
//     -> dx_n [H, W, C], vectorized over the block's channels.
#include <algorithm>
#include <cstdint>

#include "pool2d/pool-window.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

namespace {

// Calls f(oh, ow, rw, cw, div) for every output cell in scan order whose window holds input
// cells: rw, cw its row and column windows, div its divisor (> 0).
template <typename F>
void for_each_window(const pool2d_params& p, const avg_inverse& d, F f) {
  for (int64_t oh = 0; oh < p.out_height; ++oh) {
    const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, p.in_height);
    for (int64_t ow = 0; ow < p.out_width; ++ow) {
      const axis_window& cw = d.out_cols[ow];
      const int64_t div = p.count_include_pad ? rw.span * cw.span : (rw.hi - rw.lo) * (cw.hi - cw.lo);
      if (div > 0) f(oh, ow, rw, cw, div);
    }
  }
}

}  // namespace

void f32_avgpool_backward_nchw_plane__scalar(const pool2d_params& p, const avg_inverse& d, const avg_columns&,
                                             const float* dyc, float* dxc, float*) {
  const int64_t H = p.in_height, W = p.in_width, OW = p.out_width;
  std::fill(dxc, dxc + H * W, 0.0f);
  for_each_window(p, d, [&](int64_t oh, int64_t ow, const axis_window& rw, const axis_window& cw, int64_t div) {
    const float g = dyc[oh * OW + ow] / static_cast<float>(div);
    for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
      float* dxrow = dxc + ih * W;
      for (int64_t iw = cw.lo; iw < cw.hi; ++iw) dxrow[iw] += g;
    }
  });
}

void f32_avgpool_backward_nhwc__scalar(const pool2d_params& p, const avg_inverse& d, const avg_columns&,
                                       const float* dy_n, int64_t c0, int64_t nc, float* dx_n) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OW = p.out_width;
  float g[kPoolChannelBlock];
  float* dxb = dx_n + c0;
  for (int64_t q = 0; q < H * W; ++q) std::fill_n(dxb + q * C, nc, 0.0f);
  for_each_window(p, d, [&](int64_t oh, int64_t ow, const axis_window& rw, const axis_window& cw, int64_t div) {
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
