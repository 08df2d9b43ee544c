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

// The NHWC row kernel's weights, [KH * KW, C] (w transposed), prepacked once for a model's
// layer: dwconv_nhwc_packed_size(p) floats, 0 where dwconv_forward does not take the row kernel
// (NCHW, multiplier > 1, no row kernel at this ISA). dwconv_forward_packed is dwconv_forward on
// them, bit for bit (the same kernel reads the same values), without the transpose per call:
// on 2 threads the worker read the caller's freshly written copy across cores every call
// (MobileNetV2's 7 x 7 x 960 layer: 25 us with it, 16 us without).
int64_t dwconv_nhwc_packed_size(const conv2d_params& p);
void dwconv_nhwc_prepack(const conv2d_params& p, const float* w, float* packed);
void dwconv_forward_packed(const conv2d_params& p, const float* x, const float* packed, const float* b,
                           float* y, const float* r = nullptr);

// dx from dy and w.
void dwconv_backward_data_nchw(const conv2d_params& p, const float* dy, const float* w, float* dx);
void dwconv_backward_data_nhwc(const conv2d_params& p, const float* dy, const float* w, float* dx);
// dw from dy and x (db apart: the caller's bias_grad).
void dwconv_backward_filter_nchw(const conv2d_params& p, const float* dy, const float* x, float* dw);
void dwconv_backward_filter_nhwc(const conv2d_params& p, const float* dy, const float* x, float* dw);

}  // namespace convkit
