// Pools against their references: max exact (dilation, -inf padding, NaN), avg with both
// divisor rules and ceil mode, both layouts; global pools against plain loops.
#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>

#include "convkit/pool2d.h"
#include "harness.h"
#include "pool-shapes.h"

using convkit::pool2d_params;
using test::pool_shape;

namespace {

void check_pool(const pool_shape& s, bool is_max) {
  const pool2d_params p = test::pool_params(s, is_max);
  if (p.out_height < 1 || p.out_width < 1) return;
  const size_t nx = s.n * s.c * s.h * s.w, ny = s.n * s.c * p.out_height * p.out_width;
  auto xv = test::rand_vec(nx, -3, 3);
  test::guarded x(nx), y(ny);
  x.copy_from(xv);
  for (size_t i = 0; i < ny; ++i) y[i] = 12345.0f;
  std::vector<float> want(ny);
  const std::string desc = test::describe(s, p, is_max);
  const char* what = desc.c_str();
  if (is_max) {
    convkit::max_pool2d_ref(p, xv.data(), want.data());
    convkit::max_pool2d(p, x.data(), y.data());
    for (size_t i = 0; i < ny; ++i) {
      if (!(y[i] == want[i] || (std::isnan(y[i]) && std::isnan(want[i])))) {
        CHECK(false, "%s at %zu: %g vs %g", what, i, y[i], want[i]);
        return;
      }
    }
  } else {
    convkit::avg_pool2d_ref(p, xv.data(), want.data());
    convkit::avg_pool2d(p, x.data(), y.data());
    std::vector<float> bound(ny, 3.0f);
    test::close(what, y.data(), want.data(), bound.data(), ny, s.kh * s.kw);
  }
}

void all_variants(pool_shape s) {
  for (int v = 0; v < 4; ++v) {
    s.nhwc = v & 1;
    s.cip = v & 2;
    check_pool(s, true);
    check_pool(s, false);
  }
}

}  // namespace

