// The Winograd F(2x2, 3x3) family's config: its transforms (never null: portable ones on
// every machine) and when the automatic choice takes it (conv2d-winograd.cc use_winograd).
#pragma once
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {

struct winograd_config {
  winograd_input_fn input;
  winograd_weight_fn weight;
  winograd_output_fn output;
  winograd_dy_fn dy;  // the filter gradient's (conv2d-backward-filter-winograd.cc)
  // The automatic choice takes Winograd only where the transforms are vectorized, and from
  // min_channels (min of Cin, Cout) and min_tiles (2x2 output tiles of the call) on.
  bool preferred;
  int64_t min_channels, min_tiles;
  // Floats of NHWC copies of one NCHW pass (CONVKIT_WINO_PASS_FLOATS; tests of the
  // multi-pass path set it small).
  int64_t pass_floats;
};

const winograd_config& get_winograd_config();

// Tests only (single-threaded, between calls): change a field, run, restore.
winograd_config& mutable_winograd_config();

}  // namespace convkit
