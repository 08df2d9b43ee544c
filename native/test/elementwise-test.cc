// Binary broadcast ops, unary math and reductions against plain reference loops (double where
// it matters), at whatever level CONVKIT_ISA selects (ctest runs every level).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "convkit/activation.h"
#include "convkit/elementwise.h"
#include "convkit/reduce.h"
#include "harness.h"

static bool close(double got, double want, double rtol, double atol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

// [N, C, HW] with b a [C, 1] bias (strides 0, 1, 0), and a same-shape add, threaded sizes.
TEST(binary_broadcast_bias_and_same_shape) {
  const int64_t N = 3, C = 17, HW = 6007, n = N * C * HW;
  auto a = test::rand_vec(n, -3, 3), b = test::rand_vec(C, -3, 3), b2 = test::rand_vec(n, -3, 3);
  std::vector<float> y(n), y2(n);
  const int64_t dims[] = {N, C, HW}, as[] = {C * HW, HW, 1}, bs[] = {0, 1, 0};
  for (int k = 0; k < 7; ++k) {
    convkit::binary(static_cast<convkit::binary_kind>(k), a.data(), b.data(), y.data(), 3, dims, as, bs, n);
    const int64_t d1[] = {n}, s1[] = {1};
    convkit::binary(static_cast<convkit::binary_kind>(k), a.data(), b2.data(), y2.data(), 1, d1, s1, s1, n);
    for (int64_t i = 0; i < n; ++i) {
      const float u = a[i], v = b[(i / HW) % C], v2 = b2[i];
      auto ref = [k](float p, float q) -> float {
        switch (k) {
          case 0: return p + q;
          case 1: return p - q;
          case 2: return p * q;
          case 3: return p / q;
          case 4: return std::pow(p, q);
          case 5: return p > q ? p : q;
          default: return p < q ? p : q;
        }
      };
      const float w = ref(u, v), w2 = ref(u, v2);
      if (!((y[i] == w || (std::isnan(w) && std::isnan(y[i]))) && (y2[i] == w2 || (std::isnan(w2) && std::isnan(y2[i]))))) {
        CHECK(false, "kind %d at %lld: %g vs %g, %g vs %g", k, static_cast<long long>(i), y[i], w, y2[i], w2);
        return;
      }
    }
  }
}

TEST(unary_math_accuracy) {
  const size_t n = 100003;
  auto x = test::rand_vec(n, -20, 20);
  x[0] = 0; x[1] = -0.0f; x[2] = INFINITY; x[3] = -INFINITY; x[4] = NAN; x[5] = 88.7f; x[6] = -103.0f; x[7] = 1e-40f;
  std::vector<float> y(n);
  using K = convkit::activation_kind;
  const float slope[] = {0.1f}, range[] = {-2.0f, 3.0f};
  struct u { K k; const float* p; double (*f)(double); };
  const u cases[] = {
      {K::exp, nullptr, [](double v) { return std::exp(v); }},
      {K::log, nullptr, [](double v) { return std::log(v); }},
      {K::sqrt, nullptr, [](double v) { return std::sqrt(v); }},
      {K::abs, nullptr, [](double v) { return std::fabs(v); }},
      {K::neg, nullptr, [](double v) { return -v; }},
      {K::silu, nullptr, [](double v) { return v / (1 + std::exp(-v)); }},
      {K::gelu, nullptr, [](double v) { return 0.5 * v * std::erfc(-v / std::sqrt(2.0)); }},
      {K::hard_swish, nullptr, [](double v) { return v * std::fmin(std::fmax(v + 3, 0), 6) / 6; }},
      {K::leaky_relu, slope, [](double v) { return v > 0 ? v : v * 0.1; }},
      {K::clamp, range, [](double v) { return std::isnan(v) ? v : std::fmin(std::fmax(v, -2.0), 3.0); }},
  };
  for (const u& c : cases) {
    convkit::activation(c.k, x.data(), y.data(), static_cast<int64_t>(n), c.p);
    for (size_t i = 0; i < n; ++i) {
      const double want = static_cast<float>(c.f(x[i]));
      // gelu: Phi's fit is good to ~1.1e-7 relative (worst gelu error ~6e-7); elsewhere a few ulp.
      if (!close(y[i], want, 1e-6, 1e-37)) {
        CHECK(false, "kind %d x=%g: %.9g vs %.9g", static_cast<int>(c.k), x[i], y[i], want);
        break;
      }
    }
  }
}

// gelu on a dense sweep of [-14, 14] and the far range, against double: within 1e-6 relative
// (1e-37 absolute, where the true value is below FLT_MIN-ish scales), NaN at NaN and -inf.
TEST(gelu_dense_sweep) {
  std::vector<float> x;
  for (int i = -1400000; i <= 1400000; ++i) x.push_back(static_cast<float>(i) * 1e-5f);
  for (float v : {13.0f, -13.0f, 12.999999f, -12.999999f, 13.000001f, -13.000001f, 1e3f, -1e3f, 1e19f, -1e19f, 1e30f, -1e30f, 3e38f, -3e38f,
                  1e-40f, -1e-40f, 1e-30f, -1e-30f, INFINITY}) {
    x.push_back(v);
  }
  const size_t n = x.size();
  std::vector<float> y(n);
  convkit::activation(convkit::activation_kind::gelu, x.data(), y.data(), static_cast<int64_t>(n), nullptr);
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i], want = 0.5 * v * std::erfc(-v / std::sqrt(2.0));
    if (!close(y[i], want, 1e-6, 1e-37)) {
      CHECK(false, "gelu x=%.9g: %.9g vs %.9g", x[i], y[i], want);
      return;
    }
    if (std::fabs(want) > 1e-30) worst = std::fmax(worst, std::fabs(y[i] - want) / std::fabs(want));
  }
  std::printf("gelu worst relative error %.3g\n", worst);
  float special[3] = {NAN, -INFINITY, 0.0f}, out[3];
  convkit::activation(convkit::activation_kind::gelu, special, out, 3, nullptr);
  CHECK(std::isnan(out[0]) && std::isnan(out[1]) && out[2] == 0.0f, "gelu NaN, -inf, 0: %g %g %g", out[0], out[1], out[2]);
}