TEST(k2_s2) { all_variants({2, 3, 8, 9, 2, 2, 2, 2}); }
TEST(k3_s2_p1) { all_variants({1, 5, 11, 10, 3, 3, 2, 2, 1, 1, 1, 1}); }
TEST(ceil_mode) {
  for (const pool_shape& s : test::ceil_mode_shapes()) all_variants(s);
  // The first shape's last window starts in the padding: dropped.
  CHECK(test::pool_out(5, 2, 3, 1, 1, 1, true) == 2, "ceil-mode size 2, got %ld", (long)test::pool_out(5, 2, 3, 1, 1, 1, true));
}
TEST(ceil_mode_cip_divisor) {
  pool_shape s{1, 3, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1};
  s.ceil_mode = true;
  all_variants(s);
}
TEST(cip_divisor_values) {
  // 1x1x3x3 of ones, k3 s2 p1 ceil: corner windows cover 2x2 real cells.
  convkit::pool2d_params p{1, 1, 3, 3, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true, convkit::layout::nchw};
  std::vector<float> x(9, 1.0f), y(4);
  convkit::avg_pool2d(p, x.data(), y.data());
  CHECK(std::fabs(y[0] - 4.0f / 9.0f) < 1e-7f, "cip corner %g", y[0]);
  p.count_include_pad = false;
  convkit::avg_pool2d(p, x.data(), y.data());
  CHECK(y[0] == 1.0f, "no-cip corner %g", y[0]);
}
// The vector kernels: rows longer than a vector, channels not a multiple of 16, stride 1, 2
// (load + permute) and 3 (gather), stride > kernel, padding on one side, dilation.
TEST(vector_kernels) {
  all_variants({1, 37, 12, 67, 2, 2, 2, 2});
  all_variants({2, 19, 13, 41, 3, 3, 1, 1, 1, 1, 1, 1});
  all_variants({1, 21, 11, 53, 3, 2, 2, 3, 0, 1, 1, 0});
  all_variants({1, 5, 9, 40, 2, 2, 3, 4});
  pool_shape s{1, 3, 10, 47, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2};
  check_pool(s, true);
  s.nhwc = true;
  check_pool(s, true);
}
// The NCHW 3-wide stride-2 max kernel (folded in registers): every width through the blocks of
// 16 outputs and their masked ends, pads 0 and 1 (asymmetric too), ceil mode, 1 to 4 window rows,
// NaNs inside (check_pool: exact, NaN where the reference has it).
TEST(max_k3s2_widths) {
  for (int64_t w = 1; w <= 75; ++w) {
    for (int v = 0; v < 4; ++v) {
      pool_shape s{1, 2, 5 + (w % 3), w, 3, 3, 2, 2, v & 1, v & 1, v & 1, (v >> 1) & 1};
      s.ceil_mode = v == 2;
      if (test::pool_out(s.w, 3, 2, s.pl, s.pr, 1, s.ceil_mode) >= 1) check_pool(s, true);
    }
  }
  pool_shape tall{1, 3, 9, 70, 4, 3, 2, 2, 1, 2, 1, 0};
  check_pool(tall, true);
  convkit::pool2d_params p{1, 1, 3, 40, 1, 19, 3, 3, 2, 2, 0, 0, 1, 0, 1, 1, false, convkit::layout::nchw};
  std::vector<float> x(120, 1.0f), y(19);
  x[40 + 17] = NAN;  // column 17: windows 8 (columns 15..17) and 9 (17..19)
  convkit::max_pool2d(p, x.data(), y.data());
  for (int j = 0; j < 19; ++j) {
    const bool nan = j == 8 || j == 9;
    CHECK(nan ? std::isnan(y[j]) : y[j] == 1.0f, "k3s2 p1 NaN column 17: output %d is %g", j, y[j]);
  }
}
TEST(asymmetric_padding) { all_variants(test::asymmetric_padding_shape()); }
TEST(max_dilation) {
  for (const pool_shape& s : test::max_dilation_shapes()) all_variants(s);
}
TEST(max_nan_propagates) {
  convkit::pool2d_params p{1, 1, 2, 2, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, false, convkit::layout::nchw};
  float x[4] = {1.0f, NAN, 5.0f, 2.0f}, y[1];
  convkit::max_pool2d(p, x, y);
  CHECK(std::isnan(y[0]), "max of a window with NaN is %g", y[0]);
}
TEST(random_shapes) {
  for (int i = 0; i < 300; ++i) {
    const pool_shape s = test::random_pool_shape(19);
    check_pool(s, true);
    check_pool(s, false);
  }
}
TEST(global_pools) {
  for (int nhwc = 0; nhwc < 2; ++nhwc) {
    // The last two: NHWC images of 2,048 positions or more, reduced in blocks of 1,024
    // (global-pool2d.cc), a short last block.
    for (auto dims : {std::vector<int64_t>{2, 3, 7, 5}, {1, 33, 1, 1}, {3, 17, 16, 19}, {2, 70, 5, 10}, {1, 21, 50, 47},
                      {2, 70, 64, 33}}) {
      const int64_t n = dims[0], c = dims[1], h = dims[2], w = dims[3];
      const auto xv = test::rand_vec(n * c * h * w);
      test::guarded x(xv.size()), ya(n * c), ym(n * c);
      x.copy_from(xv);
      const auto l = nhwc ? convkit::layout::nhwc : convkit::layout::nchw;
      convkit::global_avg_pool2d(n, c, h, w, l, x.data(), ya.data());
      convkit::global_max_pool2d(n, c, h, w, l, x.data(), ym.data());
      for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch) {
          double s = 0;
          float m = -INFINITY;
          for (int64_t i = 0; i < h * w; ++i) {
            const float v = nhwc ? xv[(b * h * w + i) * c + ch] : xv[(b * c + ch) * h * w + i];
            s += v;
            m = std::max(m, v);
          }
          CHECK(std::fabs(ya[b * c + ch] - s / (h * w)) < 1e-6, "global avg %g vs %g", ya[b * c + ch], s / (h * w));
          CHECK(ym[b * c + ch] == m, "global max %g vs %g", ym[b * c + ch], m);
        }
    }
  }
}

