// The conv2d family's config (dense convolution: direct, implicit GEMM, the in-place GEMM
// tiles of the forward and backward-filter passes, the algorithm switch). Filled once from
// the active ISA (convkit/isa.h); a null kernel means that path does not exist on this
// machine, and the drivers (conv2d.cc, conv2d-igemm.cc, padded-input.cc,
// conv2d-backward-filter.cc) ask here instead of testing the ISA. Depthwise and Winograd
// have their own configs (dwconv-config.h, winograd-config.h).
#pragma once
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {

// CONVKIT_CONV_ALGO: automatic (the drivers' rules), igemm (never Winograd), winograd
// (Winograd for every shape it supports).
enum class conv_algo { automatic, igemm, winograd };

struct conv2d_config {
  conv_algo algo;
  // The epilogue (bias, residual, activation over a run of outputs) that every conv path's
  // driver finishes its tiles with: this ISA's (never null).
  f32_conv2d_epilogue_fn epilogue;
  // The same over a block of rows (never null).
  f32_conv2d_epilogue_rows_fn epilogue_rows;
  // Direct kernel for few input channels per group: 8 output channels per call over a run of
  // positions of a padded copy. Null: those shapes take the implicit GEMM.
  f32_conv2d_direct_fn direct;
  // Its tiles stored as NHWC positions (a transpose): set with `direct`.
  f32_conv2d_tile_to_nhwc_fn direct_to_nhwc;
  // NHWC convolutions of few input channels (<= 16: a stem) with the channels in the lanes, read
  // from a padded NHWC copy and written as pixels. Null: those take `direct` (and its
  // transposes) like NCHW ones.
  f32_conv2d_direct_nhwc_row_fn direct_nhwc;
  // Its vector width in channels: it takes layers of more than half a vector of output channels
  // (fewer leave most lanes idle; `direct`'s planar tiles of 8 channels then win).
  int64_t direct_nhwc_lanes;
  // Implicit GEMM: packs a position panel from the padded copy (never null).
  f32_igemm_pack_panel_fn pack_panel;
  // One padded row, stride 1, in one pass. Null: the element loops of pack_padded_rows.
  f32_igemm_pad_row_fn pad_row;
  // mr x nr and mr x arows_narrow_cols tiles reading the weights (A) in place, for
  // positions on the B side. Set only when the GEMM plan's tile is theirs (they take its
  // packed B panels), else both null.
  f32_gemm_arows_fn gemm_arows_wide, gemm_arows_narrow;
  int64_t arows_narrow_cols;
  // Backward filter: the mr x nr dw tile reading x (B) in place from the padded image, for
  // stride 1 and Cin/group a multiple of nr. Same condition as the arows tiles, else null.
  f32_conv2d_backward_filter_tile_fn backward_filter_in_place;
  // Backward filter of stride-1 NCHW layers with few channels (conv2d-backward-filter.cc's
  // direct path; AVX-512 and AVX2), for Cin/group x KH x KW up to backward_filter_direct_max_kd
  // (measured: past it the packed GEMM is as fast); null: those take the packed GEMM.
  f32_conv2d_backward_filter_direct_fn backward_filter_direct;
  int64_t backward_filter_direct_max_kd;
};

const conv2d_config& get_conv2d_config();

// Tests only (single-threaded, between calls): change a switch, run, restore.
conv2d_config& mutable_conv2d_config();

}  // namespace convkit
