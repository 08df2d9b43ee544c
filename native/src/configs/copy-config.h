// The data-movement kernels of this machine, chosen once per process from the active ISA.
#pragma once

#include "copy/ukernel/ukernels.h"

namespace convkit {

struct copy_config {
  f32_transpose_tile_fn transpose_tile;
};

const copy_config& get_copy_config();

}  // namespace convkit