// Avg of finite values near FLT_MAX: the float window sum overflows, the mean does not.
// Every avg kernel (3x3/1 row-buffer, 2x2/2, strided, NHWC, global) against the double ref.
TEST(avg_large_finite_stays_finite) {
  test::for_avg_variants({pool_shape{1, 19, 9, 35, 3, 3, 1, 1, 1, 1, 1, 1}, pool_shape{2, 5, 8, 9, 2, 2, 2, 2},
                           pool_shape{1, 17, 11, 10, 5, 4, 3, 3}, pool_shape{1, 3, 9, 40, 7, 7, 1, 1}},
                          [](const pool_shape& s, const pool2d_params& p) {
    const size_t nx = s.n * s.c * s.h * s.w, ny = s.n * s.c * p.out_height * p.out_width;
    std::vector<float> x(nx), y(ny), want(ny);
    for (size_t i = 0; i < nx; ++i) x[i] = 3e38f * (1.0f - static_cast<float>(i % 5) / 50.0f);
    x[3] = -3e38f;
    convkit::avg_pool2d(p, x.data(), y.data());
    convkit::avg_pool2d_ref(p, x.data(), want.data());
    for (size_t i = 0; i < ny; ++i) {
      if (!(std::fabs(y[i] - want[i]) <= 1e-5f * std::fabs(want[i]))) {
        CHECK(false, "%s at %zu: %g vs %g", test::describe(s, p, false).c_str(), i, y[i], want[i]);
        break;
      }
    }
  });
  for (const auto data_layout : {convkit::layout::nchw, convkit::layout::nhwc}) {
    for (const int64_t h : {7, 300}) {  // 300 x 9 NHWC: in blocks
      const int64_t n = 2, c = 37, hw = h * 9;
      std::vector<float> x(static_cast<size_t>(n * c * hw), 3e38f), y(static_cast<size_t>(n * c));
      convkit::global_avg_pool2d(n, c, h, 9, data_layout, x.data(), y.data());
      for (float v : y) CHECK(v == 3e38f, "global avg %g (%lld positions)", v, (long long)hw);
    }
  }
}

// The overflow flag the avg driver watches (util/fp-overflow.h): a flag some earlier code left
// set neither skips the fix-up nor is lost, and a call whose sums do not overflow leaves a clear
// flag clear on the calling thread.
TEST(avg_overflow_flag_kept) {
  const pool_shape s{1, 3, 9, 35, 3, 3, 1, 1, 1, 1, 1, 1};
  const pool2d_params p = test::pool_params(s, false);
  const size_t nx = s.n * s.c * s.h * s.w, ny = s.n * s.c * p.out_height * p.out_width;
  std::vector<float> x(nx, 3e38f), y(ny);
  std::feclearexcept(FE_ALL_EXCEPT);
  std::feraiseexcept(FE_OVERFLOW);
  convkit::avg_pool2d(p, x.data(), y.data());
  CHECK(std::fetestexcept(FE_OVERFLOW) != 0, "flag set before the call was cleared");
  for (float v : y) CHECK(v == 3e38f, "avg of 3e38 gave %g with the flag set before", v);
  std::feclearexcept(FE_ALL_EXCEPT);
  std::fill(x.begin(), x.end(), 1.5f);
  convkit::avg_pool2d(p, x.data(), y.data());
  CHECK(std::fetestexcept(FE_OVERFLOW) == 0, "flag raised by sums that do not overflow");
  std::feclearexcept(FE_ALL_EXCEPT);
}

