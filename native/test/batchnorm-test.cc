// Batch norm (stats, apply, backward) against double-precision references, both layouts,
// shapes with tails and threaded sizes; the mean-1000 accuracy case.
#include <cmath>
#include <vector>

#include "convkit/norm.h"
#include "harness.h"

namespace {

struct bn_case {
  int64_t n, c, hw;
  bool nhwc;
};

int64_t at(const bn_case& s, int64_t b, int64_t c, int64_t i) {
  return s.nhwc ? (b * s.hw + i) * s.c + c : (b * s.c + c) * s.hw + i;
}

void check_case(const bn_case& s, float center, float spread) {
  const int64_t total = s.n * s.c * s.hw, count = s.n * s.hw;
  auto xv = test::rand_vec(total, -spread, spread);
  for (auto& v : xv) v += center;
  auto dyv = test::rand_vec(total);
  test::guarded x(total), dy(total), y(total), dx(total), mean(s.c), var(s.c), scale(s.c), shift(s.c), invstd(s.c),
      dw(s.c), db(s.c);
  x.copy_from(xv);
  dy.copy_from(dyv);
  const convkit::batch_norm_shape shape{s.n, s.c, s.hw, s.nhwc};
  convkit::batch_norm_stats(x.data(), mean.data(), var.data(), shape);
  std::vector<double> rm(s.c), rv(s.c);
  for (int64_t c = 0; c < s.c; ++c) {
    double m = 0, q = 0;
    for (int64_t b = 0; b < s.n; ++b)
      for (int64_t i = 0; i < s.hw; ++i) m += xv[at(s, b, c, i)];
    m /= count;
    for (int64_t b = 0; b < s.n; ++b)
      for (int64_t i = 0; i < s.hw; ++i) q += (xv[at(s, b, c, i)] - m) * (xv[at(s, b, c, i)] - m);
    rm[c] = m;
    rv[c] = q / count;
    if (std::fabs(mean[c] - m) > 1e-6 * (std::fabs(m) + spread) || std::fabs(var[c] - rv[c]) > 1e-5 * rv[c] + 1e-9) {
      CHECK(false, "[%lld,%lld,%lld]%s channel %lld: mean %.9g vs %.9g, var %.9g vs %.9g", (long long)s.n,
            (long long)s.c, (long long)s.hw, s.nhwc ? " nhwc" : "", (long long)c, mean[c], m, var[c], rv[c]);
      return;
    }
    invstd[c] = static_cast<float>(1.0 / std::sqrt(rv[c] + 1e-5));
    scale[c] = 0.5f + 0.01f * static_cast<float>(c);
    shift[c] = -0.25f;
  }
  convkit::batch_norm_apply(x.data(), scale.data(), shift.data(), y.data(), shape);
  for (int64_t k = 0; k < total; ++k) {
    const int64_t c = s.nhwc ? k % s.c : (k / s.hw) % s.c;
    const double want = static_cast<double>(xv[k]) * scale[c] + shift[c];
    if (std::fabs(y[k] - want) > 1e-6 * (1 + std::fabs(want)) * (1 + std::fabs(center))) {
      CHECK(false, "apply at %lld: %.9g vs %.9g", (long long)k, y[k], want);
      return;
    }
  }
  for (bool training : {true, false}) {
    convkit::batch_norm_backward(dy.data(), x.data(), mean.data(), invstd.data(), scale.data(), dx.data(), dw.data(),
                                 db.data(), shape, training);
    for (int64_t c = 0; c < s.c; ++c) {
      double sdy = 0, sdyx = 0;
      for (int64_t b = 0; b < s.n; ++b)
        for (int64_t i = 0; i < s.hw; ++i) {
          const int64_t k = at(s, b, c, i);
          sdy += dyv[k];
          sdyx += dyv[k] * (xv[k] - static_cast<double>(mean[c])) * invstd[c];
        }
      CHECK(std::fabs(db[c] - sdy) <= 1e-5 * (1 + std::sqrt((double)count)), "dbias %lld: %.9g vs %.9g", (long long)c, db[c], sdy);
      CHECK(std::fabs(dw[c] - sdyx) <= 1e-5 * (1 + std::sqrt((double)count)), "dweight %lld: %.9g vs %.9g", (long long)c, dw[c], sdyx);
      const double k = static_cast<double>(scale[c]) * invstd[c];
      for (int64_t b = 0; b < s.n; ++b)
        for (int64_t i = 0; i < s.hw; ++i) {
          const int64_t e = at(s, b, c, i);
          const double xhat = (xv[e] - static_cast<double>(mean[c])) * invstd[c];
          const double want = training ? k * (dyv[e] - sdy / count - xhat * sdyx / count) : k * dyv[e];
          if (std::fabs(dx[e] - want) > 2e-5 * (1 + std::fabs(want))) {
            CHECK(false, "dx%s at %lld: %.9g vs %.9g", training ? " (training)" : "", (long long)e, dx[e], want);
            return;
          }
        }
    }
  }
}

}  // namespace

TEST(batchnorm_shapes) {
  for (bool nhwc : {false, true}) {
    for (const bn_case& s : {bn_case{1, 1, 1, nhwc}, bn_case{2, 3, 17, nhwc}, bn_case{3, 19, 7, nhwc},
                             bn_case{4, 33, 129, nhwc}, bn_case{2, 64, 1001, nhwc}, bn_case{8, 5, 3001, nhwc},
                             bn_case{3, 32, 257, nhwc}, bn_case{2, 80, 131, nhwc}}) {
      check_case(s, 0.0f, 2.0f);
    }
  }
}

TEST(batchnorm_mean_far_from_zero) {
  // Values around 1000 with spread 1: a single-pass float E[x^2] - E[x]^2 loses the variance.
  for (bool nhwc : {false, true}) check_case(bn_case{4, 7, 4099, nhwc}, 1000.0f, 1.7f);
}

int main() { return test::run_all("batchnorm-test"); }
