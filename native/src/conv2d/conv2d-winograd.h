// Winograd F(2x2, 3x3) convolution (conv2d-winograd.cc). Internal to native/src/conv2d.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"

namespace convkit {

// 3x3, stride 1, dilation 1, groups 1, any padding, either layout: the shapes the
// transform-based path can compute at all.
bool winograd_supported(const conv2d_params& p);

// Whether the driver should take it: supported and large enough channel counts (where it
// measured faster than the implicit GEMM). CONVKIT_CONV_ALGO=igemm turns it off,
// CONVKIT_CONV_ALGO=winograd takes it for every supported shape (A/B runs, tests).
bool use_winograd(const conv2d_params& p);

// conv2d's contract, for winograd_supported shapes only. IEEE specials: an Inf or NaN in x or
// w spreads through the 4x4 transforms to all four outputs of every tile that reads it (and
// finite values near FLT_MAX can overflow there), where the direct sum keeps them to the 3x3
// windows that hold them. Any non-finite output therefore sends the whole call to the
// implicit GEMM (conv2d_igemm), which gives the direct sum's Inf / NaN; finite outputs cost
// one compare per output vector.
void conv2d_winograd(const conv2d_params& p, const float* x, const float* w, const float* b,
                     float* y);

// Transform kernels, vectorized over channels (the *_generic versions in conv2d-winograd.cc,
// the __avx512 ones in ukernel/f32-winograd-f2k3-avx512.cc; same contracts):
//   input:  one 4x4 patch d of cc channels, src[i*4 + j] -> pixel (i, j) (cc contiguous floats)
//           or nullptr for zeros; dst[k*ldk + c] = (B^T d B)[k] for c < cc.
//   weight: one output channel's 3x3 taps of cc input channels, g[(kh*3 + kw)*ld + c];
//           dst[k*ldk + c] = (G g G^T)[k].
//   output: m[k*ks + c] for c < cn (one tile's 16 products per channel);
//           dst[q][c] = act((A^T m A)[q] + bias[c]), q = (0,0), (0,1), (1,0), (1,1);
//           dst[q] == nullptr skips that output (clipped); bias may be nullptr.
//           Returns false when any written value was Inf or NaN before the ReLU (the caller
//           then recomputes the conv by the direct sum: see conv2d_winograd).
using winograd_input_fn = void (*)(const float* const* src, int64_t cc, float* dst, int64_t ldk);
using winograd_weight_fn = void (*)(const float* g, int64_t ld, int64_t cc, float* dst,
                                    int64_t ldk);
using winograd_output_fn = bool (*)(const float* m, int64_t ks, int64_t cn, const float* bias,
                                    bool relu, float* const* dst);
#if defined(__x86_64__) || defined(_M_X64)
void f32_winograd_f2k3_input__avx512(const float* const* src, int64_t cc, float* dst, int64_t ldk);
void f32_winograd_f2k3_weight__avx512(const float* g, int64_t ld, int64_t cc, float* dst,
                                      int64_t ldk);
bool f32_winograd_f2k3_output__avx512(const float* m, int64_t ks, int64_t cn, const float* bias,
                                      bool relu, float* const* dst);
#endif

}  // namespace convkit
