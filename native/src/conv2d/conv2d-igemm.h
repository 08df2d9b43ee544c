// The general conv2d forward path: implicit GEMM over a padded copy of the input
// (conv2d-igemm.cc). Internal to native/src/conv2d.
#pragma once
#include "convkit/conv2d.h"

namespace convkit {

// Any convolution, either layout (conv2d's contract); the driver in conv2d.cc sends it the
// shapes that no specialized kernel takes.
// r: the residual (y's shape) or null.
void conv2d_igemm(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                  const float* r = nullptr);

}  // namespace convkit
