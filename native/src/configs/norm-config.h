// The batch-norm kernels of this machine, chosen once per process from the active ISA
// (convkit/isa.h): norm/batch-norm.cc calls what this table holds.
#pragma once

#include "norm/ukernel/ukernels.h"

namespace convkit {

struct norm_config {
  f32_bn_moments_row_fn moments_row;
  f32_bn_moments_rows_fn moments_rows;
  f32_bn_apply_row_fn apply_row;
  f32_bn_apply_rows_fn apply_rows;
  f32_bn_grad_sums_row_fn grad_sums_row;
  f32_bn_grad_sums_rows_fn grad_sums_rows;
  f32_bn_dx_row_fn dx_row;
  f32_bn_dx_rows_fn dx_rows;
};

const norm_config& get_norm_config();

}  // namespace convkit
