// The pooling oracles: plain loops over every window (its taps inside the input), PyTorch's
// rules spelled out, forward and backward.
#include <algorithm>
#include <limits>
#include <vector>

#include "convkit/pool2d.h"
#include "util/window.h"

namespace convkit {
namespace {

// Element offset of (n, c, h, w) in either layout.
int64_t index4(const pool2d_params& p, bool in, int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t H = in ? p.in_height : p.out_height, W = in ? p.in_width : p.out_width;
  return p.data_layout == layout::nhwc ? ((n * H + h) * W + w) * p.channels + c
                                       : ((n * p.channels + c) * H + h) * W + w;
}

// Calls f(ih, iw) for the taps of output (oh, ow)'s max window that land in the input, in
// scan order (kh, then kw), until f returns true. Padded taps are skipped.
template <class F>
void for_each_tap(const pool2d_params& p, int64_t oh, int64_t ow, F f) {
  const int64_t ih0 = oh * p.stride_h - p.pad_top, iw0 = ow * p.stride_w - p.pad_left;
  const tap_span rows = valid_taps(ih0, p.dilation_h, p.kernel_h, p.in_height);
  const tap_span cols = valid_taps(iw0, p.dilation_w, p.kernel_w, p.in_width);
  for (int64_t kh = rows.lo; kh < rows.hi; ++kh) {
    for (int64_t kw = cols.lo; kw < cols.hi; ++kw) {
      if (f(ih0 + kh * p.dilation_h, iw0 + kw * p.dilation_w)) return;
    }
  }
}

// Output (oh, ow)'s avg window, PyTorch's rule spelled out: the cells [hstart, hend) x
// [wstart, wend) inside the input, and the divisor (count_include_pad: the window clipped to
// the padded input, counted before clipping to the input; else the real cells).
struct avg_box {
  int64_t hstart, hend, wstart, wend, div;
};
avg_box avg_box_of(const pool2d_params& p, int64_t oh, int64_t ow) {
  int64_t hstart = oh * p.stride_h - p.pad_top;
  int64_t wstart = ow * p.stride_w - p.pad_left;
  int64_t hend = std::min(hstart + p.kernel_h, p.in_height + p.pad_bottom);
  int64_t wend = std::min(wstart + p.kernel_w, p.in_width + p.pad_right);
  const int64_t pool_size = (hend - hstart) * (wend - wstart);  // before clipping
  hstart = std::max<int64_t>(hstart, 0);
  wstart = std::max<int64_t>(wstart, 0);
  hend = std::min(hend, p.in_height);
  wend = std::min(wend, p.in_width);
  return {hstart, hend, wstart, wend, p.count_include_pad ? pool_size : (hend - hstart) * (wend - wstart)};
}

}  // namespace

void max_pool2d_ref(const pool2d_params& p, const float* x, float* y) {
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          float best = -std::numeric_limits<float>::infinity();  // padding: -inf, never wins
          for_each_tap(p, oh, ow, [&](int64_t ih, int64_t iw) {
            const float v = x[index4(p, true, n, c, ih, iw)];
            if (v > best || v != v) best = v;  // NaN propagates
            return best != best;               // the first NaN is the answer
          });
          y[index4(p, false, n, c, oh, ow)] = best;
        }
}

void avg_pool2d_ref(const pool2d_params& p, const float* x, float* y) {
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          const avg_box b = avg_box_of(p, oh, ow);
          double sum = 0.0;
          for (int64_t ih = b.hstart; ih < b.hend; ++ih)
            for (int64_t iw = b.wstart; iw < b.wend; ++iw) sum += x[index4(p, true, n, c, ih, iw)];
          y[index4(p, false, n, c, oh, ow)] = b.div > 0 ? static_cast<float>(sum / b.div) : 0.0f;
        }
}

void max_pool2d_backward_ref(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  std::fill(dx, dx + p.batch * p.channels * p.in_height * p.in_width, 0.0f);
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          int64_t arg = -1;  // the first maximum in scan order; the first NaN wins
          float best = 0.0f;
          for_each_tap(p, oh, ow, [&](int64_t ih, int64_t iw) {
            const int64_t i = index4(p, true, n, c, ih, iw);
            const float v = x[i];
            if (arg < 0 || v > best || (v != v && best == best)) {
              best = v;
              arg = i;
            }
            return false;
          });
          if (arg >= 0) dx[arg] += dy[index4(p, false, n, c, oh, ow)];
        }
}

void avg_pool2d_backward_ref(const pool2d_params& p, const float* dy, float* dx) {
  const int64_t nx = p.batch * p.channels * p.in_height * p.in_width;
  std::vector<double> acc(static_cast<size_t>(nx), 0.0);
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t oh = 0; oh < p.out_height; ++oh)
        for (int64_t ow = 0; ow < p.out_width; ++ow) {
          const avg_box b = avg_box_of(p, oh, ow);
          if (b.div <= 0) continue;
          const double g = static_cast<double>(dy[index4(p, false, n, c, oh, ow)]) / b.div;
          for (int64_t ih = b.hstart; ih < b.hend; ++ih)
            for (int64_t iw = b.wstart; iw < b.wend; ++iw) acc[index4(p, true, n, c, ih, iw)] += g;
        }
  for (int64_t i = 0; i < nx; ++i) dx[i] = static_cast<float>(acc[i]);
}

}  // namespace convkit
