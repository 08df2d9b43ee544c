// Element-wise activations and softmax of the convkit core. No Node here.
#pragma once
#include <cstdint>

namespace convkit {

void relu(const float* x, float* y, int64_t n);
void sigmoid(const float* x, float* y, int64_t n);
void tanh(const float* x, float* y, int64_t n);

// x, y viewed as [outer, axis, inner]; softmax (or log-softmax) along the middle axis,
// numerically stable (max subtracted). y may alias x.
void softmax(const float* x, float* y, int64_t outer, int64_t axis, int64_t inner, bool log);

}  // namespace convkit