// silu down its lower tail into the denormals (exp(-|x|) scaled in two steps) and the far range.
TEST(silu_tail_sweep) {
  std::vector<float> x;
  for (int i = -130000; i <= 30000; ++i) x.push_back(static_cast<float>(i) * 1e-3f);
  for (float v : {1e30f, -1e30f, 3e38f, -3e38f, 1e-40f, -1e-40f, INFINITY}) x.push_back(v);
  const size_t n = x.size();
  std::vector<float> y(n);
  convkit::activation(convkit::activation_kind::silu, x.data(), y.data(), static_cast<int64_t>(n), nullptr);
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i], want = v / (1 + std::exp(-v));
    if (!close(y[i], want, 1e-6, 1e-37)) {
      CHECK(false, "silu x=%.9g: %.9g vs %.9g", x[i], y[i], want);
      return;
    }
  }
  float special[2] = {NAN, -INFINITY}, out[2];
  convkit::activation(convkit::activation_kind::silu, special, out, 2, nullptr);
  CHECK(std::isnan(out[0]) && std::isnan(out[1]), "silu NaN, -inf: %g %g", out[0], out[1]);
}

TEST(reductions_rows_and_cols) {
  const int64_t shapes[][3] = {{1, 300007, 1}, {37, 1001, 1}, {5, 33, 77}, {2, 9, 70001}, {3, 1, 5}, {1, 0, 4}};
  for (const auto& s : shapes) {
    const int64_t O = s[0], A = s[1], I = s[2];
    auto x = test::rand_vec(O * A * I, -1, 1);
    if (O * A * I > 10) x[10] = NAN;
    std::vector<float> y(O * I);
    std::vector<int32_t> yi(O * I);
    for (int k = 0; k < 4; ++k) {
      convkit::reduce(static_cast<convkit::reduce_kind>(k), x.data(), y.data(), O, A, I);
      for (int64_t o = 0; o < O; ++o) {
        for (int64_t i = 0; i < I; ++i) {
          double acc = k == 2 ? -INFINITY : k == 3 ? INFINITY : 0, mag = 0;
          bool nan = false;
          for (int64_t a = 0; a < A; ++a) {
            const float v = x[(o * A + a) * I + i];
            nan |= std::isnan(v);
            if (k <= 1) acc += v, mag += std::fabs(v);
            if (k == 2) acc = std::fmax(acc, v);
            if (k == 3) acc = std::fmin(acc, v);
          }
          if (k == 1) acc /= A, mag /= A;
          if (nan) acc = NAN;
          if (!close(y[o * I + i], acc, 0, 1e-6 * (mag + 1))) {
            CHECK(false, "kind %d [%lld %lld %lld] at %lld,%lld: %g vs %g", k, (long long)O, (long long)A, (long long)I, (long long)o, (long long)i, y[o * I + i], acc);
            return;
          }
        }
      }
    }
    if (A == 0) continue;
    convkit::argmax(x.data(), yi.data(), O, A, I);
    for (int64_t o = 0; o < O; ++o) {
      for (int64_t i = 0; i < I; ++i) {
        int64_t at = 0;
        float best = x[o * A * I + i];
        for (int64_t a = 1; a < A && !std::isnan(best); ++a) {
          const float v = x[(o * A + a) * I + i];
          if (v > best || std::isnan(v)) best = v, at = a;
        }
        if (yi[o * I + i] != at) { CHECK(false, "argmax at %lld,%lld: %d vs %lld", (long long)o, (long long)i, yi[o * I + i], (long long)at); return; }
      }
    }
  }
}

