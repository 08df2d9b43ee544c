// conv2d_int8 against a reference written from convkit/conv2d.h's formula alone (plain loops:
// x and each filter quantized as the int8 GEMM does, int64 sums over the taps inside the
// image (a padded tap is the zero point: q = 0), d = fl(fl(q) * fl(sx * sw_o)), then the conv
// config's epilogue rows as every path finishes), bit for bit: pointwise (x's rows read in
// place), 3x3 padded, strided with asymmetric padding, a 7x7 stem of Cin 3, dilation, groups,
// depthwise, Cin not a multiple of 4, both layouts, batch 2, bias, residual and activations,
// at 1 and 2 threads; NaN in x (every output NaN) and in one filter (its channel); the K limit.
#include <cmath>
#include <cstring>
#include <limits>

#include "configs/conv2d-config.h"
#include "conv-shapes.h"
#include "convkit/conv2d.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "convkit/qgemm.h"
#include "harness.h"

using convkit::conv2d_params;
using shape = test::conv_shape;

namespace {

float mulr(float x, float y) { volatile float r = x * y; return r; }
float divr(float x, float y) { volatile float r = x / y; return r; }

int32_t quant(float v, float s) {
  if (s == 0.0f || std::isnan(s)) return 0;
  return static_cast<int32_t>(std::fmin(std::fmax(std::nearbyint(divr(v, s)), -127.0f), 127.0f));
}

float scale(const float* v, int64_t n, int64_t stride) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i * stride])) return std::numeric_limits<float>::quiet_NaN();
    m = std::fmax(m, std::fabs(v[i * stride]));
  }
  return divr(m, 127.0f);
}

void reference(const conv2d_params& p, const float* x, const float* w, const float* b, float* y, const float* r) {
  const bool nhwc = p.data_layout == convkit::layout::nhwc;
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G, kk = p.kernel_h * p.kernel_w;
  const int64_t H = p.in_height, W = p.in_width, C = p.in_channels, P = p.out_height * p.out_width;
  const int64_t nx = p.batch * C * H * W;
  const float sx = scale(x, nx, 1);
  std::vector<int32_t> qx(static_cast<size_t>(nx));  // x quantized once: each value's q
  for (int64_t i = 0; i < nx; ++i) qx[i] = quant(x[i], sx);
  auto X = [&](int64_t n, int64_t c, int64_t h, int64_t wi) {
    return nhwc ? qx[((n * H + h) * W + wi) * C + c] : qx[((n * C + c) * H + h) * W + wi];
  };
  // Filter o's tap (ci, kh, kw) within its block of cin_g * kk values.
  auto Wt = [&](int64_t ci, int64_t kh, int64_t kw) {
    return nhwc ? (kh * p.kernel_w + kw) * cin_g + ci : (ci * p.kernel_h + kh) * p.kernel_w + kw;
  };
  for (int64_t o = 0; o < p.out_channels; ++o) {
    const float sw = scale(w + o * cin_g * kk, cin_g * kk, 1);  // a filter is contiguous in both layouts
    const float s = mulr(sx, sw);
    std::vector<int32_t> qw(static_cast<size_t>(cin_g * kk));
    for (int64_t i = 0; i < cin_g * kk; ++i) qw[i] = quant(w[o * cin_g * kk + i], sw);
    const int64_t g = o / cout_g;
    for (int64_t n = 0; n < p.batch; ++n) {
      for (int64_t oh = 0; oh < p.out_height; ++oh) {
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          int64_t q = 0;
          for (int64_t ci = 0; ci < cin_g; ++ci) {
            for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
              for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
                const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
                const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                q += X(n, g * cin_g + ci, ih, iw) * qw[Wt(ci, kh, kw)];
              }
            }
          }
          const int64_t pos = oh * p.out_width + ow;
          y[nhwc ? (n * P + pos) * p.out_channels + o : (n * p.out_channels + o) * P + pos] = mulr(static_cast<float>(q), s);
        }
      }
    }
  }
  const auto rows = convkit::get_conv2d_config().epilogue_rows;
  const float* bias = p.has_bias ? b : nullptr;
  if (nhwc) {
    rows(y, p.batch * P, p.out_channels, p.out_channels, bias, false, r, p.act);
  } else {
    for (int64_t nc = 0; nc < p.batch * p.out_channels; ++nc) {
      rows(y + nc * P, 1, P, P, bias ? bias + nc % p.out_channels : nullptr, true, r ? r + nc * P : nullptr, p.act);
    }
  }
}

bool same(float a, float b) {
  uint32_t u, v;
  std::memcpy(&u, &a, 4);
  std::memcpy(&v, &b, 4);
  return u == v || (std::isnan(a) && std::isnan(b));
}

void check(shape s, bool residual, convkit::activation act, void (*edit)(std::vector<float>&, std::vector<float>&) = nullptr) {
  conv2d_params p = test::conv_params(s);
  p.act = act;
  const size_t nx = conv2d_x_size(p), nw = conv2d_w_size(p), ny = conv2d_y_size(p);
  auto xv = test::rand_vec(nx), wv = test::rand_vec(nw);
  const auto bv = test::rand_vec(s.cout), rv = test::rand_vec(ny);
  if (edit) edit(xv, wv);
  test::guarded x(nx), w(nw), y(ny);
  x.copy_from(xv);
  w.copy_from(wv);
  const float* r = residual ? rv.data() : nullptr;
  CHECK(convkit::conv2d_int8(p, x.data(), w.data(), bv.data(), y.data(), r), "refused");
  CHECK(convkit::take_last_conv_path() == convkit::conv_path::int8_gemm, "not the int8 path");
  std::vector<float> want(ny);
  reference(p, xv.data(), wv.data(), bv.data(), want.data(), r);
  for (size_t i = 0; i < ny; ++i) {
    if (!same(y[i], want[i])) {
      CHECK(false, "conv2d_int8 N%ld Cin%ld %ldx%ld Cout%ld k%ldx%ld s%ld g%ld %s act %d res %d: [%zu] got %.9g want %.9g",
            (long)s.n, (long)s.cin, (long)s.h, (long)s.w, (long)s.cout, (long)s.kh, (long)s.kw, (long)s.sh, (long)s.g,
            s.nhwc ? "nhwc" : "nchw", static_cast<int>(act), (int)residual, i, y[i], want[i]);
      return;
    }
  }
}

}  // namespace

