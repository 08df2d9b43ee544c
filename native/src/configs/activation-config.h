// The element-wise family's config: one kernel per activation kind and its gradient, filled
// once, at the active ISA level (AVX-512, AVX2+FMA or scalar; elementwise/ukernel).
#pragma once

#include "elementwise/ukernel/ukernels.h"

namespace convkit {

struct activation_config {
  f32_vunary_params_fn unary[kActivationKinds];
  f32_vunary_backward_params_fn unary_backward[kActivationKinds];
};

const activation_config& get_activation_config();

}  // namespace convkit
