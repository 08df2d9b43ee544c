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

// Gradients of the element-wise activations from dy and the tensor the forward saved:
//   relu:    t = x, dx = t > 0 ? dy : 0      (NaN t gives 0)
//   sigmoid: t = y, dx = dy * t * (1 - t)
//   tanh:    t = y, dx = dy * (1 - t * t)
// dx may alias dy or t.
enum class activation_kind : int32_t { relu = 0, sigmoid = 1, tanh = 2 };
void activation_backward(activation_kind kind, const float* dy, const float* t, float* dx,
                         int64_t n);

// Gradient of softmax (log == false) or log-softmax (log == true) along the middle axis of
// [outer, axis, inner], from dy and the forward output y:
//   softmax:     dx = y * (dy - sum_axis(dy * y))
//   log-softmax: dx = dy - exp(y) * sum_axis(dy)
// dx may alias dy.
void softmax_backward(const float* dy, const float* y, float* dx, int64_t outer, int64_t axis,
                      int64_t inner, bool log);

}  // namespace convkit
