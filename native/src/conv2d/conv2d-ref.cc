// The conv2d oracles: seven plain loops, double accumulation, every parameter honoured
// (stride, asymmetric padding, dilation, groups, both layouts, bias, ReLU), forward and
// backward.
#include <cmath>
#include <cstddef>
#include <vector>

#include "conv2d/im2col.h"
#include "convkit/conv2d.h"

namespace convkit {
namespace {

// Element offsets of x (n, c, h, w), y (n, c, oh, ow) and w (co, ci, kh, kw) in p's layout.
struct conv_index {
  const conv2d_params& p;
  bool nhwc() const { return p.data_layout == layout::nhwc; }
  int64_t x(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return nhwc() ? ((n * p.in_height + h) * p.in_width + w) * p.in_channels + c
                  : ((n * p.in_channels + c) * p.in_height + h) * p.in_width + w;
  }
  int64_t y(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return nhwc() ? ((n * p.out_height + h) * p.out_width + w) * p.out_channels + c
                  : ((n * p.out_channels + c) * p.out_height + h) * p.out_width + w;
  }
  int64_t w(int64_t co, int64_t ci, int64_t kh, int64_t kw) const {
    const int64_t cin_g = p.in_channels / p.groups;
    return nhwc() ? ((co * p.kernel_h + kh) * p.kernel_w + kw) * cin_g + ci
                  : ((co * cin_g + ci) * p.kernel_h + kh) * p.kernel_w + kw;
  }
};

// Calls f(x index, y index, w index) for every (n, co, oh, ow, ci, kh, kw) whose tap lies
// inside the input: the one loop nest behind both gradients.
template <class F>
void for_each_tap(const conv2d_params& p, F f) {
  const conv_index at{p};
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t co = 0; co < p.out_channels; ++co)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow)
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for_each_input_tap(p, oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
              f(at.x(n, (co / cout_g) * cin_g + ci, ih, iw), at.y(n, co, oh, ow), at.w(co, ci, kh, kw));
            });
}

// The activation in double (libm's exp), rounded once: the oracle of the fast epilogues.
float activate_ref(activation act, float v) {
  const double d = v;
  switch (act) {
    case activation::none: return v;
    case activation::relu: return v < 0.0f ? 0.0f : v;  // keeps NaN
    case activation::relu6: return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    case activation::sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-d)));
    case activation::silu: return static_cast<float>(d / (1.0 + std::exp(-d)));
    case activation::hard_swish: {
      const double t = d + 3.0;
      return static_cast<float>(d * (t < 0.0 ? 0.0 : (t > 6.0 ? 6.0 : t)) / 6.0);
    }
  }
  return v;
}

}  // namespace

void conv2d_ref(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                const float* r) {
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const bool nhwc = p.data_layout == layout::nhwc;
  auto x_at = [&](int64_t n, int64_t c, int64_t h, int64_t ww) {
    return nhwc ? x[((n * H + h) * W + ww) * p.in_channels + c]
                : x[((n * p.in_channels + c) * H + h) * W + ww];
  };
  auto w_at = [&](int64_t co, int64_t ci, int64_t kh, int64_t kw) {
    return nhwc ? w[((co * p.kernel_h + kh) * p.kernel_w + kw) * cin_g + ci]
                : w[((co * cin_g + ci) * p.kernel_h + kh) * p.kernel_w + kw];
  };
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t co = 0; co < p.out_channels; ++co) {
      const int64_t g = co / cout_g;
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = p.has_bias ? b[co] : 0.0;
          for (int64_t ci = 0; ci < cin_g; ++ci) {
            for_each_input_tap(p, oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
              acc += static_cast<double>(x_at(n, g * cin_g + ci, ih, iw)) * w_at(co, ci, kh, kw);
            });
          }
          const int64_t yi = nhwc ? ((n * OH + oh) * OW + ow) * p.out_channels + co
                                  : ((n * p.out_channels + co) * OH + oh) * OW + ow;
          float v = static_cast<float>(acc);
          if (r != nullptr) v += r[yi];
          y[yi] = activate_ref(p.act, v);
        }
      }
    }
  }
}

void conv2d_backward_data_ref(const conv2d_params& p, const float* dy, const float* w, float* dx) {
  const int64_t nx = p.batch * p.in_channels * p.in_height * p.in_width;
  std::vector<double> acc(static_cast<size_t>(nx), 0.0);
  for_each_tap(p, [&](int64_t xi, int64_t yi, int64_t wi) {
    acc[xi] += static_cast<double>(dy[yi]) * w[wi];
  });
  for (int64_t i = 0; i < nx; ++i) dx[i] = static_cast<float>(acc[i]);
}

void conv2d_backward_filter_ref(const conv2d_params& p, const float* dy, const float* x, float* dw,
                                float* db) {
  const int64_t nw = p.out_channels * (p.in_channels / p.groups) * p.kernel_h * p.kernel_w;
  std::vector<double> acc(static_cast<size_t>(nw), 0.0);
  for_each_tap(p, [&](int64_t xi, int64_t yi, int64_t wi) {
    acc[wi] += static_cast<double>(dy[yi]) * x[xi];
  });
  for (int64_t i = 0; i < nw; ++i) dw[i] = static_cast<float>(acc[i]);
  if (db == nullptr) return;
  const conv_index at{p};
  for (int64_t co = 0; co < p.out_channels; ++co) {
    double s = 0.0;
    for (int64_t n = 0; n < p.batch; ++n)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) s += dy[at.y(n, co, oh, ow)];
    db[co] = static_cast<float>(s);
  }
}

}  // namespace convkit
