// Depthwise convolution (groups == Cin > 1, Cout = multiplier * Cin), forward and backward,
// both layouts (dwconv.cc). The drivers (conv2d.cc, conv2d-backward-data.cc,
// conv2d-backward-filter.cc) choose these; contracts as conv2d, conv2d_backward_data and
// conv2d_backward_filter (convkit/conv2d.h). Internal to native/src/conv2d.
#pragma once

#include "convkit/conv2d.h"

namespace convkit {

// Forward: the row kernels of the dwconv config (configs/dwconv-config.h) where it has them
// (NCHW; NHWC with multiplier 1), else the portable loops, vectorized over W (NCHW) or C (NHWC).
// r: the residual (y's shape) or null.
void dwconv_forward(const conv2d_params& p, const float* x, const float* w, const float* b,
                    float* y, const float* r = nullptr);

// dx from dy and w.
void dwconv_backward_data_nchw(const conv2d_params& p, const float* dy, const float* w, float* dx);
void dwconv_backward_data_nhwc(const conv2d_params& p, const float* dy, const float* w, float* dx);
// dw from dy and x (db apart: the caller's bias_grad).
void dwconv_backward_filter_nchw(const conv2d_params& p, const float* dy, const float* x, float* dw);
void dwconv_backward_filter_nhwc(const conv2d_params& p, const float* dy, const float* x, float* dw);

}  // namespace convkit
