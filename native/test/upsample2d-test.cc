// upsample2d and its gradient against a double-precision reference written from PyTorch's
// formulas, known values from torch, and the adjoint identity <up(x), g> = <x, up_backward(g)>.
#include <algorithm>
#include <cmath>
#include <vector>

#include "convkit/upsample2d.h"
#include "harness.h"

using convkit::layout;
using convkit::upsample2d_params;
using convkit::upsample_mode;

namespace {

upsample2d_params make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, double sh, double sw,
                       upsample_mode m, bool ac, layout l) {
  upsample2d_params p{};
  p.batch = n; p.channels = c; p.in_height = h; p.in_width = w; p.out_height = oh; p.out_width = ow;
  p.scale_h = sh; p.scale_w = sw; p.mode = m; p.align_corners = ac; p.data_layout = l;
  return p;
}

int64_t index(const upsample2d_params& p, bool out, int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t H = out ? p.out_height : p.in_height, W = out ? p.out_width : p.in_width, C = p.channels;
  return p.data_layout == layout::nchw ? ((n * C + c) * H + h) * W + w : ((n * H + h) * W + w) * C + c;
}

// One axis in double: the taps and weights PyTorch's formulas give (nearest: one tap, weight 1).
void taps(int64_t in, int64_t out, double scale, upsample_mode m, bool ac, int64_t i, int64_t& a, int64_t& b,
          double& wa, double& wb) {
  if (m == upsample_mode::nearest) {
    const double s = scale > 0 ? static_cast<float>(1.0 / scale) : static_cast<float>(in) / out;
    a = b = out == in ? i : out == 2 * in ? i / 2 : std::min<int64_t>(static_cast<int64_t>(std::floor(static_cast<float>(i * s))), in - 1);
    wa = 1; wb = 0;
    return;
  }
  const double s = ac ? (out > 1 ? static_cast<double>(in - 1) / (out - 1) : 0) : (scale > 0 ? 1.0 / scale : static_cast<double>(in) / out);
  const double src = ac ? s * i : std::max(s * (i + 0.5) - 0.5, 0.0);
  a = std::min<int64_t>(static_cast<int64_t>(std::floor(src)), in - 1);
  b = a + (a < in - 1 ? 1 : 0);
  wb = std::min(std::max(src - a, 0.0), 1.0);
  wa = 1 - wb;
}

void reference(const upsample2d_params& p, const std::vector<float>& x, std::vector<double>& y) {
  y.assign(p.batch * p.channels * p.out_height * p.out_width, 0.0);
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          int64_t h0, h1, w0, w1;
          double a0, a1, b0, b1;
          taps(p.in_height, p.out_height, p.scale_h, p.mode, p.align_corners, oh, h0, h1, a0, a1);
          taps(p.in_width, p.out_width, p.scale_w, p.mode, p.align_corners, ow, w0, w1, b0, b1);
          auto at = [&](int64_t h, int64_t w) { return static_cast<double>(x[index(p, false, n, c, h, w)]); };
          y[index(p, true, n, c, oh, ow)] = a0 * (b0 * at(h0, w0) + b1 * at(h0, w1)) + a1 * (b0 * at(h1, w0) + b1 * at(h1, w1));
        }
}

void check(const upsample2d_params& p) {
  CHECK(convkit::upsample2d_params_check(p).empty(), "params");
  const size_t nx = p.batch * p.channels * p.in_height * p.in_width, ny = p.batch * p.channels * p.out_height * p.out_width;
  const auto x = test::rand_vec(nx), g = test::rand_vec(ny);
  test::guarded gx(nx), gy(ny), gg(ny), gdx(nx);
  gx.copy_from(x);
  gg.copy_from(g);
  convkit::upsample2d(p, gx.data(), gy.data());
  std::vector<double> want;
  reference(p, x, want);
  for (size_t i = 0; i < ny; ++i) {
    if (!(std::fabs(gy[i] - want[i]) <= 1e-5)) {
      CHECK(false, "forward %zu: got %g want %g (mode %d, ac %d, %ldx%ld -> %ldx%ld, layout %d)", i, gy[i], want[i],
            static_cast<int>(p.mode), p.align_corners, (long)p.in_height, (long)p.in_width, (long)p.out_height,
            (long)p.out_width, static_cast<int>(p.data_layout));
      return;
    }
  }
  // Adjoint: <y, g> = <x, dx>.
  convkit::upsample2d_backward(p, gg.data(), gdx.data());
  double lhs = 0, rhs = 0, mag = 0;
  for (size_t i = 0; i < ny; ++i) { lhs += static_cast<double>(gy[i]) * g[i]; mag += std::fabs(gy[i] * g[i]); }
  for (size_t i = 0; i < nx; ++i) rhs += static_cast<double>(gdx[i]) * x[i];
  CHECK(std::fabs(lhs - rhs) <= 1e-5 * std::max(1.0, mag), "adjoint %g vs %g", lhs, rhs);
}

}  // namespace

