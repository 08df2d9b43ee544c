// The conv2d oracle: seven plain loops, double accumulation, every parameter honoured
// (stride, asymmetric padding, dilation, groups, both layouts, bias, ReLU).
#include "convkit/conv2d.h"

namespace convkit {

void conv2d_ref(const conv2d_params& p, const float* x, const float* w, const float* b, float* y) {
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
            for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
              const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
              if (ih < 0 || ih >= H) continue;
              for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
                const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
                if (iw < 0 || iw >= W) continue;
                acc += static_cast<double>(x_at(n, g * cin_g + ci, ih, iw)) * w_at(co, ci, kh, kw);
              }
            }
          }
          float v = static_cast<float>(acc);
          if (p.act == activation::relu && v < 0.0f) v = 0.0f;
          const int64_t yi = nhwc ? ((n * OH + oh) * OW + ow) * p.out_channels + co
                                  : ((n * p.out_channels + co) * OH + oh) * OW + ow;
          y[yi] = v;
        }
      }
    }
  }
}

}  // namespace convkit
