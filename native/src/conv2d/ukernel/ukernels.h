// Declarations of the conv2d direct kernels. Each lives in ukernel/<name with dashes>.cc,
// compiled with its own ISA flags; the driver (conv2d.cc) calls them only when
// active_isa() allows. Internal to native/src/conv2d.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"

namespace convkit {

#if defined(__x86_64__) || defined(_M_X64)
// Direct convolution of one block of 8 output channels over n output positions that read
// the input at a fixed offset per tap (a zero-padded, stride-phase-split copy of the input,
// built by the driver):
//   y[j*ldy + i] = act(bias[j] + sum_{k<kd} w[k*8 + j] * x[tap[k] + i]),  j < rows, i < n
// w: [kd][8] (channels past the real ones zero), bias: 8 floats, rows <= 8.
// Reads x[tap[k] + i] only for i < n (masked tails).
void f32_conv2d_direct_ukernel_8x48__avx512(int64_t kd, const int64_t* tap, const float* w,
                                            const float* x, int64_t n, float* y, int64_t ldy,
                                            int64_t rows, const float* bias, bool relu);

// Depthwise, one channel: y[i] = act(bias + sum_{k<kd} w[k] * x[tap[k] + i]), i < n.
void f32_dwconv_ukernel_1x64__avx512(int64_t kd, const int64_t* tap, const float* w,
                                     const float* x, int64_t n, float* y, float bias, bool relu);

// Depthwise NHWC, channel multiplier 1, one output row oh of image x_n [H, W, C]:
// yrow [OW, C]; wt [KH*KW, C] (the weight transposed); b [C] or nullptr. Vectorized over C.
void f32_dwconv_nhwc_row__avx512(const conv2d_params& p, const float* x_n, const float* wt,
                                 const float* b, int64_t oh, float* yrow);
#endif

}  // namespace convkit
