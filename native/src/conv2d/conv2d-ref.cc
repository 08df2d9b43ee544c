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

// Where the taps of one output pixel read, in p's layout: x[xn + c * x_c + tap.x] and
// w[co * cin_g * kh * kw + ci * w_c + tap.w] for the taps inside the input, kh then kw ascending
// (taps in the padding are skipped). Built once per output pixel so the channel loops below do no
// bounds checks: the sums keep their (ci, kh, kw) order.
struct pixel_taps {
  struct tap {
    int64_t x, w;
  };
  explicit pixel_taps(const conv2d_params& params) : p(params) {}

  const conv2d_params& p;
  const bool nhwc = p.data_layout == layout::nhwc;
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  const int64_t x_c = nhwc ? 1 : p.in_height * p.in_width;         // x's stride per channel
  const int64_t w_c = nhwc ? 1 : p.kernel_h * p.kernel_w;          // w's stride per input channel
  std::vector<tap> taps;

  // Offset of x's image n, channel 0 of co's group; of y's (n, co, oh, ow); of w's filter co.
  int64_t x_base(int64_t n, int64_t co) const {
    return n * p.in_channels * p.in_height * p.in_width + (co / cout_g) * cin_g * x_c;
  }
  int64_t y_at(int64_t n, int64_t co, int64_t oh, int64_t ow) const {
    return nhwc ? ((n * p.out_height + oh) * p.out_width + ow) * p.out_channels + co
                : ((n * p.out_channels + co) * p.out_height + oh) * p.out_width + ow;
  }
  int64_t w_base(int64_t co) const { return co * cin_g * p.kernel_h * p.kernel_w; }

  void build(int64_t oh, int64_t ow) {
    taps.clear();
    for_each_input_tap(p, oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
      const int64_t pixel = ih * p.in_width + iw, k = kh * p.kernel_w + kw;
      taps.push_back({nhwc ? pixel * p.in_channels : pixel, nhwc ? k * cin_g : k});
    });
  }
};

// Calls f(x index, y index, w index) for every (n, co, oh, ow, ci, kh, kw) whose tap lies
// inside the input, in that order: the one loop nest behind both gradients.
template <class F>
void for_each_tap(const conv2d_params& p, F f) {
  pixel_taps at{p};
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t co = 0; co < p.out_channels; ++co)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          at.build(oh, ow);
          const int64_t xb = at.x_base(n, co), yi = at.y_at(n, co, oh, ow), wb = at.w_base(co);
          for (int64_t ci = 0; ci < at.cin_g; ++ci)
            for (const pixel_taps::tap& t : at.taps) f(xb + ci * at.x_c + t.x, yi, wb + ci * at.w_c + t.w);
        }
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
  pixel_taps at{p};
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t co = 0; co < p.out_channels; ++co) {
      const float* xn = x + at.x_base(n, co);
      const float* wco = w + at.w_base(co);
      for (int64_t oh = 0; oh < p.out_height; ++oh) {
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          at.build(oh, ow);
          double acc = p.has_bias ? b[co] : 0.0;
          for (int64_t ci = 0; ci < at.cin_g; ++ci) {
            const float* xc = xn + ci * at.x_c;
            const float* wc = wco + ci * at.w_c;
            for (const pixel_taps::tap& t : at.taps) acc += static_cast<double>(xc[t.x]) * wc[t.w];
          }
          const int64_t yi = at.y_at(n, co, oh, ow);
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
  const pixel_taps at{p};
  for (int64_t co = 0; co < p.out_channels; ++co) {
    double s = 0.0;
    for (int64_t n = 0; n < p.batch; ++n)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) s += dy[at.y_at(n, co, oh, ow)];
    db[co] = static_cast<float>(s);
  }
}

}  // namespace convkit