// A few non-finite outputs among finite ones (a task's outputs are fixed up only when its
// sums raised the overflow flag): overflowing pairs of 3e38 at the right and bottom
// edges (vector tails) of one plane / channel, a +Inf and a NaN input elsewhere. Overflowed
// windows get their finite mean, windows holding Inf / NaN keep Inf / NaN, the rest the ref.
TEST(avg_sparse_nonfinite) {
  test::for_avg_variants({pool_shape{2, 19, 9, 35, 3, 3, 1, 1, 1, 1, 1, 1}, pool_shape{2, 5, 8, 34, 2, 2, 2, 2},
                           pool_shape{1, 17, 11, 37, 5, 4, 3, 3}, pool_shape{1, 3, 9, 40, 7, 7, 1, 1}},
                          [](const pool_shape& s, const pool2d_params& p) {
    const int64_t C = s.c, H = s.h, W = s.w;
    auto at = [&](int64_t n, int64_t c, int64_t h, int64_t w) {
      return static_cast<size_t>(s.nhwc ? ((n * H + h) * W + w) * C + c : ((n * C + c) * H + h) * W + w);
    };
    std::vector<float> x = test::rand_vec(static_cast<size_t>(s.n * C * H * W), -3, 3);
    const int64_t n1 = s.n - 1, c1 = C - 1;
    for (int64_t h = H - 2; h < H; ++h)
      for (int64_t w = W - 3; w < W; ++w) x[at(n1, c1, h, w)] = 3e38f;
    x[at(0, C / 2, 0, 0)] = 3e38f, x[at(0, C / 2, 1, 1)] = 3.2e38f;
    x[at(0, 0, H / 2, W / 2)] = __builtin_inff();
    x[at(n1, C / 2, H / 2, 3)] = __builtin_nanf("");
    // -3e38 twice then +Inf in one row: a float sum that takes the two first overflows to
    // -Inf and then meets +Inf gives NaN, the exact sum +Inf.
    x[at(0, 1, H - 1, W - 3)] = x[at(0, 1, H - 1, W - 2)] = -3e38f;
    x[at(0, 1, H - 1, W - 1)] = __builtin_inff();
    const size_t ny = static_cast<size_t>(s.n * C * p.out_height * p.out_width);
    std::vector<float> y(ny), want(ny);
    convkit::avg_pool2d(p, x.data(), y.data());
    convkit::avg_pool2d_ref(p, x.data(), want.data());
    int64_t specials = 0;
    for (size_t i = 0; i < ny; ++i) {
      const bool ok = std::isnan(want[i]) ? std::isnan(y[i])
                      : std::isinf(want[i]) ? y[i] == want[i]
                                            : std::fabs(y[i] - want[i]) <= 1e-5f * std::fabs(want[i]) + 1e-5f;
      specials += !std::isfinite(want[i]);
      if (!ok) {
        CHECK(false, "%s at %zu: %g vs %g", test::describe(s, p, false).c_str(), i, y[i], want[i]);
        break;
      }
    }
    CHECK(specials > 0, "%s: no Inf / NaN window", test::describe(s, p, false).c_str());
  });
  for (const auto data_layout : {convkit::layout::nchw, convkit::layout::nhwc}) {
    const int64_t n = 2, c = 37, hw = 7 * 9;
    std::vector<float> x = test::rand_vec(static_cast<size_t>(n * c * hw), -3, 3), y(static_cast<size_t>(n * c));
    auto at = [&](int64_t b, int64_t ch, int64_t i) {
      return static_cast<size_t>(data_layout == convkit::layout::nhwc ? (b * hw + i) * c + ch : (b * c + ch) * hw + i);
    };
    x[at(1, 36, 0)] = x[at(1, 36, 5)] = 3e38f;  // overflows, mean finite
    x[at(0, 3, 7)] = __builtin_inff();
    x[at(1, 20, 2)] = __builtin_nanf("");
    convkit::global_avg_pool2d(n, c, 7, 9, data_layout, x.data(), y.data());
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch) {
        double s = 0;
        for (int64_t i = 0; i < hw; ++i) s += x[at(b, ch, i)];
        const float want = static_cast<float>(s / hw), got = y[static_cast<size_t>(b * c + ch)];
        const bool ok = std::isnan(want) ? std::isnan(got)
                        : std::isinf(want) ? got == want
                                           : std::fabs(got - want) <= 1e-5f * std::fabs(want) + 1e-5f;
        CHECK(ok, "global avg %d %lld %lld: %g vs %g", static_cast<int>(data_layout), static_cast<long long>(b),
              static_cast<long long>(ch), got, want);
      }
  }
}

