// ReLU and its gradient, portable (contracts in ukernels.h).
#include "activation/ukernel/ukernels.h"

namespace convkit {

void f32_vrelu__scalar(const float* x, float* y, int64_t n) {
  // x < 0 ? 0 : x keeps NaN (as PyTorch does).
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void f32_vrelu_backward__scalar(const float* dy, const float* t, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = t[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace convkit
