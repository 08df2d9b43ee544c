// conv2d_params_check and the output-size rule (convkit/conv2d.h): the one place the core
// states what a valid convolution is.
#include <string>

#include "convkit/conv2d.h"
#include "util/checked.h"

namespace convkit {

int64_t conv2d_out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before,
                        int64_t pad_after, int64_t dilation) {
  const int64_t span = in + pad_before + pad_after - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

int64_t conv2d_x_size(const conv2d_params& p) { return p.batch * p.in_channels * p.in_height * p.in_width; }
int64_t conv2d_w_size(const conv2d_params& p) {
  return p.out_channels * (p.in_channels / p.groups) * p.kernel_h * p.kernel_w;
}
int64_t conv2d_out_elements(const conv2d_params& p) { return p.batch * p.out_channels * p.out_height * p.out_width; }
int64_t conv2d_y_size(const conv2d_params& p) {
  if (!conv2d_y_is_slice(p)) return conv2d_out_elements(p);
  const int64_t P = p.out_height * p.out_width;
  return p.data_layout == layout::nhwc ? (p.batch * P - 1) * p.y_channels + p.out_channels
                                       : ((p.batch - 1) * p.y_channels + p.out_channels) * P;
}

std::string conv2d_params_check(const conv2d_params& p) {
  using std::to_string;
  const std::string bad = out_of_range({
      {"batch", p.batch, 1}, {"inChannels", p.in_channels, 1}, {"inHeight", p.in_height, 1},
      {"inWidth", p.in_width, 1}, {"outChannels", p.out_channels, 1}, {"outHeight", p.out_height, 1},
      {"outWidth", p.out_width, 1}, {"kernelH", p.kernel_h, 1}, {"kernelW", p.kernel_w, 1},
      {"strideH", p.stride_h, 1}, {"strideW", p.stride_w, 1}, {"padTop", p.pad_top, 0},
      {"padBottom", p.pad_bottom, 0}, {"padLeft", p.pad_left, 0}, {"padRight", p.pad_right, 0},
      {"dilationH", p.dilation_h, 1}, {"dilationW", p.dilation_w, 1}, {"groups", p.groups, 1}});
  if (!bad.empty()) return bad;
  if (p.in_channels % p.groups != 0 || p.out_channels % p.groups != 0) {
    return "groups " + to_string(p.groups) + " must divide inChannels " + to_string(p.in_channels) +
           " and outChannels " + to_string(p.out_channels);
  }
  const int64_t oh = conv2d_out_size(p.in_height, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t ow = conv2d_out_size(p.in_width, p.kernel_w, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  if (oh != p.out_height || ow != p.out_width) {
    return "outHeight x outWidth is " + to_string(p.out_height) + "x" + to_string(p.out_width) +
           " but the input, kernel, stride, padding and dilation give " + to_string(oh) + "x" + to_string(ow);
  }
  const struct { const char* name; int64_t f[4]; } tensors[] = {
      {"x", {p.batch, p.in_channels, p.in_height, p.in_width}},
      {"w", {p.out_channels, p.in_channels / p.groups, p.kernel_h, p.kernel_w}},
      {"y", {p.batch, p.out_channels, p.out_height, p.out_width}}};
  for (const auto& t : tensors) {
    if (!checked_elements({t.f[0], t.f[1], t.f[2], t.f[3]})) {
      return std::string(t.name) + " would have more than 2^53 elements";
    }
  }
  if (p.y_channels != 0) {
    if (p.y_channels < p.out_channels || p.y_channels > (int64_t{1} << 31) - 1) {
      return "yChannels " + to_string(p.y_channels) + " must be in [outChannels " + to_string(p.out_channels) +
             ", 2^31 - 1] (or absent: y is the plain output)";
    }
    if (!checked_elements({p.batch, p.y_channels, p.out_height, p.out_width})) {
      return "the tensor y is a slice of would have more than 2^53 elements";
    }
  }
  return {};
}

}  // namespace convkit
