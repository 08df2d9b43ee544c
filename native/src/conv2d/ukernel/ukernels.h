// The conv2d ukernels (direct, depthwise, implicit-GEMM packing, GEMM tiles with an operand
// in place): their contracts as function types, then the kernels. Each lives in
// ukernel/<its name with dashes, less "ukernel">.cc (the two arows tiles share
// f32-gemm-arows-avx512.cc), compiled with its own ISA flags. The drivers never name them:
// they call what their config holds (configs/conv2d-config.h, dwconv-config.h,
// winograd-config.h), where a null entry means the path does not exist on this machine.
// Internal to native/src/conv2d and native/src/configs.
#pragma once
#include <cstdint>
#include <type_traits>

#include "convkit/conv2d.h"

namespace convkit {

// One run of consecutive output positions inside a panel of the implicit GEMM: lanes
// [lane, lane + len) read the padded input at tap + off + (l - lane) (see padded-input.h).
struct igemm_segment {
  int64_t lane, len, off;
};


// ---- contracts ---------------------------------------------------------------------------

// The conv2d epilogue over one run of n outputs (f32_conv2d_epilogue__*), every path's
// shared helper (one per ISA; the in-register kernels use the same arithmetic):
//   dst[j] = act(src[j] + (bc ? bc[j] : bv) + (res ? res[j] : 0)),  j < n
// dst may be src; res, bc may be null. Sigmoid-based activations use an exp polynomial
// (relative error about 2e-7; 0 below e^-104); NaN stays NaN.
using f32_conv2d_epilogue_fn = void (*)(float* dst, const float* src, int64_t n, float bv,
                                        const float* bc, const float* res, activation act);
// The epilogue over a block of rows in place (f32_conv2d_epilogue_rows__*): row r of y (row
// stride ld, cols outputs) as f32_conv2d_epilogue_fn with bv = bias[r] (bias_per_row, NCHW
// rows of positions) or bc = bias (per column, NHWC rows of channels), res with y's stride.
// One call per block: the NHWC rows of a few channels cost more in calls than in arithmetic.
using f32_conv2d_epilogue_rows_fn = void (*)(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                                             bool bias_per_row, const float* res, activation act);
// The body of every ISA's f32_conv2d_epilogue_rows__*: run_row(dst, src, n, bv, bc, res) is its
// per-activation row loop.
// Contiguous rows (ld == cols) of fewer than 64 channels run as one flat run per 16 rows
// against the bias repeated 16 times: whole vectors, no masked tail on every row (NHWC rows of
// 24 channels, one vector and a masked half each, ran slower than plain loops).
template <class RunRow>
inline void epilogue_each_row(RunRow run_row, float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                              bool bias_per_row, const float* res) {
  int64_t r = 0;
  if (ld == cols && cols < 64 && (!bias_per_row || bias == nullptr)) {
    constexpr int64_t kRows = 16;
    float rep[kRows * 64];
    if (bias != nullptr) {
      for (int64_t i = 0; i < kRows; ++i) {
        for (int64_t j = 0; j < cols; ++j) rep[i * cols + j] = bias[j];
      }
    }
    for (; r + kRows <= rows; r += kRows) {
      float* yr = y + r * ld;
      run_row(yr, yr, kRows * cols, 0.0f, bias != nullptr ? rep : nullptr, res != nullptr ? res + r * ld : nullptr);
    }
  }
  for (; r < rows; ++r) {
    float* yr = y + r * ld;
    run_row(yr, yr, cols, bias != nullptr && bias_per_row ? bias[r] : 0.0f, bias_per_row ? nullptr : bias,
            res != nullptr ? res + r * ld : nullptr);
  }
}
// Calls f(std::integral_constant<activation, A>{}) for A = act and returns what it returns: the
// epilogues' one switch from the run-time activation to their per-activation templates.
template <typename F>
inline auto with_activation(activation act, F f) {
  switch (act) {
    case activation::relu: return f(std::integral_constant<activation, activation::relu>{});
    case activation::relu6: return f(std::integral_constant<activation, activation::relu6>{});
    case activation::sigmoid: return f(std::integral_constant<activation, activation::sigmoid>{});
    case activation::silu: return f(std::integral_constant<activation, activation::silu>{});
    case activation::hard_swish: return f(std::integral_constant<activation, activation::hard_swish>{});
    case activation::none: break;
  }
  return f(std::integral_constant<activation, activation::none>{});
}
// Direct convolution of one block of rows <= 8 output channels (f32_conv2d_direct_*);
// res (or null) is the residual with y's row stride ldy.
using f32_conv2d_direct_fn = void (*)(int64_t kd, const int64_t* tap, const float* w,
                                      const float* x, int64_t n, float* y, int64_t ldy,
                                      int64_t rows, const float* bias, const float* res,
                                      activation act);
// Direct NHWC convolution of one output row, channels in the vector lanes
// (f32_conv2d_direct_nhwc_row*): y[i * ldy + c] = act(bias[c] + sum_k w[k * ldw + c] *
// x[tap[k] + i * sc] + res[i * ldy + c]) for positions i < n, channels c < cout. x: the row's
// first window in a padded NHWC image (tap[k]: tap k's offset from it, sc: stride * Cin); w:
// [kd][ldw] with ldw >= cout rounded up to 16 and zeros past cout; bias: ldw floats (zeros
// where the conv has none); ldy >= cout: y's pixel stride (more when y is a channel slice,
// conv2d_params::y_channels); res (or null, and then ldy == cout): the residual's row, like y.
using f32_conv2d_direct_nhwc_row_fn = void (*)(int64_t kd, const int64_t* tap, const float* w, int64_t ldw,
                                               const float* x, int64_t sc, int64_t n, const float* bias,
                                               int64_t cout, int64_t ldy, float* y, const float* res,
                                               activation act);
// A direct kernel's tile [rows <= 8][ld] stored as NHWC positions:
// y[i * ldy + j] = tile[j * ld + i], j < rows, i < cnt (f32_conv2d_tile_to_nhwc*).
using f32_conv2d_tile_to_nhwc_fn = void (*)(const float* tile, int64_t ld, float* y, int64_t ldy,
                                            int64_t cnt, int64_t rows);
// Depthwise, one channel, one output row over a padded plane (f32_dwconv_ukernel_1x*);
// res (or null): the residual's row.
using f32_dwconv_row_fn = void (*)(int64_t kd, const int64_t* tap, const float* w,
                                   const float* x, int64_t n, float* y, float bias,
                                   const float* res, activation act);
// Depthwise NHWC, multiplier 1, one output row (f32_dwconv_nhwc_row*); rrow (or null): the
// residual's row, [OW, C] like yrow; the activation is p.act.
using f32_dwconv_nhwc_row_fn = void (*)(const conv2d_params& p, const float* x_n,
                                        const float* wt, const float* b, int64_t oh,
                                        float* yrow, const float* rrow);
// One implicit-GEMM panel packed from the padded input (f32_igemm_pack_panel*).
using f32_igemm_pack_panel_fn = void (*)(int64_t kc, const int64_t* tap, const float* x,
                                         const igemm_segment* seg, int64_t nseg, int64_t r,
                                         float* dst);
// One row of a padded copy, stride 1 (f32_igemm_pad_row*).
using f32_igemm_pad_row_fn = void (*)(const float* s, int64_t pl, int64_t w, int64_t rowlen,
                                      float* dst);
// A GEMM tile reading A in place (f32_gemm_ukernel_*_arows*).
using f32_gemm_arows_fn = void (*)(int64_t kc, const float* a, int64_t lda, int64_t m,
                                   const float* b, float* c, int64_t ldc, float beta);
// The direct dw of a stride-1 NCHW convolution (f32_conv2d_backward_filter_direct_*): over nq
// flat positions q (a multiple of 16), for c < nc and t < nt,
//   acc[c*lda + t*16 + l] += sum over q = l (mod 16) of dy[c*ldd + q] * x[q + off[t]],
// the 16 lanes kept apart (the caller sums them). x is readable at every q + off[t].
using f32_conv2d_backward_filter_direct_fn = void (*)(int64_t nq, const float* dy, int64_t ldd, int64_t nc,
                                                      const float* x, const int64_t* off, int64_t nt, float* acc,
                                                      int64_t lda);
// The dw tile reading B in place (f32_conv2d_backward_filter_ukernel_*).
using f32_conv2d_backward_filter_tile_fn = void (*)(int64_t kc, const float* a, const float* b,
                                                    int64_t ldb, float* c, int64_t ldc,
                                                    bool accumulate);

// Winograd F(2x2, 3x3) transforms, vectorized over channels (f32_winograd_f2k3_*):
//   input:  one 4x4 patch d of cc channels, src[i*4 + j] -> pixel (i, j) (cc contiguous floats)
//           or nullptr for zeros; dst[k*ldk + c] = (B^T d B)[k] for c < cc.
//   weight: one output channel's 3x3 taps of cc input channels, g[(kh*3 + kw)*ld + c];
//           dst[k*ldk + c] = (G g G^T)[k].
//   output: m[k*ks + c] for c < cn (one tile's 16 products per channel);
//           dst[q][c] = act((A^T m A)[q] + bias[c] + res[q][c]), q = (0,0), (0,1), (1,0), (1,1);
//           dst[q] == nullptr skips that output (clipped); bias may be nullptr; res is
//           nullptr (no residual) or 4 pointers like dst.
//           Returns false when any written value was Inf or NaN before the residual and the
//           activation (the caller then recomputes the conv by the direct sum: see
//           conv2d_winograd).
using winograd_input_fn = void (*)(const float* const* src, int64_t cc, float* dst, int64_t ldk);
// The filter gradient's dy transform (conv2d-backward-filter-winograd.cc): one 2x2 tile d of
// dy, src[i*2 + j] -> pixel (i, j) (cc contiguous floats) or nullptr for zeros (past the
// output's last row / column); (A d A^T)[k] of channel c goes to
// dst[k*ldk + (c / panel)*pstride + c % panel] (the GEMM's packed A panels of `panel` rows).
using winograd_dy_fn = void (*)(const float* const* src, int64_t cc, float* dst, int64_t ldk, int64_t panel,
                                int64_t pstride);
using winograd_weight_fn = void (*)(const float* g, int64_t ld, int64_t cc, float* dst,
                                    int64_t ldk);
using winograd_output_fn = bool (*)(const float* m, int64_t ks, int64_t cn, const float* bias,
                                    const float* const* res, activation act, float* const* dst);

// ---- portable (every machine) ------------------------------------------------------------

// f32_conv2d_epilogue_fn and its one-value form, plain C++ (ukernel/f32-conv2d-epilogue-scalar.cc).
void f32_conv2d_epilogue__scalar(float* dst, const float* src, int64_t n, float bv,
                                 const float* bc, const float* res, activation act);
void f32_conv2d_epilogue_rows__scalar(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                                      bool bias_per_row, const float* res, activation act);
float f32_conv2d_activate__scalar(activation act, float v);

// f32_igemm_pack_panel_fn, element by element (ukernel/f32-igemm-pack-scalar.cc).
void f32_igemm_pack_panel__scalar(int64_t kc, const int64_t* tap, const float* x,
                                  const igemm_segment* seg, int64_t nseg, int64_t r, float* dst);
// winograd_*_fn, one channel at a time (ukernel/f32-winograd-f2k3-scalar.cc).
void f32_winograd_f2k3_input__scalar(const float* const* src, int64_t cc, float* dst, int64_t ldk);
void f32_winograd_f2k3_dy__scalar(const float* const* src, int64_t cc, float* dst, int64_t ldk,
                                  int64_t panel, int64_t pstride);
void f32_winograd_f2k3_weight__scalar(const float* g, int64_t ld, int64_t cc, float* dst,
                                      int64_t ldk);
bool f32_winograd_f2k3_output__scalar(const float* m, int64_t ks, int64_t cn, const float* bias,
                                      const float* const* res, activation act, float* const* dst);

#if defined(__x86_64__) || defined(_M_X64)
// ---- AVX2 + FMA --------------------------------------------------------------------------

// f32_conv2d_epilogue_fn, 8 lanes (ukernel/f32-conv2d-epilogue-avx2.cc).
void f32_conv2d_epilogue__avx2(float* dst, const float* src, int64_t n, float bv,
                               const float* bc, const float* res, activation act);
void f32_conv2d_epilogue_rows__avx2(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                                    bool bias_per_row, const float* res, activation act);
// f32_conv2d_direct_fn, 8 channels (two passes of 4) x 24 positions, and
// f32_conv2d_tile_to_nhwc_fn (ukernel/f32-conv2d-direct-avx2.cc).
void f32_conv2d_direct_ukernel_8x24__avx2(int64_t kd, const int64_t* tap, const float* w, const float* x,
                                          int64_t n, float* y, int64_t ldy, int64_t rows, const float* bias,
                                          const float* res, activation act);
void f32_conv2d_tile_to_nhwc__avx2(const float* tile, int64_t ld, float* y, int64_t ldy, int64_t cnt, int64_t rows);
// f32_conv2d_direct_nhwc_row_fn: 12 positions x 8 or 6 x 16 channels
// (ukernel/f32-conv2d-direct-nhwc-avx2.cc).
void f32_conv2d_direct_nhwc_row__avx2(int64_t kd, const int64_t* tap, const float* w, int64_t ldw,
                                      const float* x, int64_t sc, int64_t n, const float* bias, int64_t cout,
                                      int64_t ldy, float* y, const float* res, activation act);
// The direct dw kernel on 8 lanes, blocks of 3 dy rows x 4 taps
// (ukernel/f32-conv2d-backward-filter-direct-avx2.cc).
void f32_conv2d_backward_filter_direct__avx2(int64_t nq, const float* dy, int64_t ldd, int64_t nc, const float* x,
                                             const int64_t* off, int64_t nt, float* acc, int64_t lda);
// f32_dwconv_row_fn, 4 vectors of 8 positions (ukernel/f32-dwconv-avx2.cc).
void f32_dwconv_ukernel_1x32__avx2(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t n,
                                   float* y, float bias, const float* res, activation act);
// f32_dwconv_nhwc_row_fn, up to 4 vectors of 8 channels (ukernel/f32-dwconv-avx2.cc).
void f32_dwconv_nhwc_row__avx2(const conv2d_params& p, const float* x_n, const float* wt, const float* b, int64_t oh,
                               float* yrow, const float* rrow);
// winograd_*_fn over 8 channels per vector, the tail by the portable transforms (the dy
// transform's masked) (ukernel/f32-winograd-f2k3-avx2.cc).
void f32_winograd_f2k3_input__avx2(const float* const* src, int64_t cc, float* dst, int64_t ldk);
void f32_winograd_f2k3_dy__avx2(const float* const* src, int64_t cc, float* dst, int64_t ldk,
                                int64_t panel, int64_t pstride);
void f32_winograd_f2k3_weight__avx2(const float* g, int64_t ld, int64_t cc, float* dst,
                                    int64_t ldk);
bool f32_winograd_f2k3_output__avx2(const float* m, int64_t ks, int64_t cn, const float* bias,
                                    const float* const* res, activation act, float* const* dst);

// ---- AVX-512 -----------------------------------------------------------------------------

// f32_conv2d_epilogue_fn, 16 lanes (ukernel/f32-conv2d-epilogue-avx512.cc; the kernels below
// apply the same arithmetic in registers: ukernel/activation-avx512.h).
void f32_conv2d_epilogue__avx512(float* dst, const float* src, int64_t n, float bv,
                                 const float* bc, const float* res, activation act);
void f32_conv2d_epilogue_rows__avx512(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                                      bool bias_per_row, const float* res, activation act);

// Direct convolution of one block of 8 output channels over n output positions that read
// the input at a fixed offset per tap (a zero-padded, stride-phase-split copy of the input,
// built by the driver):
//   y[j*ldy + i] = act(bias[j] + sum_{k<kd} w[k*8 + j] * x[tap[k] + i] + res[j*ldy + i]),
//   j < rows, i < n (no res term when res is null)
// w: [kd][8] (channels past the real ones zero), bias: 8 floats, rows <= 8.
// Reads x[tap[k] + i] only for i < n (masked tails).
void f32_conv2d_direct_ukernel_8x48__avx512(int64_t kd, const int64_t* tap, const float* w,
                                            const float* x, int64_t n, float* y, int64_t ldy,
                                            int64_t rows, const float* bias, const float* res,
                                            activation act);

void f32_conv2d_tile_to_nhwc__avx512(const float* tile, int64_t ld, float* y, int64_t ldy,
                                     int64_t cnt, int64_t rows);
// f32_conv2d_direct_nhwc_row_fn: 24 positions x 16, 12 x 32 or 6 x 64 channels
// (ukernel/f32-conv2d-direct-nhwc-avx512.cc).
void f32_conv2d_direct_nhwc_row__avx512(int64_t kd, const int64_t* tap, const float* w, int64_t ldw,
                                        const float* x, int64_t sc, int64_t n, const float* bias, int64_t cout,
                                        int64_t ldy, float* y, const float* res, activation act);

// Depthwise, one channel: y[i] = act(bias + sum_{k<kd} w[k] * x[tap[k] + i] + res[i]), i < n.
void f32_dwconv_ukernel_1x64__avx512(int64_t kd, const int64_t* tap, const float* w,
                                     const float* x, int64_t n, float* y, float bias,
                                     const float* res, activation act);

// Depthwise NHWC, channel multiplier 1, one output row oh of image x_n [H, W, C]:
// yrow [OW, C]; wt [KH*KW, C] (the weight transposed); b [C] or nullptr; rrow [OW, C] or
// nullptr (the residual). Vectorized over C.
void f32_dwconv_nhwc_row__avx512(const conv2d_params& p, const float* x_n, const float* wt,
                                 const float* b, int64_t oh, float* yrow, const float* rrow);

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
// The direct dw kernel (ukernel/f32-conv2d-backward-filter-direct-avx512.cc): blocks of 4 dy rows x 6 taps.
void f32_conv2d_backward_filter_direct__avx512(int64_t nq, const float* dy, int64_t ldd, int64_t nc, const float* x,
                                               const int64_t* off, int64_t nt, float* acc, int64_t lda);
// winograd_*_fn over 16 channels per vector (ukernel/f32-winograd-f2k3-avx512.cc).
void f32_winograd_f2k3_input__avx512(const float* const* src, int64_t cc, float* dst, int64_t ldk);
void f32_winograd_f2k3_dy__avx512(const float* const* src, int64_t cc, float* dst, int64_t ldk,
                                  int64_t panel, int64_t pstride);
void f32_winograd_f2k3_weight__avx512(const float* g, int64_t ld, int64_t cc, float* dst,
                                      int64_t ldk);
bool f32_winograd_f2k3_output__avx512(const float* m, int64_t ks, int64_t cn, const float* bias,
                                      const float* const* res, activation act, float* const* dst);
#endif

}  // namespace convkit
