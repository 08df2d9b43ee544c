// activation_backward and softmax_backward against double-precision formulas, including
// NaN / zero saved values for relu and aliasing dx with dy.
#include <cmath>
#include <limits>

#include "convkit/activation.h"
#include "harness.h"
#include "softmax-shapes.h"

using convkit::activation_kind;

namespace {

void check_unary(activation_kind kind, size_t n, bool alias) {
  auto dyv = test::rand_vec(n, -3, 3);
  auto tv = kind == activation_kind::relu ? test::rand_vec(n, -2, 2) : test::rand_vec(n, -1, 1);
  if (kind == activation_kind::sigmoid) for (auto& v : tv) v = 0.5f + 0.5f * v;  // y in [0, 1]
  if (kind == activation_kind::relu && n > 8) {
    tv[0] = 0.0f;
    tv[1] = -0.0f;
    tv[2] = std::numeric_limits<float>::quiet_NaN();
    tv[3] = std::numeric_limits<float>::denorm_min();
  }
  test::guarded dy(n), t(n), dx(n);
  dy.copy_from(dyv);
  t.copy_from(tv);
  float* out = alias ? dy.data() : dx.data();
  convkit::activation_backward(kind, dy.data(), t.data(), out, static_cast<int64_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const double g = dyv[i], y = tv[i];
    const double want = kind == activation_kind::relu ? (y > 0 ? g : 0.0)
                        : kind == activation_kind::sigmoid ? g * y * (1 - y) : g * (1 - y * y);
    if (!(std::fabs(out[i] - want) <= 1e-7 + 1e-6 * std::fabs(want))) {
      CHECK(false, "kind %d at %zu: dy %g t %g: got %g want %g", (int)kind, i, dyv[i], tv[i], out[i], want);
      return;
    }
  }
}

void check_softmax(int64_t outer, int64_t axis, int64_t inner, bool log, bool alias) {
  const size_t n = outer * axis * inner;
  auto x = test::rand_vec(n, -5, 5);
  auto dyv = test::rand_vec(n, -1, 1);
  std::vector<float> yv(n);
  convkit::softmax(x.data(), yv.data(), outer, axis, inner, log);
  test::guarded dy(n), y(n), dx(n);
  dy.copy_from(dyv);
  y.copy_from(yv);
  float* out = alias ? dy.data() : dx.data();
  convkit::softmax_backward(dy.data(), y.data(), out, outer, axis, inner, log);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double s = 0.0, sabs = 0.0;
      for (int64_t k = 0; k < axis; ++k) {
        const size_t idx = (o * axis + k) * inner + i;
        s += log ? dyv[idx] : static_cast<double>(dyv[idx]) * yv[idx];
        sabs += log ? std::fabs(dyv[idx]) : std::fabs(dyv[idx] * yv[idx]);
      }
      const double eps = 1.1920929e-7, atol = 4 * eps * std::sqrt((double)axis) * (sabs + 1) + 1e-7;
      for (int64_t k = 0; k < axis; ++k) {
        const size_t idx = (o * axis + k) * inner + i;
        const double want = log ? dyv[idx] - std::exp((double)yv[idx]) * s : yv[idx] * (dyv[idx] - s);
        if (!(std::fabs(out[idx] - want) <= atol + 1e-5 * std::fabs(want))) {
          CHECK(false, "softmax_backward(%ld,%ld,%ld,log=%d) at %zu: %g vs %g", (long)outer, (long)axis,
                (long)inner, log, idx, out[idx], want);
          return;
        }
      }
    }
}

}  // namespace

TEST(relu_sigmoid_tanh) {
  for (auto kind : {activation_kind::relu, activation_kind::sigmoid, activation_kind::tanh}) {
    check_unary(kind, 1, false);
    check_unary(kind, 1027, false);
    check_unary(kind, 300001, false);  // threaded, odd tail
    check_unary(kind, 4099, true);
  }
}

TEST(relu_nan_and_zero_give_zero) {
  float dy[3] = {1.0f, 2.0f, 3.0f}, t[3] = {0.0f, NAN, -0.0f}, dx[3];
  convkit::activation_backward(activation_kind::relu, dy, t, dx, 3);
  CHECK(dx[0] == 0.0f && dx[1] == 0.0f && dx[2] == 0.0f, "%g %g %g", dx[0], dx[1], dx[2]);
}

TEST(softmax_backward_shapes) {
  for (bool log : {false, true}) {
    for (const test::softmax_shape& s : test::kSoftmaxShapes) check_softmax(s.outer, s.axis, s.inner, log, s.alias);
  }
}

int main() { return test::run_all("activation-backward-test"); }