// Rows and element-wise maps at every float offset into a cache line (V8's typed arrays start
// 16 bytes in): the same bits as from a line-aligned copy (the AVX-512 row sums read aligned
// lines and join them in registers, the maps peel a head to the output's line), nothing written
// outside the output.
TEST(rows_and_maps_at_any_address) {
  const int64_t axes[] = {64, 65, 79, 80, 127, 128, 131, 1024, 1027};
  const int64_t R = 3;
  for (int64_t A : axes) {
    auto x = test::rand_vec(R * A, -1, 1);
    if (A == 79) x[70] = NAN;  // past the vector part of row 0 at some offsets, inside at others
    if (A == 131) x[A + 5] = NAN;
    std::vector<float> xa(R * A + 64 + 16), y0(R), y(R);
    float* base = xa.data() + ((64 - reinterpret_cast<uintptr_t>(xa.data()) % 64) % 64) / 4;
    for (int k = 0; k < 3; ++k) {
      const auto kind = static_cast<convkit::reduce_kind>(k == 0 ? 0 : k + 1);
      std::copy(x.begin(), x.end(), base);
      convkit::reduce(kind, base, y0.data(), R, A, 1);
      for (int s = 1; s < 16; ++s) {
        std::copy(x.begin(), x.end(), base + s);
        convkit::reduce(kind, base + s, y.data(), R, A, 1);
        for (int64_t r = 0; r < R; ++r) {
          const bool same = std::isnan(y0[r]) ? std::isnan(y[r]) : std::memcmp(&y0[r], &y[r], 4) == 0;
          if (!same) { CHECK(false, "reduce kind %d axis %lld offset %d row %lld: %a vs %a", k, (long long)A, s, (long long)r, y[r], y0[r]); return; }
        }
      }
    }
  }
  const int64_t n = 1000, d1[] = {n}, s1[] = {1};
  auto x = test::rand_vec(n, -3, 3), b = test::rand_vec(n, -1, 1);
  std::vector<float> gelu0(n), add0(n), out(n + 64);
  convkit::activation(convkit::activation_kind::gelu, x.data(), gelu0.data(), n, nullptr);
  convkit::binary(convkit::binary_kind::add, x.data(), b.data(), add0.data(), 1, d1, s1, s1, n);
  for (int s = 0; s < 16; ++s) {
    float* y = out.data() + 16 + s;
    std::fill(out.begin(), out.end(), 7.0f);
    convkit::activation(convkit::activation_kind::gelu, x.data(), y, n, nullptr);
    CHECK(y[-1] == 7.0f && y[n] == 7.0f, "gelu at offset %d wrote outside its output", s);
    CHECK(std::memcmp(y, gelu0.data(), n * 4) == 0, "gelu at offset %d: other bits than line-aligned", s);
    std::fill(out.begin(), out.end(), 7.0f);
    convkit::binary(convkit::binary_kind::add, x.data(), b.data(), y, 1, d1, s1, s1, n);
    CHECK(y[-1] == 7.0f && y[n] == 7.0f, "add at offset %d wrote outside its output", s);
    CHECK(std::memcmp(y, add0.data(), n * 4) == 0, "add at offset %d: other bits than line-aligned", s);
  }
}

int main() { return test::run_all("elementwise"); }
