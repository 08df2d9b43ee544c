// Pooling over clamped windows, for geometries far larger than the input (kernel, padding,
// stride or dilation up to 2^31 - 1), and the exact average the avg fix-ups use.
#pragma once
#include "convkit/pool2d.h"

namespace convkit {

// Whether every axis stays near the input: window span, paddings and stride at most
// 4 * size + 64 cells. Then the kernels' scratch and tap loops are O(input + output);
// otherwise the *_clamped loops below run.
bool compact_geometry(const pool2d_params& p);

// The four ops over clamped windows, any geometry: each window's valid taps are computed,
// not searched, so time is O(output x valid taps) and nothing is allocated.
void max_pool2d_clamped(const pool2d_params& p, const float* x, float* y);
void avg_pool2d_clamped(const pool2d_params& p, const float* x, float* y);
void max_pool2d_backward_clamped(const pool2d_params& p, const float* dy, const float* x, float* dx);
void avg_pool2d_backward_clamped(const pool2d_params& p, const float* dy, float* dx);

// Avg fix-up. The kernels sum in float, so finite inputs near FLT_MAX can sum to Inf where the
// mean is finite. Once a task has written its outputs (still in cache), the non-finite ones
// are recomputed in double from their windows: inputs that hold Inf or NaN get the same Inf /
// NaN back, overflowed sums their finite mean. The kernels report whether they wrote a
// non-finite output, so these run only then.
// NCHW: x plane xc [H, W], y plane yc [OH, OW]. NHWC: output row oh of image x_n, yrow [OW, C].
void avg_fix_plane(const pool2d_params& p, const float* xc, float* yc);
void avg_fix_row_nhwc(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow);

}  // namespace convkit
