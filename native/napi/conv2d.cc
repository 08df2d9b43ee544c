// conv2d(x, w, b, y, info) and conv2dAsync: unpack Conv2dInfo, check it and the buffer
// lengths, call convkit::conv2d.
#include <functional>
#include <vector>

#include "async.h"
#include "check.h"
#include "convkit/conv2d.h"
#include "glue.h"

namespace convkit::glue {
namespace {

constexpr const char* kOp = "conv2d";

struct conv2d_call {
  std::function<void()> job;
  std::vector<Napi::Value> keep;
};

int64_t conv_out(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pa, int64_t d) {
  const int64_t span = in + pb + pa - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

conv2d_call parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) {
    throw_type_error(env, kOp, "expected (x, w, b, y, info), got " + std::to_string(info.Length()) + " arguments");
  }
  const f32_view x = float_array(env, info[0], kOp, "x");
  const f32_view w = float_array(env, info[1], kOp, "w");
  const f32_view y = float_array(env, info[3], kOp, "y");
  const Napi::Object o = info_object(env, info[4], kOp);

  conv2d_params p{};
  p.batch = int_field(env, o, kOp, "batch", 1);
  p.in_channels = int_field(env, o, kOp, "inChannels", 1);
  p.in_height = int_field(env, o, kOp, "inHeight", 1);
  p.in_width = int_field(env, o, kOp, "inWidth", 1);
  p.out_channels = int_field(env, o, kOp, "outChannels", 1);
  p.out_height = int_field(env, o, kOp, "outHeight", 1);
  p.out_width = int_field(env, o, kOp, "outWidth", 1);
  p.kernel_h = int_field(env, o, kOp, "kernelH", 1);
  p.kernel_w = int_field(env, o, kOp, "kernelW", 1);
  p.stride_h = int_field(env, o, kOp, "strideH", 1);
  p.stride_w = int_field(env, o, kOp, "strideW", 1);
  p.pad_top = int_field(env, o, kOp, "padTop", 0);
  p.pad_bottom = int_field(env, o, kOp, "padBottom", 0);
  p.pad_left = int_field(env, o, kOp, "padLeft", 0);
  p.pad_right = int_field(env, o, kOp, "padRight", 0);
  p.dilation_h = int_field(env, o, kOp, "dilationH", 1);
  p.dilation_w = int_field(env, o, kOp, "dilationW", 1);
  p.groups = int_field(env, o, kOp, "groups", 1);
  p.data_layout = is_nhwc(env, o, kOp) ? layout::nhwc : layout::nchw;
  p.has_bias = bool_field(env, o, kOp, "hasBias");
  const Napi::Value act = o.Get("activation");
  const std::string act_s = act.IsString() ? act.As<Napi::String>().Utf8Value() : "";
  if (act_s == "none") {
    p.act = activation::none;
  } else if (act_s == "relu") {
    p.act = activation::relu;
  } else {
    throw_range_error(env, kOp, "info.activation must be 'none' or 'relu', got " + describe(act));
  }

  if (p.in_channels % p.groups != 0 || p.out_channels % p.groups != 0) {
    throw_range_error(env, kOp, "groups " + std::to_string(p.groups) + " must divide inChannels " +
                                    std::to_string(p.in_channels) + " and outChannels " +
                                    std::to_string(p.out_channels));
  }
  const int64_t oh = conv_out(p.in_height, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t ow = conv_out(p.in_width, p.kernel_w, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  if (oh != p.out_height || ow != p.out_width) {
    throw_range_error(env, kOp, "info.outHeight x outWidth is " + std::to_string(p.out_height) + "x" +
                                    std::to_string(p.out_width) + " but the input, kernel, stride, padding and dilation give " +
                                    std::to_string(oh) + "x" + std::to_string(ow));
  }
  const int64_t x_len = checked_product(env, kOp, "x", {p.batch, p.in_channels, p.in_height, p.in_width});
  const int64_t w_len = checked_product(env, kOp, "w", {p.out_channels, p.in_channels / p.groups, p.kernel_h, p.kernel_w});
  const int64_t y_len = checked_product(env, kOp, "y", {p.batch, p.out_channels, p.out_height, p.out_width});
  require_length(env, kOp, x, "x", x_len);
  require_length(env, kOp, w, "w", w_len);
  require_length(env, kOp, y, "y", y_len);
  f32_view b;
  if (p.has_bias) {
    b = float_array(env, info[2], kOp, "b");
    require_length(env, kOp, b, "b", p.out_channels);
  } else if (!info[2].IsNull() && !info[2].IsUndefined()) {
    throw_type_error(env, kOp, "b must be null when info.hasBias is false, got " + describe(info[2]));
  }
  const float* xd = x.data;
  const float* wd = w.data;
  const float* bd = b.data;
  float* yd = y.data;
  std::vector<Napi::Value> keep{x.value, w.value, y.value};
  if (p.has_bias) keep.push_back(b.value);
  return {[p, xd, wd, bd, yd] { convkit::conv2d(p, xd, wd, bd, yd); }, std::move(keep)};
}

}  // namespace

Napi::Value js_conv2d(const Napi::CallbackInfo& info) {
  run_sync(info.Env(), kOp, parse(info).job);
  return info.Env().Undefined();
}

Napi::Value js_conv2d_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), kOp, [&] {
    conv2d_call c = parse(info);
    return std::make_pair(std::move(c.job), std::move(c.keep));
  });
}

}  // namespace convkit::glue
