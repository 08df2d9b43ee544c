// The depthwise family's config (groups == Cin > 1): row kernels of the forward pass, filled
// once from the active ISA. Null: dwconv.cc's portable loops (vectorized by the compiler)
// take that layout. The backward passes are portable loops on every machine today.
#pragma once

#include "conv2d/ukernel/ukernels.h"

namespace convkit {

struct dwconv_config {
  // NCHW, any channel multiplier: one output row of one channel over a padded plane.
  f32_dwconv_row_fn nchw_row;
  // NHWC, multiplier 1: one output row, vectorized over channels.
  f32_dwconv_nhwc_row_fn nhwc_row;
};

const dwconv_config& get_dwconv_config();

}  // namespace convkit
