// Activations and softmax against double-precision std:: functions.
#include <cmath>
#include <limits>

#include "convkit/activation.h"
#include "harness.h"
#include "softmax-shapes.h"

TEST(relu_exact) {
  const size_t n = 300001;  // large enough to thread, odd to leave a tail
  auto x = test::rand_vec(n, -5, 5);
  x[7] = std::numeric_limits<float>::quiet_NaN();
  test::guarded gx(n), gy(n);
  gx.copy_from(x);
  convkit::relu(gx.data(), gy.data(), n);
  for (size_t i = 0; i < n; ++i) {
    const float want = x[i] < 0 ? 0.0f : x[i];
    if (!(gy[i] == want || (std::isnan(want) && std::isnan(gy[i])))) { CHECK(false, "relu at %zu", i); return; }
  }
}

TEST(sigmoid_tanh_accuracy) {
  const size_t n = 200003;
  auto x = test::rand_vec(n, -30, 30);
  x[0] = -100; x[1] = 100; x[2] = 0; x[3] = -88.5f; x[4] = 88.5f;
  test::guarded gx(n), gs(n), gt(n);
  gx.copy_from(x);
  convkit::sigmoid(gx.data(), gs.data(), n);
  convkit::tanh(gx.data(), gt.data(), n);
  for (size_t i = 0; i < n; ++i) {
    const double s = 1.0 / (1.0 + std::exp(-(double)x[i])), t = std::tanh((double)x[i]);
    if (std::fabs(gs[i] - s) > 1e-6 || std::fabs(gt[i] - t) > 1e-6) {
      CHECK(false, "x=%g sigmoid %g vs %g, tanh %g vs %g", x[i], gs[i], s, gt[i], t);
      return;
    }
  }
}

static void check_softmax(int64_t outer, int64_t axis, int64_t inner, bool log, bool alias) {
  const size_t n = outer * axis * inner;
  auto x = test::rand_vec(n, -20, 20);
  test::guarded gx(n), gy(n);
  gx.copy_from(x);
  float* y = alias ? gx.data() : gy.data();
  convkit::softmax(gx.data(), y, outer, axis, inner, log);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double m = -INFINITY, s = 0;
      for (int64_t k = 0; k < axis; ++k) m = std::max(m, (double)x[(o * axis + k) * inner + i]);
      for (int64_t k = 0; k < axis; ++k) s += std::exp(x[(o * axis + k) * inner + i] - m);
      for (int64_t k = 0; k < axis; ++k) {
        const size_t idx = (o * axis + k) * inner + i;
        const double v = x[idx] - m;
        const double want = log ? v - std::log(s) : std::exp(v) / s;
        if (std::fabs(y[idx] - want) > 1e-6 + 1e-5 * std::fabs(want)) {
          CHECK(false, "softmax(%ld,%ld,%ld,log=%d) at %zu: %g vs %g", (long)outer, (long)axis, (long)inner, log, idx, y[idx], want);
          return;
        }
      }
    }
}

TEST(softmax_shapes) {
  for (bool log : {false, true}) {
    for (const test::softmax_shape& s : test::kSoftmaxShapes) check_softmax(s.outer, s.axis, s.inner, log, s.alias);
  }
}

int main() { return test::run_all("activation-test"); }
