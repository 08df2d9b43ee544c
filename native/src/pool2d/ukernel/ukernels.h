// Declarations of the pooling kernels. Each lives in ukernel/<name with dashes>.cc, compiled
// with its own ISA flags; pool2d.cc calls them only when active_isa() allows.
// Internal to native/src/pool2d. Semantics as in convkit/pool2d.h.
#pragma once
#include <cstdint>

#include "convkit/pool2d.h"

namespace convkit {

#if defined(__x86_64__) || defined(_M_X64)
// One plane: xc [H, W] -> yc [OH, OW]. Vectorized over OW (stride_w 1 and 2 by loads and a
// permute, larger strides by a gather).
void f32_maxpool_nchw_plane__avx512(const pool2d_params& p, const float* xc, float* yc);
// rdiv [OH], cdiv [OW]: the divisor of output (oh, ow) is rdiv[oh] * cdiv[ow] (0: output 0).
void f32_avgpool_nchw_plane__avx512(const pool2d_params& p, const float* rdiv, const float* cdiv,
                                    const float* xc, float* yc);
// One output row oh of image x_n [H, W, C] -> yrow [OW, C]. Vectorized over C.
void f32_maxpool_nhwc_row__avx512(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow);
void f32_avgpool_nhwc_row__avx512(const pool2d_params& p, const float* rdiv, const float* cdiv,
                                  const float* x_n, int64_t oh, float* yrow);
// Global average: NCHW y[c] = mean of x[c*hw .. c*hw + hw) for c < channels;
// NHWC y[c] = mean over i < hw of x[i*channels + c].
void f32_gavgpool_nchw__avx512(const float* x, int64_t channels, int64_t hw, float* y);
void f32_gavgpool_nhwc__avx512(const float* x, int64_t channels, int64_t hw, float* y);
#endif

}  // namespace convkit
