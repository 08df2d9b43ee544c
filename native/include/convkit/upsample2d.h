// Upsampling (nearest, bilinear) of the convkit core, PyTorch 1.13's F.interpolate. No Node here.
#pragma once
#include <cstdint>
#include <string>

#include "convkit/conv2d.h"  // layout

namespace convkit {

enum class upsample_mode : int32_t { nearest = 0, bilinear = 1 };

// Mirrors Upsample2dInfo in lib/shape/upsample2d-info.ts. scale_h/scale_w: the scale factor
// the caller gave (the source of output index i is then i / scale), or 0 when the output size
// was given (source i * in / out). Bilinear with align_corners ignores them (PyTorch does too).
struct upsample2d_params {
  int64_t batch, channels;
  int64_t in_height, in_width;
  int64_t out_height, out_width;
  double scale_h, scale_w;
  upsample_mode mode;
  bool align_corners;  // bilinear only
  layout data_layout;
};

// Sizes in [1, 2^31 - 1], scales 0 or finite > 0, x and y under 2^53 elements. Empty when
// valid, else what is wrong.
std::string upsample2d_params_check(const upsample2d_params& p);

// x nchw [N, C, H, W] | nhwc [N, H, W, C]; y the same with OH, OW. Nearest: PyTorch's
// nearest_idx (out = in: copy; out = 2 in: i >> 1; else min(floor(i * s), in - 1), s in float).
// Bilinear: PyTorch's area_pixel_compute_source_index, then
// y = h0 * (w0 * x00 + w1 * x01) + h1 * (w0 * x10 + w1 * x11), in float.
void upsample2d(const upsample2d_params& p, const float* x, float* y);
// dx (x's shape, fully overwritten) from dy: every dy value added to the cells it read, times
// (h weight * w weight).
void upsample2d_backward(const upsample2d_params& p, const float* dy, float* dx);

}  // namespace convkit
