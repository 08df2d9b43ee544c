// Upsample ukernels: contracts (a function type each, and its pointer type _fn), then the
// kernels, declared by their contract's type. Each lives in ukernel/<its name with dashes>.cc; the driver (upsample2d.cc) calls what the upsample2d config holds
// (configs/upsample2d-config.h), one call per row (NCHW) or output pixel (NHWC).
#pragma once
#include <cstdint>

namespace convkit {

// NCHW, one output row of n pixels: nearest y[j] = r[i0[j]]. Bilinear in two steps, so that each
// source row is blended along the width once and reused by every output row that reads it:
// horizontal t[j] = w0[j] * r[i0[j]] + w1[j] * r[i1[j]], then vertical y[j] = h0 * t0[j] + h1 * t1[j]
// (together y[j] = h0 * (w0[j] * r0[i0[j]] + w1[j] * r0[i1[j]]) + h1 * (...r1...), the same
// products and sums in the same order as one pass would do).
using f32_upsample_nearest_row = void(const float* r, const int32_t* i0, float* y, int64_t n);
using f32_upsample_nearest_row_fn = f32_upsample_nearest_row*;
// NCHW nearest at exactly twice the width (i0[j] = j / 2): y[2k] = y[2k + 1] = r[k], k < n.
using f32_upsample_nearest_row_x2 = void(const float* r, float* y, int64_t n);
using f32_upsample_nearest_row_x2_fn = f32_upsample_nearest_row_x2*;
using f32_upsample_linear_row = void(const float* r, const int32_t* i0, const int32_t* i1, const float* w0,
                                            const float* w1, float* t, int64_t n);
using f32_upsample_linear_row_fn = f32_upsample_linear_row*;
// Bilinear at exactly twice the width, align_corners false (PyTorch's x2: weights 1/4 and 3/4 fixed),
// w source pixels of c channels each (c = 1: an NCHW row) -> 2w pixels, the products and sums of
// linear_row with those taps: t[0] = 1 * r[0] + 0 * r[min(1, w - 1)], t[2k] = 0.25 * r[k - 1] +
// 0.75 * r[k] (k >= 1), t[2k + 1] = 0.75 * r[k] + 0.25 * r[min(k + 1, w - 1)], per channel.
using f32_upsample_linear_row_x2 = void(const float* r, float* t, int64_t w, int64_t c);
using f32_upsample_linear_row_x2_fn = f32_upsample_linear_row_x2*;
// Both axes at twice the size: `pairs` inner output row pairs. Pair p: source rows r0 = r + p * w * c
// and r1 = r0 + w * c (of w pixels of c channels), output rows y0 = y + 2p * 2w * c and y1 = y0 + 2w * c:
// with t0, t1 the rows' linear_row_x2 blends, y0 = 0.75 * t0 + 0.25 * t1 and y1 = 0.25 * t0 +
// 0.75 * t1 (blend_rows' products and sums), without storing t0, t1. (Output rows 2k + 1, 2k + 2
// read source rows k, k + 1.)
using f32_upsample_bilinear_rows_x2 = void(const float* r, float* y, int64_t pairs, int64_t w, int64_t c);
using f32_upsample_bilinear_rows_x2_fn = f32_upsample_bilinear_rows_x2*;
using f32_upsample_blend_rows = void(const float* t0, const float* t1, float h0, float h1, float* y,
                                            int64_t n);
using f32_upsample_blend_rows_fn = f32_upsample_blend_rows*;
// NCHW backward, one dy row of n pixels scattered into dx rows d0, d1 (may be the same row):
// d0[i0[j]] += (h0 * w0[j]) * g[j], d0[i1[j]] += (h0 * w1[j]) * g[j], then d1 with h1, in j order.
using f32_upsample_bilinear_row_backward = void(const float* g, float h0, float h1, const int32_t* i0,
                                                       const int32_t* i1, const float* w0, const float* w1,
                                                       float* d0, float* d1, int64_t n);
using f32_upsample_bilinear_row_backward_fn = f32_upsample_bilinear_row_backward*;
// NHWC, one output pixel of c channels: y[k] = h0 * (w0 * a[k] + w1 * b[k]) + h1 * (w0 * c[k] + w1 * d[k]).
using f32_upsample_bilinear_pixel = void(const float* a, const float* b, const float* c, const float* d,
                                                float h0, float h1, float w0, float w1, float* y, int64_t n);
using f32_upsample_bilinear_pixel_fn = f32_upsample_bilinear_pixel*;
// NHWC backward, one dy pixel of n channels: a[k] += (h0 * w0) * g[k], b[k] += (h0 * w1) * g[k],
// c[k] += (h1 * w0) * g[k], d[k] += (h1 * w1) * g[k], in that order (a..d may be the same pixel).
using f32_upsample_bilinear_pixel_backward = void(const float* g, float h0, float h1, float w0, float w1,
                                                         float* a, float* b, float* c, float* d, int64_t n);
using f32_upsample_bilinear_pixel_backward_fn = f32_upsample_bilinear_pixel_backward*;

// Portable; the compiler vectorizes the per-channel ones at each build's flags.
f32_upsample_nearest_row f32_upsample_nearest_row__scalar;
f32_upsample_nearest_row_x2 f32_upsample_nearest_row_x2__scalar;
f32_upsample_linear_row f32_upsample_linear_row__scalar;
f32_upsample_linear_row_x2 f32_upsample_linear_row_x2__scalar;
f32_upsample_bilinear_rows_x2 f32_upsample_bilinear_rows_x2__scalar;
f32_upsample_blend_rows f32_upsample_blend_rows__scalar;
f32_upsample_bilinear_row_backward f32_upsample_bilinear_row_backward__scalar;
f32_upsample_bilinear_pixel f32_upsample_bilinear_pixel__scalar;
f32_upsample_bilinear_pixel_backward f32_upsample_bilinear_pixel_backward__scalar;

// AVX-512: the NCHW rows by gathers, the NHWC pixels 16 channels a step (x2 under 16 channels: flat
// runs of the row pair).
f32_upsample_nearest_row f32_upsample_nearest_row__avx512;
f32_upsample_nearest_row_x2 f32_upsample_nearest_row_x2__avx512;
f32_upsample_linear_row f32_upsample_linear_row__avx512;
f32_upsample_linear_row_x2 f32_upsample_linear_row_x2__avx512;
f32_upsample_bilinear_rows_x2 f32_upsample_bilinear_rows_x2__avx512;
f32_upsample_blend_rows f32_upsample_blend_rows__avx512;
f32_upsample_bilinear_pixel f32_upsample_bilinear_pixel__avx512;

// AVX2 + FMA: the x2 rows (both layouts) and blend_rows, 8 lanes a step; the other kinds stay portable.
// (At the AVX flags GCC may contract a product and a sum into one FMA, here as in the AVX-512 file:
// the same products and sums up to that rounding, within the parity tests' tolerance.)
f32_upsample_nearest_row_x2 f32_upsample_nearest_row_x2__avx2;
f32_upsample_linear_row_x2 f32_upsample_linear_row_x2__avx2;
f32_upsample_bilinear_rows_x2 f32_upsample_bilinear_rows_x2__avx2;
f32_upsample_blend_rows f32_upsample_blend_rows__avx2;

}  // namespace convkit
