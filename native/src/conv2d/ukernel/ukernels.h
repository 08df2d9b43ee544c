// Declarations of the conv2d ukernels (direct, depthwise, implicit-GEMM packing, GEMM tiles
// with an operand in place). Each lives in ukernel/<its name with dashes, less "ukernel">.cc
// (the two arows tiles share f32-gemm-arows-avx512.cc), compiled with its own ISA flags; the
// drivers (conv2d.cc, dwconv.cc, conv2d-igemm.cc, conv2d-backward-filter.cc) call them only
// when active_isa() allows. Internal to native/src/conv2d.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"

namespace convkit {

// One run of consecutive output positions inside a panel of the implicit GEMM: lanes
// [lane, lane + len) read the padded input at tap + off + (l - lane) (see padded-input.h).
struct igemm_segment {
  int64_t lane, len, off;
};


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

// Packs kc rows of one panel of r <= 64 output positions (an MR or NR micro-panel of the
// GEMM contract) from the padded input, no im2col in between:
//   dst[k*r + l] = x[tap[k] + s.off + l - s.lane] for l in segment s, 0 where no segment is.
// Segments are disjoint and sorted by lane.
void f32_igemm_pack_panel__avx512(int64_t kc, const int64_t* tap, const float* x,
                                  const igemm_segment* seg, int64_t nseg, int64_t r, float* dst);

// One row of a padded copy, stride 1: dst[c] = s[c - pl] for c in [pl, pl + w), 0 for the
// other c < rowlen. s == nullptr: only the zeros are written.
void f32_igemm_pad_row__avx512(const float* s, int64_t pl, int64_t w, int64_t rowlen, float* dst);

// GEMM tiles 8 x 32 and 8 x 16 with A read in place: A(i, p) = a[min(i, m-1)*lda + p]
// (rows past m repeat row m-1: their results are written, and meaningless), b packed
// [kc][32] or [kc][16], c = a.b + beta*c with row stride ldc; beta == 0 never reads c.
void f32_gemm_ukernel_8x32_arows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m,
                                         const float* b, float* c, int64_t ldc, float beta);
void f32_gemm_ukernel_8x16_arows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m,
                                         const float* b, float* c, int64_t ldc, float beta);
// The dw tile, B read in place: c[i*ldc + j] (+)= sum_{p < kc} a[p*8 + i] * b[p*ldb + j],
// i < 8, j < 32, a packed [kc][8]; += when accumulate, = otherwise (then c is not read).
void f32_conv2d_backward_filter_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b,
                                                     int64_t ldb, float* c, int64_t ldc,
                                                     bool accumulate);
#endif

}  // namespace convkit
