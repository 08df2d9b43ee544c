// Tanh and its gradient, portable (contracts in ukernels.h).
#include <cmath>

#include "activation/ukernel/ukernels.h"

namespace convkit {

void f32_vtanh__scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

// t is the forward's output: d tanh/dx = 1 - tanh^2.
void f32_vtanh_backward__scalar(const float* dy, const float* t, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - t[i] * t[i]);
}

}  // namespace convkit
