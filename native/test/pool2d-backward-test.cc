// max_pool2d_backward / avg_pool2d_backward against their references: max exactly (same
// summation order per cell: output scan order), including ties, -inf and NaN windows; avg
// with both divisor rules and ceil mode; overlapping windows; both layouts.
#include <cmath>
#include <limits>

#include "convkit/pool2d.h"
#include "harness.h"
#include "pool-shapes.h"

using convkit::pool2d_params;
using test::pool_shape;

namespace {

enum class fill { random, ties, specials };

void check_pool(const pool_shape& s, bool is_max, fill f = fill::random) {
  const pool2d_params p = test::pool_params(s, is_max);
  if (p.out_height < 1 || p.out_width < 1) return;
  const size_t nx = s.n * s.c * s.h * s.w, ny = s.n * s.c * p.out_height * p.out_width;
  auto xv = test::rand_vec(nx, -3, 3);
  if (f == fill::ties) {
    for (auto& v : xv) v = std::round(v);  // many equal maxima: the first must win
  } else if (f == fill::specials) {
    for (auto& v : xv) {
      const int64_t r = test::rand_int(0, 9);
      if (r == 0) v = NAN;
      if (r == 1) v = -INFINITY;
      if (r == 2) v = INFINITY;
    }
  }
  const auto dyv = test::rand_vec(ny);
  test::guarded x(nx), dy(ny), dx(nx);
  x.copy_from(xv);
  dy.copy_from(dyv);
  for (size_t i = 0; i < nx; ++i) dx[i] = 12345.0f;  // every element must be written
  std::vector<float> want(nx);
  const std::string desc = test::describe(s, p, is_max) + " backward";
  const char* what = desc.c_str();
  if (is_max) {
    convkit::max_pool2d_backward_ref(p, dyv.data(), xv.data(), want.data());
    convkit::max_pool2d_backward(p, dy.data(), x.data(), dx.data());
    for (size_t i = 0; i < nx; ++i) {
      if (!(dx[i] == want[i])) {
        CHECK(false, "%s at %zu: %g vs %g", what, i, dx[i], want[i]);
        return;
      }
    }
  } else {
    convkit::avg_pool2d_backward_ref(p, dyv.data(), want.data());
    convkit::avg_pool2d_backward(p, dy.data(), dx.data());
    // Each cell sums at most kh*kw windows of |dy| / divisor <= 1.
    std::vector<float> bound(nx, static_cast<float>(s.kh * s.kw));
    test::close(what, dx.data(), want.data(), bound.data(), nx, s.kh * s.kw);
  }
}

void all_variants(pool_shape s, fill f = fill::random) {
  for (int v = 0; v < 4; ++v) {
    s.nhwc = v & 1;
    s.cip = v & 2;
    check_pool(s, true, f);
    check_pool(s, false, f);
  }
}

}  // namespace

TEST(k2_s2) { all_variants({2, 3, 8, 9, 2, 2, 2, 2}); }
TEST(k3_s2_p1_overlapping) { all_variants({1, 5, 11, 10, 3, 3, 2, 2, 1, 1, 1, 1}); }
TEST(k3_s1_heavy_overlap) { all_variants({2, 70, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1}); }  // > 1 channel block
TEST(ceil_mode) {
  for (const pool_shape& s : test::ceil_mode_shapes()) all_variants(s);
}
TEST(asymmetric_padding) { all_variants(test::asymmetric_padding_shape()); }
TEST(max_dilation) {
  for (const pool_shape& s : test::max_dilation_shapes()) all_variants(s);
}
TEST(max_ties_go_to_the_first) {
  all_variants({2, 19, 9, 10, 3, 3, 1, 2, 1, 1, 1, 1}, fill::ties);
  // 1x1x1x3, k1x3: three equal values, all of dy goes to the first.
  convkit::pool2d_params p{1, 1, 1, 3, 1, 1, 1, 3, 1, 1, 0, 0, 0, 0, 1, 1, false, convkit::layout::nchw};
  float x[3] = {2.0f, 2.0f, 2.0f}, dy[1] = {5.0f}, dx[3];
  convkit::max_pool2d_backward(p, dy, x, dx);
  CHECK(dx[0] == 5.0f && dx[1] == 0.0f && dx[2] == 0.0f, "ties: %g %g %g", dx[0], dx[1], dx[2]);
}
TEST(max_nan_and_inf) {
  all_variants({2, 21, 11, 9, 3, 2, 2, 1, 1, 0, 1, 0}, fill::specials);
  // The first NaN wins, even after a larger value and before another NaN.
  convkit::pool2d_params p{1, 1, 1, 4, 1, 1, 1, 4, 1, 1, 0, 0, 0, 0, 1, 1, false, convkit::layout::nhwc};
  float x[4] = {7.0f, NAN, 9.0f, NAN}, dy[1] = {3.0f}, dx[4];
  convkit::max_pool2d_backward(p, dy, x, dx);
  CHECK(dx[0] == 0.0f && dx[1] == 3.0f && dx[2] == 0.0f && dx[3] == 0.0f, "NaN: %g %g %g %g", dx[0], dx[1], dx[2], dx[3]);
  // All -inf: the first real cell takes dy.
  float y[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  convkit::max_pool2d_backward(p, dy, y, dx);
  CHECK(dx[0] == 3.0f && dx[1] == 0.0f, "-inf: %g %g", dx[0], dx[1]);
}
TEST(random_shapes) {
  for (int i = 0; i < 300; ++i) {
    const pool_shape s = test::random_pool_shape(80);
    const fill f = test::rand_int(0, 4) == 0 ? fill::ties : fill::random;
    check_pool(s, true, f);
    check_pool(s, false);
  }
}

int main() { return test::run_all("pool2d-backward-test"); }
