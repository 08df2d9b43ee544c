// Sigmoid and its gradient, portable (contracts in ukernels.h).
#include <cmath>

#include "activation/ukernel/ukernels.h"

namespace convkit {

void f32_vsigmoid__scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    // Both branches stay in range: exp of a non-positive number never overflows.
    if (v >= 0.0f) {
      y[i] = 1.0f / (1.0f + std::exp(-v));
    } else {
      const float e = std::exp(v);
      y[i] = e / (1.0f + e);
    }
  }
}

// t is the forward's output s: ds/dx = s (1 - s).
void f32_vsigmoid_backward__scalar(const float* dy, const float* t, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * t[i] * (1.0f - t[i]);
}

}  // namespace convkit
