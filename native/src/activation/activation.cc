// Element-wise activations and softmax, forward and backward: memory-bound, one pass,
// threaded for large inputs; the element-wise kernels come from the activation config.
#include <algorithm>
#include <cmath>

#include "configs/activation-config.h"
#include "convkit/activation.h"
#include "convkit/parallel.h"

namespace convkit {
namespace {

constexpr int64_t kGrain = int64_t{1} << 16;  // elements per thread worth waking one

template <class F>
void elementwise(int64_t n, F f) {
  if (n >= 2 * kGrain) {
    parallel_for((n + kGrain - 1) / kGrain, [&](int64_t lo, int64_t hi) {
      f(lo * kGrain, std::min(n, hi * kGrain));
    });
  } else if (n > 0) {
    f(0, n);
  }
}

}  // namespace

// relu, sigmoid and tanh: the activation table's kernels for those kinds (no params).
void relu(const float* x, float* y, int64_t n) { activation(activation_kind::relu, x, y, n, nullptr); }
void sigmoid(const float* x, float* y, int64_t n) { activation(activation_kind::sigmoid, x, y, n, nullptr); }
void tanh(const float* x, float* y, int64_t n) { activation(activation_kind::tanh, x, y, n, nullptr); }

void softmax(const float* x, float* y, int64_t outer, int64_t axis, int64_t inner, bool log) {
  if (outer <= 0 || axis <= 0 || inner <= 0) return;
  // One task per (outer, inner) line along the axis; lines are `inner` apart.
  auto lines = [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t o = t / inner, i = t % inner;
      const float* xl = x + o * axis * inner + i;
      float* yl = y + o * axis * inner + i;
      float m = -INFINITY;
      for (int64_t k = 0; k < axis; ++k) m = std::max(m, xl[k * inner]);
      if (std::isinf(m) && m < 0) m = 0.0f;  // all -inf: avoid inf - inf
      double s = 0.0;
      for (int64_t k = 0; k < axis; ++k) s += std::exp(static_cast<double>(xl[k * inner]) - m);
      if (log) {
        const double ls = std::log(s) + m;
        for (int64_t k = 0; k < axis; ++k) yl[k * inner] = static_cast<float>(xl[k * inner] - ls);
      } else {
        const double inv = 1.0 / s;
        for (int64_t k = 0; k < axis; ++k) {
          yl[k * inner] = static_cast<float>(std::exp(static_cast<double>(xl[k * inner]) - m) * inv);
        }
      }
    }
  };
  const int64_t count = outer * inner;
  if (count * axis >= 2 * kGrain && count > 1) {
    parallel_for(count, lines);
  } else {
    lines(0, count);
  }
}

void activation_backward(activation_kind kind, const float* dy, const float* t, float* dx, int64_t n) {
  activation_backward(kind, dy, t, dx, n, nullptr);
}

void activation(activation_kind kind, const float* x, float* y, int64_t n, const float* params) {
  const int k = static_cast<int>(kind);
  if (k < 0 || k >= kActivationKinds) return;
  const f32_vunary_params_fn f = get_activation_config().unary[k];
  elementwise(n, [&](int64_t a, int64_t b) { f(x + a, y + a, b - a, params); });
}

void activation_backward(activation_kind kind, const float* dy, const float* t, float* dx, int64_t n,
                         const float* params) {
  const int k = static_cast<int>(kind);
  if (k < 0 || k >= kActivationKinds) return;
  const f32_vunary_backward_params_fn f = get_activation_config().unary_backward[k];
  elementwise(n, [&](int64_t a, int64_t b) { f(dy + a, t + a, dx + a, b - a, params); });
}

void softmax_backward(const float* dy, const float* y, float* dx, int64_t outer, int64_t axis,
                      int64_t inner, bool log) {
  if (outer <= 0 || axis <= 0 || inner <= 0) return;
  // One task per (outer, inner) line along the axis, as in softmax; the sum in double.
  auto lines = [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t o = t / inner, i = t % inner;
      const int64_t base = o * axis * inner + i;
      const float* dyl = dy + base;
      const float* yl = y + base;
      float* dxl = dx + base;
      double s = 0.0;
      if (log) {
        for (int64_t k = 0; k < axis; ++k) s += dyl[k * inner];
        const float sf = static_cast<float>(s);
        for (int64_t k = 0; k < axis; ++k) dxl[k * inner] = dyl[k * inner] - std::exp(yl[k * inner]) * sf;
      } else {
        for (int64_t k = 0; k < axis; ++k) s += static_cast<double>(dyl[k * inner]) * yl[k * inner];
        const float sf = static_cast<float>(s);
        for (int64_t k = 0; k < axis; ++k) dxl[k * inner] = yl[k * inner] * (dyl[k * inner] - sf);
      }
    }
  };
  const int64_t count = outer * inner;
  if (count * axis >= 2 * kGrain && count > 1) {
    parallel_for(count, lines);
  } else {
    lines(0, count);
  }
}

}  // namespace convkit
