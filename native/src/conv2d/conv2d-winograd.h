// Winograd F(2x2, 3x3) convolution (conv2d-winograd.cc). Internal to native/src/conv2d.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"
#include "configs/gemm-config.h"

namespace convkit {

// dst[p*ldd + i] = src[i*ld + p] for i < rows, p < kc (NCHW planes to NHWC pixels and back),
// 8 rows at a time with t8 (the GEMM plan's pack_t8; null: element by element).
void transpose_rows(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd,
                    int64_t rows, f32_pack_t8_fn t8);

// 3x3, stride 1, dilation 1, groups 1, any padding, either layout: the shapes the
// transform-based path can compute at all.
bool winograd_supported(const conv2d_params& p);

// Whether the driver should take it: supported, the config prefers it here (vectorized
// transforms) and the channel and tile counts reach the config's thresholds (where it
// measured faster than the implicit GEMM). CONVKIT_CONV_ALGO=igemm turns it off,
// CONVKIT_CONV_ALGO=winograd takes it for every supported shape (A/B runs, tests).
bool use_winograd(const conv2d_params& p);
// The same choice with another tile threshold (the filter gradient's): forced or refused by
// CONVKIT_CONV_ALGO as above, else supported, preferred, channels and min_tiles tiles.
bool winograd_wanted(const conv2d_params& p, int64_t min_tiles);

// conv2d's contract, for winograd_supported shapes only. IEEE specials: an Inf or NaN in x or
// w spreads through the 4x4 transforms to all four outputs of every tile that reads it (and
// finite values near FLT_MAX can overflow there), where the direct sum keeps them to the 3x3
// windows that hold them. Any non-finite output therefore sends the whole call to the
// implicit GEMM (conv2d_igemm), which gives the direct sum's Inf / NaN; finite outputs cost
// one compare per output vector.
// r: the residual (y's shape) or null; the non-finite check looks at the convolution plus
// bias only, before the residual and the activation.
// packed: null, or w transformed once by winograd_prepack for this p (the same values the
// call would transform, so the same bits).
void conv2d_winograd(const conv2d_params& p, const float* x, const float* w, const float* b,
                     float* y, const float* r = nullptr, const float* packed = nullptr);

// The transformed weights U[k] (G g G^T for each of the 16 positions k) of every output
// channel panel, in the GEMM micro-kernel's packed B format: floats, and the transform. A
// model's 3x3 layers (conv2d_prepack) transform them once instead of on every call, which also
// spared each thread of a 2-thread call reading the half the other core transformed.
int64_t winograd_packed_size(const conv2d_params& p);
void winograd_prepack(const conv2d_params& p, const float* w, float* packed);

}  // namespace convkit