// Kernel, padding and stride at 2^31 - 1 (padding at most half the kernel), dilation 2^31 - 1
// on a 1-tap axis: time O(output x valid taps), no scratch sized by the window.
TEST(huge_window_geometry) {
  const int64_t big = (int64_t{1} << 31) - 1, half = (int64_t{1} << 30) - 1;
  for (const bool nhwc : {false, true}) {
    pool2d_params p{};
    p.batch = 1, p.channels = 3, p.in_height = 9, p.in_width = 9;
    p.kernel_h = p.kernel_w = big, p.stride_h = p.stride_w = 1;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = half;
    p.out_height = p.out_width = 9;  // 9 + 2*half - big + 1
    p.dilation_h = p.dilation_w = 1;
    p.data_layout = nhwc ? convkit::layout::nhwc : convkit::layout::nchw;
    const size_t n = 3 * 81;
    auto x = test::rand_vec(n, -3, 3);
    // Every window covers the whole 9x9 plane, so closed forms replace the reference (whose
    // loops would step over 2^31 taps per window): per channel the plane's max, its first
    // (row-major) maximum, its mean.
    auto at = [&](int64_t c, int64_t i) { return nhwc ? i * 3 + c : c * 81 + i; };
    float mx[3], mean[3];
    int64_t first[3];
    for (int64_t c = 0; c < 3; ++c) {
      double s = 0;
      first[c] = 0;
      for (int64_t i = 0; i < 81; ++i) {
        s += x[at(c, i)];
        if (x[at(c, i)] > x[at(c, first[c])]) first[c] = i;
      }
      mx[c] = x[at(c, first[c])];
      mean[c] = static_cast<float>(s / 81);
    }
    const double cells = static_cast<double>(big) * static_cast<double>(big);  // cip divisor
    std::vector<float> y(n), dy(n, 1.0f), dx(n);
    for (const bool cip : {false, true}) {
      p.count_include_pad = cip;
      convkit::max_pool2d(p, x.data(), y.data());
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t i = 0; i < 81; ++i) CHECK(y[at(c, i)] == mx[c], "max nhwc %d", nhwc);
      convkit::avg_pool2d(p, x.data(), y.data());
      for (int64_t c = 0; c < 3; ++c) {
        const double want = cip ? mean[c] * 81.0 / cells : mean[c];
        for (int64_t i = 0; i < 81; ++i) {
          CHECK(std::fabs(y[at(c, i)] - want) <= 1e-5 * std::fabs(want) + 1e-6 * (cip ? 0 : 1),
                "avg cip %d nhwc %d: %g vs %g", cip, nhwc, y[at(c, i)], want);
        }
      }
      convkit::avg_pool2d_backward(p, dy.data(), dx.data());
      const double g = cip ? 81.0 / cells : 1.0;  // 81 windows, each dy/divisor
      for (size_t i = 0; i < n; ++i) CHECK(std::fabs(dx[i] - g) <= 1e-5 * g, "avg backward %g vs %g", dx[i], g);
    }
    p.count_include_pad = false;
    convkit::max_pool2d_backward(p, dy.data(), x.data(), dx.data());
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t i = 0; i < 81; ++i) CHECK(dx[at(c, i)] == (i == first[c] ? 81.0f : 0.0f), "max backward nhwc %d", nhwc);
    // stride 2^31 - 1: one window per axis, still covering the plane
    p.stride_h = p.stride_w = big;
    p.out_height = p.out_width = 1;
    convkit::max_pool2d(p, x.data(), y.data());
    for (int64_t c = 0; c < 3; ++c) CHECK(y[c] == mx[c], "max stride big nhwc %d", nhwc);
    // dilation 2^31 - 1 with a 1-tap kernel: the identity
    p.kernel_h = p.kernel_w = 1, p.stride_h = p.stride_w = 1, p.dilation_h = p.dilation_w = big;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 0;
    p.out_height = p.out_width = 9;
    convkit::max_pool2d(p, x.data(), y.data());
    for (size_t i = 0; i < n; ++i) CHECK(y[i] == x[i], "dilation big nhwc %d at %zu", nhwc, i);
  }
}

// The validator the glue uses: each rule fails alone.
TEST(params_check) {
  const int64_t B = (int64_t{1} << 31) - 1;
  convkit::pool2d_params p = test::pool_params({2, 3, 9, 9, 3, 3, 2, 2, 1, 1, 1, 1}, true);
  CHECK(convkit::pool2d_params_check(p, true).empty(), "valid window refused: %s", convkit::pool2d_params_check(p, true).c_str());
  auto fails = [&](convkit::pool2d_params q, bool is_max, const char* want) {
    const std::string got = convkit::pool2d_params_check(q, is_max);
    CHECK(got.find(want) != std::string::npos, "want '%s', got '%s'", want, got.c_str());
  };
  convkit::pool2d_params q = p; q.pad_top = 2; fails(q, true, "padding must be at most half the kernel");
  q = p; q.dilation_w = 2; fails(q, false, "dilation is for max pooling only");
  q = p; q.out_width = 7; fails(q, true, "outWidth is 7 but the window gives 5");
  q = p; q.batch = 0; fails(q, true, "batch must be in [1,");
  q = p; q.batch = B; q.channels = B; q.in_height = q.in_width = B; q.kernel_h = q.kernel_w = B; q.stride_h = q.stride_w = B;
  q.pad_top = q.pad_bottom = q.pad_left = q.pad_right = 0; q.out_height = q.out_width = 1;
  fails(q, true, "x would have more than 2^53 elements");
}

int main() { return test::run_all("pool2d-test"); }
