// The element-wise family's config: one kernel per activation and gradient, filled once.
// relu, sigmoid and tanh keep their portable kernels; the unary table holds every kind at the
// active ISA level (AVX-512, AVX2+FMA or scalar).
#pragma once

#include "activation/ukernel/ukernels.h"
#include "elementwise/ukernel/ukernels.h"

namespace convkit {

struct activation_config {
  f32_vunary_fn relu, sigmoid, tanh;
  f32_vunary_backward_fn relu_backward, sigmoid_backward, tanh_backward;
  // Every activation_kind, vectorized at the active ISA level (elementwise/ukernel).
  f32_vunary_params_fn unary[kActivationKinds];
  f32_vunary_backward_params_fn unary_backward[kActivationKinds];
};

const activation_config& get_activation_config();

}  // namespace convkit
