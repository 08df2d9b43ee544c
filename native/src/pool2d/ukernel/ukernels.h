// Declarations of the pooling kernels, one kind per file: ukernel/f32-maxpool-*, f32-avgpool-*,
// f32-gavgpool-*, f32-gmaxpool-*, f32-maxpool-backward-* and f32-avgpool-backward-* (the
// row-buffer scratch sizes of max and avg forward: f32-pool-scratch-*). The __scalar kernels
// are built in the core (no ISA flags) and run everywhere; the others are compiled with their
// ISA's flags. configs/pool2d-config.cc picks one kernel per slot for this machine, and
// pool2d.cc calls what the config holds. Kernels of one kind share one contract (the
// f32_*_ukernel types below, of which configs/pool2d-config.h's slots hold pointers), so an
// AVX2 or NEON kernel fills the same slot.
// Internal to native/src/pool2d. Semantics as in convkit/pool2d.h.
#pragma once
#include <cstdint>

#include "convkit/pool2d.h"

namespace convkit {

// One axis of an avg window: cells [lo, hi) inside the input, and the count_include_pad span
// (cells inside [-pad_before, size + pad_after), counted before clipping to the input).
struct axis_window {
  int64_t lo, hi, span;
};

// NHWC backward kernels that own images x channel blocks: at most this many channels a call.
constexpr int64_t kPoolChannelBlock = 64;

// Average divisors, shared by the avg kernels: the reciprocal of output (oh, ow)'s divisor is
// inv[row_of[oh] * OW + ow] (0 where the window has no divisor). Rows with the same row
// divisor share one row of inv, so the table stays a few rows long.
struct avg_inverse {
  const float* inv;
  const int32_t* row_of;  // [OH]
  // Output column ow's window [OW] (pool-window.h avg_window): the portable kernels take their
  // divisors from the windows, int64 products of the spans, as they always have.
  const axis_window* out_cols;
};

// Columns of the avg backward: input column iw receives the outputs ow in
// [col_lo[iw], col_lo[iw] + col_cnt[iw]) (every window whose columns hold iw).
struct avg_columns {
  const int32_t* col_lo;   // [W]
  const int32_t* col_cnt;  // [W]
  int32_t max_cnt;         // the largest col_cnt
};

// The windows of the 2x2 stride-2 max backward kernels below.
inline bool maxpool_backward_is_2x2s2(const pool2d_params& p) {
  return p.kernel_h == 2 && p.kernel_w == 2 && p.stride_h == 2 && p.stride_w == 2 && p.dilation_h == 1 &&
         p.dilation_w == 1 && p.pad_top == 0 && p.pad_left == 0;
}

// The kernel kinds: every kernel of a kind, whatever its ISA, is declared below with its
// kind's type, and configs/pool2d-config.h holds pointers to them (one slot per kind).
// Floats of per-thread scratch a kernel needs for p (null slot: none).
using f32_pool_scratch_ukernel = int64_t(const pool2d_params& p);
// Whether a kernel handles p's window (null: every window the driver sends).
using f32_pool_supports_ukernel = bool(const pool2d_params& p);

// Forward. NCHW: one plane xc [H, W] -> yc [OH, OW]. NHWC: output row oh of image x_n
// [H, W, C] -> yrow [OW, C]. Avg float sums that overflow are the driver's (util/fp-overflow.h).
using f32_maxpool_nchw_ukernel = void(const pool2d_params& p, const float* xc, float* yc, float* scratch);
using f32_maxpool_nhwc_ukernel = void(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow,
                                      float* scratch);
using f32_avgpool_nchw_ukernel = void(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                      float* scratch);
using f32_avgpool_nhwc_ukernel = void(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                      float* yrow, float* scratch);

// Max backward. NCHW: one plane. NHWC: channels [c0, c0 + nc) of one image, nc <= 64.
// 2x2s2 (windows that tile the input): NCHW one plane; NHWC output row oh's two input rows.
using f32_maxpool_backward_nchw_ukernel = void(const pool2d_params& p, const float* dyc, const float* xc,
                                               float* dxc, float* scratch);
using f32_maxpool_backward_nhwc_ukernel = void(const pool2d_params& p, const float* dy_n, const float* x_n,
                                               int64_t c0, int64_t nc, float* dx_n);
using f32_maxpool_backward_2x2s2_nchw_ukernel = void(const pool2d_params& p, const float* dyc, const float* xc,
                                                     float* dxc);
using f32_maxpool_backward_2x2s2_nhwc_ukernel = void(const pool2d_params& p, const float* dy_n,
                                                     const float* x_n, int64_t oh, float* dx_n);

// Avg backward. NCHW: one plane. NHWC either input row ih of one image (dxrow [W, C]) or
// channels [c0, c0 + nc) of one image, nc <= 64 (two task shapes, two slots).
using f32_avgpool_backward_nchw_ukernel = void(const pool2d_params& p, const avg_inverse& d,
                                               const avg_columns& cols, const float* dyc, float* dxc,
                                               float* scratch);
using f32_avgpool_backward_nhwc_row_ukernel = void(const pool2d_params& p, const avg_inverse& d,
                                                   const avg_columns& cols, const float* dy_n, int64_t ih,
                                                   float* dxrow, float* scratch);
using f32_avgpool_backward_nhwc_block_ukernel = void(const pool2d_params& p, const avg_inverse& d,
                                                     const avg_columns& cols, const float* dy_n, int64_t c0,
                                                     int64_t nc, float* dx_n);

// Global: NCHW y[c] over x[c*hw, c*hw + hw); NHWC y[c] over x[i*channels + c], i < hw.
using f32_gavgpool_ukernel = void(const float* x, int64_t channels, int64_t hw, float* y);
using f32_gmaxpool_ukernel = void(const float* x, int64_t channels, int64_t hw, float* y);

// ---- Portable kernels (f32-*-scalar.cc), built without ISA flags. ----
// Same tasks and contracts as the AVX-512 kernels below unless said otherwise; they need no
// scratch (their scratch argument may be null). Results are those of the loops that lived in
// pool2d.cc before: each loop is the same, only its home moved.
// Forward: max keeps NaN; avg sums in float and scales by 1 / divisor (the divisor an int64
// product of spans).
// The avg kernels read only d.out_cols of d (their divisors come from the windows).
f32_maxpool_nchw_ukernel f32_maxpool_nchw_plane__scalar;
f32_maxpool_nhwc_ukernel f32_maxpool_nhwc_row__scalar;
f32_avgpool_nchw_ukernel f32_avgpool_nchw_plane__scalar;
f32_avgpool_nhwc_ukernel f32_avgpool_nhwc_row__scalar;
// The same kernels built with the AVX2 flags (f32-pool-avx2.cc).
f32_maxpool_nchw_ukernel f32_maxpool_nchw_plane__avx2;
f32_maxpool_nhwc_ukernel f32_maxpool_nhwc_row__avx2;
f32_avgpool_nchw_ukernel f32_avgpool_nchw_plane__avx2;
f32_avgpool_nhwc_ukernel f32_avgpool_nhwc_row__avx2;
// The AVX2 NCHW avg kernel's row buffer (f32-pool-avx2.cc).
int64_t f32_pool_nchw_scratch__avx2(const pool2d_params& p);
// Max backward, any window: NCHW one plane; NHWC channels [c0, c0 + nc) of one image,
// nc <= kPoolChannelBlock. dx zeroed, then each window's dy added at its first maximum.
f32_maxpool_backward_nchw_ukernel f32_maxpool_backward_nchw_plane__scalar;
f32_maxpool_backward_nhwc_ukernel f32_maxpool_backward_nhwc__scalar;
// Avg backward: NCHW one plane dyc [OH, OW] -> dxc [H, W] (windows in output scan order,
// dy / divisor). NHWC: channels [c0, c0 + nc) of one image (tasks as the max backward's,
// not the AVX-512 kernel's input rows), dy_n [OH, OW, C] -> dx_n [H, W, C].
f32_avgpool_backward_nchw_ukernel f32_avgpool_backward_nchw_plane__scalar;
f32_avgpool_backward_nhwc_block_ukernel f32_avgpool_backward_nhwc__scalar;
// The same, built with the AVX2 flags (f32-pool-avx2.cc), but NCHW average.
f32_maxpool_backward_nchw_ukernel f32_maxpool_backward_nchw_plane__avx2;
f32_maxpool_backward_nhwc_ukernel f32_maxpool_backward_nhwc__avx2;
f32_avgpool_backward_nhwc_block_ukernel f32_avgpool_backward_nhwc__avx2;
// Global average (as f32_gavgpool_*__avx512) and
// global max (NaN wins): NCHW y[c] over x[c*hw .. c*hw + hw); NHWC y[c] over x[i*channels + c].
f32_gavgpool_ukernel f32_gavgpool_nchw__scalar;
f32_gavgpool_ukernel f32_gavgpool_nhwc__scalar;
f32_gmaxpool_ukernel f32_gmaxpool_nchw__scalar;
f32_gmaxpool_ukernel f32_gmaxpool_nhwc__scalar;

#if defined(__x86_64__) || defined(_M_X64)
// Scratch floats the row-buffer kernels below need (per calling thread).
f32_pool_scratch_ukernel f32_pool_nchw_scratch__avx512;
f32_pool_scratch_ukernel f32_pool_nhwc_scratch__avx512;
f32_pool_scratch_ukernel f32_avgpool_backward_scratch__avx512;

// One plane: xc [H, W] -> yc [OH, OW]. Separable: the window's valid rows fold into a padded
// row buffer (padding -inf for max, 0 for avg), then the taps along W read the buffer with
// unaligned loads (stride 1), an even-lane permute (stride 2) or a gather. Max with
// kernel_w == stride_w == 2 (no left pad, no dilation) folds rows and pairs in registers.
// The avg kernels (here, NHWC rows and global below) spend nothing on float sums that
// overflow: the driver watches the thread's overflow flag (util/fp-overflow.h) and fixes
// those outputs up only when it went up.
f32_maxpool_nchw_ukernel f32_maxpool_nchw_plane__avx512;
f32_avgpool_nchw_ukernel f32_avgpool_nchw_plane__avx512;
// One output row oh of image x_n [H, W, C] -> yrow [OW, C]. Vectorized over C. With
// overlapping windows along W (kernel_w * dilation_w > stride_w) the valid rows first fold
// into a padded [W, C] buffer; otherwise every tap is read straight from x.
f32_maxpool_nhwc_ukernel f32_maxpool_nhwc_row__avx512;
f32_avgpool_nhwc_ukernel f32_avgpool_nhwc_row__avx512;
// Global average: NCHW y[c] = mean of x[c*hw .. c*hw + hw) for c < channels;
// NHWC y[c] = mean over i < hw of x[i*channels + c].
f32_gavgpool_ukernel f32_gavgpool_nchw__avx512;
f32_gavgpool_ukernel f32_gavgpool_nhwc__avx512;

// Max backward for 2x2 windows at stride 2, no top/left padding, no dilation (the
// windows tile the input): every dx cell is written exactly once, dy or 0. NCHW: one plane.
// NHWC: input rows 2*oh, 2*oh + 1 of one image (and rows 2*OH.. when oh is the last row).
f32_maxpool_backward_2x2s2_nchw_ukernel f32_maxpool_backward_2x2s2_nchw_plane__avx512;
f32_maxpool_backward_2x2s2_nhwc_ukernel f32_maxpool_backward_2x2s2_nhwc_row__avx512;
// Max backward for any window with kernel_h * kernel_w <= 64 and stride_w <= 16
// (f32_maxpool_backward_supported__avx512). Each dx cell sums the dy of the windows whose
// first maximum (scan order, the first NaN wins) it is, in output scan order, like
// max_pool2d_backward_ref. NCHW: one plane, with f32_maxpool_backward_scratch__avx512(p)
// floats of scratch. NHWC: channels [c0, c0 + nc) of one image, nc <= 64.
f32_pool_supports_ukernel f32_maxpool_backward_supported__avx512;
f32_pool_scratch_ukernel f32_maxpool_backward_scratch__avx512;
f32_maxpool_backward_nchw_ukernel f32_maxpool_backward_nchw_plane__avx512;
f32_maxpool_backward_nhwc_ukernel f32_maxpool_backward_nhwc__avx512;
// Avg backward, one input row ih at a time, written once: the outputs whose windows hold
// row ih are summed (dy * inverse divisor) into a row buffer, then spread along W.
// NCHW: one plane dyc [OH, OW] -> dxc [H, W]. NHWC: row ih of image n, dy_n [OH, OW, C] ->
// dxrow [W, C].
f32_avgpool_backward_nchw_ukernel f32_avgpool_backward_nchw_plane__avx512;
f32_avgpool_backward_nhwc_row_ukernel f32_avgpool_backward_nhwc_row__avx512;
#endif

}  // namespace convkit
