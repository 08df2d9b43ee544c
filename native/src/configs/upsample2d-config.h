// The upsample2d family's config: one kernel per row/pixel kind, filled once: AVX-512 for the
// forward rows and pixels where the CPU has it, AVX2 for the x2 rows and blend_rows at that
// level, portable otherwise (and for the gradients' scatter-adds); upsample2d.cc does not change
// with the ISA.
#pragma once

#include "upsample2d/ukernel/ukernels.h"

namespace convkit {

struct upsample2d_config {
  f32_upsample_nearest_row_fn nearest_row;
  f32_upsample_nearest_row_x2_fn nearest_row_x2;
  f32_upsample_linear_row_fn linear_row;
  f32_upsample_linear_row_x2_fn linear_row_x2;
  f32_upsample_bilinear_rows_x2_fn bilinear_rows_x2;
  f32_upsample_blend_rows_fn blend_rows;
  f32_upsample_bilinear_row_backward_fn bilinear_row_backward;
  f32_upsample_bilinear_pixel_fn bilinear_pixel;
  f32_upsample_bilinear_pixel_backward_fn bilinear_pixel_backward;
};

const upsample2d_config& get_upsample2d_config();

}  // namespace convkit
