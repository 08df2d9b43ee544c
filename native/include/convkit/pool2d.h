// Pooling of the convkit core. No Node here.
#pragma once
#include <cstdint>
#include <string>

#include "convkit/conv2d.h"  // layout

namespace convkit {

// Mirrors Pool2dInfo in lib/shape/pool2d-info.ts. out_* already include ceil_mode's choice;
// a window reads only cells inside [0, in); padded cells never win a max and, for avg,
// count only with count_include_pad (divisor = window cells inside [-pad_before, in + pad_after)).
struct pool2d_params {
  int64_t batch, channels;
  int64_t in_height, in_width;
  int64_t out_height, out_width;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_bottom, pad_left, pad_right;
  int64_t dilation_h, dilation_w;  // max only; 1 for avg
  bool count_include_pad;          // avg only
  layout data_layout;
};

// PyTorch's output size; with ceil_mode the last window must start inside the input or the
// left padding. 0 when the window is wider than the padded input.
int64_t pool2d_out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before,
                        int64_t pad_after, int64_t dilation, bool ceil_mode);

// Every rule a pool2d_params must follow: sizes in [1, 2^31 - 1], paddings at most half the
// kernel (PyTorch's rule), dilation for max only, out_* the floor- or the ceil-mode size, x and
// y under 2^53 elements. Empty when valid, else what is wrong (as conv2d_params_check).
std::string pool2d_params_check(const pool2d_params& p, bool is_max);

// x nchw [N, C, H, W] | nhwc [N, H, W, C]; y the same with OH, OW.
void max_pool2d(const pool2d_params& p, const float* x, float* y);
void avg_pool2d(const pool2d_params& p, const float* x, float* y);
void max_pool2d_ref(const pool2d_params& p, const float* x, float* y);
void avg_pool2d_ref(const pool2d_params& p, const float* x, float* y);

// Gradients; dy has y's shape, dx x's shape and is fully overwritten. Overlapping windows
// add up. Max: each window's dy goes to its FIRST maximum in scan order (kh, then kw), a
// NaN counting as the maximum (the first NaN wins); a window with no real cell sends
// nothing. Avg: dy / divisor to every real cell of the window, divisor as in avg_pool2d.
void max_pool2d_backward(const pool2d_params& p, const float* dy, const float* x, float* dx);
void avg_pool2d_backward(const pool2d_params& p, const float* dy, float* dx);
void max_pool2d_backward_ref(const pool2d_params& p, const float* dy, const float* x, float* dx);
void avg_pool2d_backward_ref(const pool2d_params& p, const float* dy, float* dx);

// x [N, C, H, W] or [N, H, W, C] -> y [N, C] (same numbers as [N,C,1,1] / [N,1,1,C]).
void global_avg_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y);
void global_max_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y);

}  // namespace convkit
