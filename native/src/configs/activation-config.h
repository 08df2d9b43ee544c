// The element-wise family's config: one kernel per activation and gradient, filled once.
// Portable kernels on every machine today (the compiler vectorizes them); an ISA variant
// goes in its slot here, and activation.cc does not change.
#pragma once

#include "activation/ukernel/ukernels.h"

namespace convkit {

struct activation_config {
  f32_vunary_fn relu, sigmoid, tanh;
  f32_vunary_backward_fn relu_backward, sigmoid_backward, tanh_backward;
};

const activation_config& get_activation_config();

}  // namespace convkit
