// Depthwise convolution (groups == Cin > 1, Cout = multiplier * Cin), forward and backward,
// both layouts (dwconv.cc). The drivers (conv2d.cc, conv2d-backward-data.cc,
// conv2d-backward-filter.cc) choose these; contracts as conv2d, conv2d_backward_data and
// conv2d_backward_filter (convkit/conv2d.h). Internal to native/src/conv2d.
#pragma once

#include "convkit/conv2d.h"

namespace convkit {

// Forward, portable: vectorized over W (NCHW) or C (NHWC).
void dwconv_nchw(const conv2d_params& p, const float* x, const float* w, const float* b, float* y);
void dwconv_nhwc(const conv2d_params& p, const float* x, const float* w, const float* b, float* y);
#if defined(__x86_64__) || defined(_M_X64)
// Forward on the AVX-512 ukernels (f32_dwconv_*__avx512): call only when active_isa() is
// avx512. NHWC: channel multiplier 1 only.
void dwconv_nchw_direct(const conv2d_params& p, const float* x, const float* w, const float* b, float* y);
void dwconv_nhwc_direct(const conv2d_params& p, const float* x, const float* w, const float* b, float* y);
#endif

// dx from dy and w.
void dwconv_backward_data_nchw(const conv2d_params& p, const float* dy, const float* w, float* dx);
void dwconv_backward_data_nhwc(const conv2d_params& p, const float* dy, const float* w, float* dx);
// dw from dy and x (db apart: the caller's bias_grad).
void dwconv_backward_filter_nchw(const conv2d_params& p, const float* dy, const float* x, float* dw);
void dwconv_backward_filter_nhwc(const conv2d_params& p, const float* dy, const float* x, float* dw);

}  // namespace convkit
