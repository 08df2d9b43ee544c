// pool2d_params_check and the output-size rule (convkit/pool2d.h): the one place the core
// states what a valid pooling window is.
#include <algorithm>
#include <string>

#include "convkit/pool2d.h"
#include "util/checked.h"

namespace convkit {

int64_t pool2d_out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before,
                        int64_t pad_after, int64_t dilation, bool ceil_mode) {
  const int64_t span = in + pad_before + pad_after - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_before) --out;
  return out;
}

std::string pool2d_params_check(const pool2d_params& p, bool is_max) {
  using std::to_string;
  const std::string bad = out_of_range({
      {"batch", p.batch, 1}, {"channels", p.channels, 1}, {"inHeight", p.in_height, 1},
      {"inWidth", p.in_width, 1}, {"outHeight", p.out_height, 1}, {"outWidth", p.out_width, 1},
      {"kernelH", p.kernel_h, 1}, {"kernelW", p.kernel_w, 1}, {"strideH", p.stride_h, 1},
      {"strideW", p.stride_w, 1}, {"padTop", p.pad_top, 0}, {"padBottom", p.pad_bottom, 0},
      {"padLeft", p.pad_left, 0}, {"padRight", p.pad_right, 0}, {"dilationH", p.dilation_h, 1},
      {"dilationW", p.dilation_w, 1}});
  if (!bad.empty()) return bad;
  if (!is_max && (p.dilation_h != 1 || p.dilation_w != 1)) {
    return "dilation is for max pooling only, got [" + to_string(p.dilation_h) + ", " + to_string(p.dilation_w) + "]";
  }
  if (std::max(p.pad_top, p.pad_bottom) * 2 > p.kernel_h || std::max(p.pad_left, p.pad_right) * 2 > p.kernel_w) {
    return "padding must be at most half the kernel";
  }
  // out_* must be the floor- or the ceil-mode size: every window then starts inside the input
  // or its left/top padding.
  for (int axis = 0; axis < 2; ++axis) {
    const bool h = axis == 0;
    const int64_t in = h ? p.in_height : p.in_width, k = h ? p.kernel_h : p.kernel_w;
    const int64_t s = h ? p.stride_h : p.stride_w, d = h ? p.dilation_h : p.dilation_w;
    const int64_t pb = h ? p.pad_top : p.pad_left, pa = h ? p.pad_bottom : p.pad_right;
    const int64_t out = h ? p.out_height : p.out_width;
    const int64_t lo = pool2d_out_size(in, k, s, pb, pa, d, false), hi = pool2d_out_size(in, k, s, pb, pa, d, true);
    if (out != lo && out != hi) {
      return std::string(h ? "outHeight" : "outWidth") + " is " + to_string(out) + " but the window gives " +
             to_string(lo) + (hi != lo ? " (or " + to_string(hi) + " with ceilMode)" : "");
    }
  }
  if (!checked_elements({p.batch, p.channels, p.in_height, p.in_width})) return "x would have more than 2^53 elements";
  if (!checked_elements({p.batch, p.channels, p.out_height, p.out_width})) return "y would have more than 2^53 elements";
  return {};
}

}  // namespace convkit
