// Strided copy (transpose, slices with negative steps, concat-like rows) and pad against an
// index-by-index reference; guarded arrays catch any access outside x or y.
#include <vector>

#include "convkit/copy.h"
#include "harness.h"

namespace {

std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t t = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    s[d] = t;
    t *= shape[d];
  }
  return s;
}

void check_transpose(const std::vector<int64_t>& shape, const std::vector<int>& perm) {
  const int r = static_cast<int>(shape.size());
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const auto xs = strides_of(shape);
  std::vector<int64_t> out(r);
  for (int k = 0; k < r; ++k) out[k] = shape[perm[k]];
  const auto ys = strides_of(out);
  convkit::strided_copy_params p{};
  p.rank = r;
  for (int k = 0; k < r; ++k) {
    p.shape[k] = out[k];
    p.x_strides[k] = xs[perm[k]];
    p.y_strides[k] = ys[k];
  }
  test::guarded x(n), y(n);
  x.copy_from(test::rand_vec(n));
  convkit::copy_strided(x.data(), y.data(), p);
  std::vector<int64_t> idx(r, 0);
  for (int64_t t = 0; t < n; ++t) {
    int64_t xo = 0;
    for (int k = 0; k < r; ++k) xo += idx[k] * xs[perm[k]];
    if (y[t] != x[xo]) {
      CHECK(false, "transpose rank %d at %lld", r, (long long)t);
      return;
    }
    for (int k = r - 1; k >= 0; --k) {
      if (++idx[k] < out[k]) break;
      idx[k] = 0;
    }
  }
}

}  // namespace

TEST(transpose_shapes) {
  check_transpose({2, 3, 5, 7}, {0, 2, 3, 1});      // NCHW -> NHWC
  check_transpose({2, 5, 7, 3}, {0, 3, 1, 2});      // NHWC -> NCHW
  check_transpose({3, 67, 129, 45}, {0, 2, 3, 1});  // threaded, tails in both tile directions
  check_transpose({1, 256, 56, 56}, {0, 2, 3, 1});
  check_transpose({33, 65}, {1, 0});
  check_transpose({2, 3, 4, 5, 6, 7}, {5, 3, 1, 0, 2, 4});
  check_transpose({4, 1, 9, 1}, {3, 2, 1, 0});
  check_transpose({7}, {0});
}

TEST(slice_negative_steps) {
  // y = x[5:0:-2, ::-1] of x [7, 9]
  test::guarded x(63), y(3 * 9);
  x.copy_from(test::rand_vec(63));
  convkit::strided_copy_params p{};
  p.rank = 2;
  p.shape[0] = 3, p.shape[1] = 9;
  p.x_offset = 5 * 9 + 8;
  p.x_strides[0] = -18, p.x_strides[1] = -1;
  p.y_strides[0] = 9, p.y_strides[1] = 1;
  int64_t lo, hi;
  convkit::copy_extent(p, false, lo, hi);
  CHECK(lo == 9 && hi == 53, "extent %lld %lld", (long long)lo, (long long)hi);
  convkit::copy_strided(x.data(), y.data(), p);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 9; ++j) CHECK(y[i * 9 + j] == x[(5 - 2 * i) * 9 + (8 - j)], "at %d %d", i, j);
}

TEST(pad_modes) {
  const int64_t h = 5, w = 6;
  test::guarded x(h * w);
  x.copy_from(test::rand_vec(h * w));
  for (auto mode : {convkit::pad_mode::constant, convkit::pad_mode::reflect, convkit::pad_mode::edge}) {
    convkit::pad_params p{};
    p.rank = 2;
    p.in_shape[0] = h, p.in_shape[1] = w;
    p.begin[0] = 2, p.begin[1] = 3, p.end[0] = 4, p.end[1] = mode == convkit::pad_mode::constant ? -2 : 5;
    p.mode = mode;
    p.value = 7.5f;
    const int64_t oh = h + 6, ow = w + p.begin[1] + p.end[1];
    test::guarded y(oh * ow);
    convkit::pad(x.data(), y.data(), p);
    auto src = [&](int64_t o, int64_t b, int64_t n) -> int64_t {
      const int64_t i = o - b;
      if (i >= 0 && i < n) return i;
      if (mode == convkit::pad_mode::constant) return -1;
      if (mode == convkit::pad_mode::edge) return i < 0 ? 0 : n - 1;
      return i < 0 ? -i : 2 * (n - 1) - i;
    };
    for (int64_t a = 0; a < oh; ++a)
      for (int64_t b = 0; b < ow; ++b) {
        const int64_t i = src(a, 2, h), j = src(b, 3, w);
        const float want = i < 0 || j < 0 ? 7.5f : x[i * w + j];
        CHECK(y[a * ow + b] == want, "mode %d at %lld %lld", static_cast<int>(mode), (long long)a, (long long)b);
      }
  }
}

int main() { return test::run_all("copy-test"); }
