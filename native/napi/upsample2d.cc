// upsample2d(x, y, info) and upsample2dBackward(dy, dx, info): unpack Upsample2dInfo, check it
// and the buffer lengths, call the kernels.
#include <functional>
#include <string>

#include "async.h"
#include "check.h"
#include "convkit/upsample2d.h"
#include "glue.h"

namespace convkit::glue {
namespace {

// Reads and checks Upsample2dInfo.
upsample2d_params parse_info(Napi::Env env, const Napi::Value& v, const char* op) {
  const Napi::Object o = info_object(env, v, op);
  upsample2d_params p{};
  p.batch = int_field(env, o, op, "batch", 1);
  p.channels = int_field(env, o, op, "channels", 1);
  p.in_height = int_field(env, o, op, "inHeight", 1);
  p.in_width = int_field(env, o, op, "inWidth", 1);
  p.out_height = int_field(env, o, op, "outHeight", 1);
  p.out_width = int_field(env, o, op, "outWidth", 1);
  p.scale_h = finite_number(env, o.Get("scaleH"), op, "info.scaleH");
  p.scale_w = finite_number(env, o.Get("scaleW"), op, "info.scaleW");
  const Napi::Value mode = o.Get("mode");
  const std::string m = mode.IsString() ? mode.As<Napi::String>().Utf8Value() : "";
  if (m == "nearest") {
    p.mode = upsample_mode::nearest;
  } else if (m == "bilinear") {
    p.mode = upsample_mode::bilinear;
  } else {
    throw_range_error(env, op, "info.mode must be 'nearest' or 'bilinear', got " + describe(mode));
  }
  p.align_corners = bool_field(env, o, op, "alignCorners");
  p.data_layout = is_nhwc(env, o, op) ? layout::nhwc : layout::nchw;
  const std::string wrong = upsample2d_params_check(p);
  if (!wrong.empty()) throw_range_error(env, op, "info." + wrong);
  return p;
}

// (in, out, info): forward (x, y) or backward (dy, dx); the info is read before any data pointer.
std::function<void()> parse(const Napi::CallbackInfo& info, call_arrays& a, const char* op, bool backward) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) {
    throw_type_error(env, op, std::string(backward ? "expected (dy, dx, info)" : "expected (x, y, info)") + ", got " +
                                  std::to_string(info.Length()) + " arguments");
  }
  const upsample2d_params p = parse_info(env, info[2], op);
  const int64_t x_len = checked_product(env, op, "x", {p.batch, p.channels, p.in_height, p.in_width});
  const int64_t y_len = checked_product(env, op, "y", {p.batch, p.channels, p.out_height, p.out_width});
  const char* in_name = backward ? "dy" : "x";
  const char* out_name = backward ? "dx" : "y";
  const int64_t in_len = backward ? y_len : x_len, out_len = backward ? x_len : y_len;
  const f32_view in = float_array(env, info[0], op, in_name);
  const f32_view out = float_array(env, info[1], op, out_name);
  require_length(env, op, in, in_name, in_len);
  require_length(env, op, out, out_name, out_len);
  const float* ind = a.in(in_name, in, in_len);
  float* outd = a.out(out_name, out, out_len);
  a.check_overlap(env, op);
  if (backward) return [p, ind, outd] { convkit::upsample2d_backward(p, ind, outd); };
  return [p, ind, outd] { convkit::upsample2d(p, ind, outd); };
}

}  // namespace

Napi::Value js_upsample2d(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), "upsample2d", [&](call_arrays& a) { return parse(info, a, "upsample2d", false); });
}
Napi::Value js_upsample2d_backward(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), "upsample2dBackward",
                       [&](call_arrays& a) { return parse(info, a, "upsample2dBackward", true); });
}

}  // namespace convkit::glue
