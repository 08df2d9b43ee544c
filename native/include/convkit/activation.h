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
enum class activation_kind : int32_t {
  relu = 0, sigmoid = 1, tanh = 2, neg = 3, exp = 4, log = 5, sqrt = 6, abs = 7, clamp = 8,
  leaky_relu = 9, relu6 = 10, silu = 11, gelu = 12, hard_sigmoid = 13, hard_swish = 14,
};
void activation_backward(activation_kind kind, const float* dy, const float* t, float* dx,
                         int64_t n);

// Every element-wise unary op, forward: y = f(x), y may alias x. params: clamp {min, max},
// leaky_relu {slope}; null for the others. gelu is the exact erf form, hard_sigmoid
// relu6(x + 3) / 6, hard_swish x * hard_sigmoid(x) (as PyTorch). Threaded for large n.
void activation(activation_kind kind, const float* x, float* y, int64_t n, const float* params);
// Their gradients from dy and the saved tensor t: the output y for sigmoid and tanh, the input x
// for the others (PyTorch's: clamp passes min <= x <= max, relu6 0 < x < 6, hard_sigmoid
// -3 < x < 3, abs sign(x) with sign(0) = sign(NaN) = 0). dx may alias dy or t.
void activation_backward(activation_kind kind, const float* dy, const float* t, float* dx, int64_t n,
                         const float* params);

// Gradient of softmax (log == false) or log-softmax (log == true) along the middle axis of
// [outer, axis, inner], from dy and the forward output y:
//   softmax:     dx = y * (dy - sum_axis(dy * y))
//   log-softmax: dx = dy - exp(y) * sum_axis(dy)
// dx may alias dy.
void softmax_backward(const float* dy, const float* y, float* dx, int64_t outer, int64_t axis,
                      int64_t inner, bool log);

}  // namespace convkit