TEST(known_values) {
  // torch: F.interpolate([[1, 2], [3, 4]], scale_factor=2, mode='bilinear') first row.
  const upsample2d_params p = make(1, 1, 2, 2, 4, 4, 2, 2, upsample_mode::bilinear, false, layout::nchw);
  const float x[4] = {1, 2, 3, 4};
  float y[16];
  convkit::upsample2d(p, x, y);
  const float want[4] = {1, 1.25f, 1.75f, 2};
  for (int i = 0; i < 4; ++i) CHECK(y[i] == want[i], "bilinear %d: %g vs %g", i, y[i], want[i]);
  // Nearest 3 -> 5 reads rows floor(i * 0.6): 0 0 1 1 2; with scale 1.7 (out 5): floor(i / 1.7) = 0 0 1 1 2.
  const upsample2d_params q = make(1, 1, 1, 3, 1, 5, 0, 0, upsample_mode::nearest, false, layout::nchw);
  const float xn[3] = {10, 20, 30};
  float yn[5];
  convkit::upsample2d(q, xn, yn);
  const float wn[5] = {10, 10, 20, 20, 30};
  for (int i = 0; i < 5; ++i) CHECK(yn[i] == wn[i], "nearest %d: %g vs %g", i, yn[i], wn[i]);
}

TEST(random_shapes_both_layouts) {
  for (int t = 0; t < 60; ++t) {
    const int64_t n = test::rand_int(1, 3), c = test::rand_int(1, 19), h = test::rand_int(1, 9), w = test::rand_int(1, 11);
    const bool by_scale = t % 2 == 0;
    const double sh = by_scale ? 0.5 + test::rand_int(0, 10) * 0.25 : 0, sw = by_scale ? 0.5 + test::rand_int(0, 10) * 0.3 : 0;
    const int64_t oh = by_scale ? std::max<int64_t>(1, static_cast<int64_t>(std::floor(h * sh))) : test::rand_int(1, 17);
    const int64_t ow = by_scale ? std::max<int64_t>(1, static_cast<int64_t>(std::floor(w * sw))) : test::rand_int(1, 17);
    const upsample_mode m = t % 3 == 0 ? upsample_mode::nearest : upsample_mode::bilinear;
    const bool ac = m == upsample_mode::bilinear && t % 4 == 1;
    for (layout l : {layout::nchw, layout::nhwc}) check(make(n, c, h, w, oh, ow, by_scale ? sh : 0, by_scale ? sw : 0, m, ac, l));
  }
}

TEST(threaded_sizes) {
  for (layout l : {layout::nchw, layout::nhwc}) {
    check(make(2, 70, 13, 17, 40, 51, 0, 0, upsample_mode::bilinear, false, l));
    check(make(2, 70, 13, 17, 26, 34, 2, 2, upsample_mode::nearest, false, l));
    check(make(1, 3, 33, 20, 100, 61, 0, 0, upsample_mode::bilinear, true, l));
  }
}

TEST(x2_bilinear_paths) {
  // Twice the size (the dedicated x2 kernels): widths around the 16-lane blocks, 1..2 rows,
  // channel counts under 16 (NHWC's flat runs, every phase count), around and over 16 (the
  // overlapping last vector), by scale and by size, and x2 along the width only.
  for (int64_t w : {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40}) {
    for (int64_t h : {1, 2, 5}) {
      for (int64_t c : {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 64}) {
        for (layout l : {layout::nchw, layout::nhwc}) {
          check(make(1, c, h, w, 2 * h, 2 * w, 2, 2, upsample_mode::bilinear, false, l));
          check(make(2, c, h, w, 2 * h, 2 * w, 0, 0, upsample_mode::bilinear, false, l));
          check(make(1, c, h, w, 3 * h, 2 * w, 3, 2, upsample_mode::bilinear, false, l));
          check(make(1, c, h, w, 2 * h, 2 * w, 0, 0, upsample_mode::bilinear, true, l));
        }
      }
    }
  }
}

TEST(params_check) {
  upsample2d_params p = make(1, 1, 2, 2, 4, 4, 0, 0, upsample_mode::nearest, false, layout::nchw);
  p.scale_h = -1;
  CHECK(!convkit::upsample2d_params_check(p).empty(), "negative scale accepted");
  p.scale_h = 0;
  p.out_width = 0;
  CHECK(!convkit::upsample2d_params_check(p).empty(), "zero width accepted");
}

int main() { return test::run_all("upsample2d-test"); }