TEST(conv2d_int8_matches_the_formula_bit_for_bit) {
  using convkit::activation;
  for (int threads : {1, 2}) for (bool nhwc : {false, true}) {
    convkit::set_num_threads(threads);
    const shape list[] = {
        {2, 64, 7, 9, 40, 1, 1},                                 // pointwise (NHWC: x's rows in place)
        {1, 30, 5, 6, 33, 1, 1},                                 // pointwise, Cin % 4 = 2
        {1, 19, 11, 13, 33, 3, 3, 1, 1, 1, 1, 1, 1},              // 3x3 pad 1
        {2, 16, 12, 10, 24, 3, 3, 2, 2, 1, 0, 1, 0},              // stride 2, asymmetric pad
        {1, 3, 30, 30, 16, 7, 7, 2, 2, 3, 3, 3, 3},               // stem: 7x7 s2, Cin 3
        {1, 8, 9, 9, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},            // dilation 2
        {1, 32, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4},        // groups 4
        {1, 24, 7, 7, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 24},       // depthwise
        {1, 40, 5, 5, 48, 1, 1, 2, 2},                            // 1x1 stride 2
        {1, 64, 20, 20, 70, 3, 3, 1, 1, 1, 1, 1, 1},              // 400 positions, 70 channels: row blocks, panels
    };
    for (shape s : list) {
      s.nhwc = nhwc;
      s.bias = true;
      check(s, false, activation::none);
      check(s, true, activation::relu);
      check(s, false, activation::silu);
    }
  }
  // 2304 im2col rows of 2304 bytes: two chunks of about 4 MB.
  shape chunks{1, 256, 48, 48, 8, 3, 3, 1, 1, 1, 1, 1, 1};
  chunks.nhwc = true;
  chunks.bias = true;
  check(chunks, true, activation::relu);
  convkit::set_num_threads(1);
}

TEST(conv2d_int8_nonfinite_and_limits) {
  using convkit::activation;
  for (bool nhwc : {false, true}) {
    shape s{1, 8, 6, 6, 12, 3, 3, 1, 1, 1, 1, 1, 1};
    s.nhwc = nhwc;
    check(s, false, activation::none, [](std::vector<float>& x, std::vector<float>&) { x[5] = std::numeric_limits<float>::quiet_NaN(); });
    check(s, false, activation::relu, [](std::vector<float>&, std::vector<float>& w) { w[3 * 72 + 10] = std::numeric_limits<float>::infinity(); });
    check(s, false, activation::none, [](std::vector<float>& x, std::vector<float>&) { std::fill(x.begin(), x.end(), 0.0f); });
  }
  // A filter of more than kQgemmMaxK taps is refused, y untouched.
  shape big{1, 8193, 3, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1};  // 9 * 8193 = 73737 taps
  const conv2d_params p = test::conv_params(big);
  std::vector<float> x(conv2d_x_size(p)), w(conv2d_w_size(p)), y(conv2d_y_size(p), 7.0f);
  CHECK(!convkit::conv2d_int8(p, x.data(), w.data(), nullptr, y.data()), "over the limit accepted");
  for (float v : y) CHECK(v == 7.0f, "y written");
}

// Filters quantized once: conv2d_int8_packed gives conv2d_int8's bits, without reading w.
TEST(conv2d_int8_prepacked_is_bit_exact) {
  for (bool nhwc : {false, true}) {
    for (shape s : {shape{2, 64, 7, 9, 40, 1, 1}, shape{1, 19, 11, 13, 33, 3, 3, 1, 1, 1, 1, 1, 1},
                    shape{1, 32, 6, 6, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4}}) {
      s.nhwc = nhwc;
      s.bias = true;
      s.relu = true;
      const conv2d_params p = test::conv_params(s);
      const size_t nx = conv2d_x_size(p), nw = conv2d_w_size(p), ny = conv2d_y_size(p);
      const auto x = test::rand_vec(nx), w = test::rand_vec(nw), b = test::rand_vec(s.cout);
      std::vector<float> packed(static_cast<size_t>(convkit::conv2d_int8_packed_size(p))), y0(ny), y1(ny);
      CHECK(!packed.empty(), "no packed size");
      convkit::conv2d_int8_prepack(p, w.data(), packed.data());
      CHECK(convkit::conv2d_int8(p, x.data(), w.data(), b.data(), y0.data()), "refused");
      CHECK(convkit::conv2d_int8_packed(p, x.data(), packed.data(), b.data(), y1.data()), "packed refused");
      CHECK(std::memcmp(y0.data(), y1.data(), ny * 4) == 0, "prepacked differs (%s, Cin %ld)", nhwc ? "nhwc" : "nchw", (long)s.cin);
    }
  }
}

int main() { return test::run_all("conv2d-int8-test"); }
