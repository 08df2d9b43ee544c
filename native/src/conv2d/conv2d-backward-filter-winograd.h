// The filter gradient by Winograd F(2x2, 3x3) (conv2d-backward-filter-winograd.cc). Internal
// to native/src/conv2d.
#pragma once
#include "convkit/conv2d.h"

namespace convkit {

// Whether conv2d_backward_filter takes it: the forward's Winograd shapes (3x3, stride 1,
// dilation 1, groups 1) where its config prefers it, with as many channels as the forward
// asks, enough tiles, and the threads' transformed sums (16 * Cin * Cout floats each) in
// 24 MB. CONVKIT_CONV_ALGO=igemm turns it off, =winograd forces it (tests).
bool use_winograd_dw(const conv2d_params& p);

// dw (no db) for a winograd_supported p. Returns false when a value came out Inf or NaN:
// the transforms spread a non-finite input over every tap, so the caller then recomputes dw
// by a direct sum (IEEE like the reference).
bool conv2d_backward_filter_winograd(const conv2d_params& p, const float* dy, const float* x, float* dw);

}  // namespace convkit
