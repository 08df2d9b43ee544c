// maxPool2d / avgPool2d (+Async), their gradients maxPool2dBackward(dy, x, dx, info) and
// avgPool2dBackward(dy, dx, info), and the global pools: unpack Pool2dInfo, check it and
// the buffer lengths, call the kernels.
#include <functional>
#include <vector>

#include "async.h"
#include "check.h"
#include "convkit/pool2d.h"
#include "glue.h"
#include "info-fields.h"

namespace convkit::glue {
namespace {

// Reads and checks Pool2dInfo (the object or its packed form, info-fields.h).
pool2d_params parse_info(Napi::Env env, const Napi::Value& v, const char* op, bool is_max) {
  const info_fields f(env, v, op, kPool2dInfo);
  pool2d_params p{};
  read_window(f, p);
  p.channels = f.integer(kChannels, 1);
  p.count_include_pad = f.boolean(kCountIncludePad);
  p.data_layout = f.nhwc(kPoolLayout) ? layout::nhwc : layout::nchw;

  const std::string wrong = pool2d_params_check(p, is_max);
  if (!wrong.empty()) throw_range_error(env, op, "info." + wrong);
  return p;
}

// Every parse reads the info object (whose getters may run JS) before it takes any data
// pointer, then binds the arrays through `a` (in place or owned copies, arrays.h).
std::function<void()> parse(const Napi::CallbackInfo& info, call_arrays& a, const char* op, bool is_max) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) {
    throw_type_error(env, op, "expected (x, y, info), got " + std::to_string(info.Length()) + " arguments");
  }
  const pool2d_params p = parse_info(env, info[2], op, is_max);
  const int64_t x_len = checked_product(env, op, "x", {p.batch, p.channels, p.in_height, p.in_width});
  const int64_t y_len = checked_product(env, op, "y", {p.batch, p.channels, p.out_height, p.out_width});
  const f32_view x = float_array(env, info[0], op, "x");
  const bool fresh_y = a.async() && info[1].IsNull();  // async: y = null allocates the output
  const f32_view y = fresh_y ? f32_view{} : float_array(env, info[1], op, "y");
  require_length(env, op, x, "x", x_len);
  if (!fresh_y) require_length(env, op, y, "y", y_len);
  const float* xd = a.in("x", x, x_len);
  float* yd = fresh_y ? a.fresh(env, "y", y_len) : a.out("y", y, y_len);
  a.check_overlap(env, op);
  if (is_max) return [p, xd, yd] { convkit::max_pool2d(p, xd, yd); };
  return [p, xd, yd] { convkit::avg_pool2d(p, xd, yd); };
}

// maxPool2dBackward(dy, x, dx, info) / avgPool2dBackward(dy, dx, info).
std::function<void()> parse_backward(const Napi::CallbackInfo& info, call_arrays& a, const char* op, bool is_max) {
  Napi::Env env = info.Env();
  const size_t argc = is_max ? 4 : 3;
  if (info.Length() < argc) {
    throw_type_error(env, op, std::string(is_max ? "expected (dy, x, dx, info)" : "expected (dy, dx, info)") +
                                  ", got " + std::to_string(info.Length()) + " arguments");
  }
  const pool2d_params p = parse_info(env, info[is_max ? 3 : 2], op, is_max);
  const int64_t x_len = checked_product(env, op, "x", {p.batch, p.channels, p.in_height, p.in_width});
  const int64_t y_len = checked_product(env, op, "y", {p.batch, p.channels, p.out_height, p.out_width});
  const f32_view dy = float_array(env, info[0], op, "dy");
  f32_view x;
  if (is_max) x = float_array(env, info[1], op, "x");
  const f32_view dx = float_array(env, info[is_max ? 2 : 1], op, "dx");
  require_length(env, op, dy, "dy", y_len);
  if (is_max) require_length(env, op, x, "x", x_len);
  require_length(env, op, dx, "dx", x_len);
  const float* dyd = a.in("dy", dy, y_len);
  const float* xd = is_max ? a.in("x", x, x_len) : nullptr;
  float* dxd = a.out("dx", dx, x_len);
  a.check_overlap(env, op);
  if (is_max) return [p, dyd, xd, dxd] { convkit::max_pool2d_backward(p, dyd, xd, dxd); };
  return [p, dyd, dxd] { convkit::avg_pool2d_backward(p, dyd, dxd); };
}

std::function<void()> parse_global(const Napi::CallbackInfo& info, call_arrays& a, const char* op, bool is_max) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) {
    throw_type_error(env, op, "expected (x, y, info), got " + std::to_string(info.Length()) + " arguments");
  }
  const info_fields f(env, info[2], op, kGlobalPool2dInfo);
  const int64_t n = f.integer(kGBatch, 1);
  const int64_t c = f.integer(kGChannels, 1);
  const int64_t h = f.integer(kGHeight, 1);
  const int64_t w = f.integer(kGWidth, 1);
  const layout l = f.nhwc(kGLayout) ? layout::nhwc : layout::nchw;
  const int64_t x_len = checked_product(env, op, "x", {n, c, h, w});
  const int64_t y_len = checked_product(env, op, "y", {n, c});
  const f32_view x = float_array(env, info[0], op, "x");
  const f32_view y = float_array(env, info[1], op, "y");
  require_length(env, op, x, "x", x_len);
  require_length(env, op, y, "y", y_len);
  const float* xd = a.in("x", x, x_len);
  float* yd = a.out("y", y, y_len);
  a.check_overlap(env, op);
  if (is_max) return [=] { convkit::global_max_pool2d(n, c, h, w, l, xd, yd); };
  return [=] { convkit::global_avg_pool2d(n, c, h, w, l, xd, yd); };
}

// One sync and one async entry per (parse, op, is_max).
template <auto Parse>
Napi::Value sync_call(const Napi::CallbackInfo& info, const char* op, bool is_max) {
  return run_sync_call(info.Env(), op, [&](call_arrays& a) { return Parse(info, a, op, is_max); });
}
template <auto Parse>
Napi::Value async_call(const Napi::CallbackInfo& info, const char* op, bool is_max) {
  return run_async(info.Env(), op, [&](call_arrays& a) { return Parse(info, a, op, is_max); });
}

}  // namespace

Napi::Value js_max_pool2d(const Napi::CallbackInfo& info) { return sync_call<parse>(info, "maxPool2d", true); }
Napi::Value js_max_pool2d_async(const Napi::CallbackInfo& info) { return async_call<parse>(info, "maxPool2d", true); }
Napi::Value js_avg_pool2d(const Napi::CallbackInfo& info) { return sync_call<parse>(info, "avgPool2d", false); }
Napi::Value js_avg_pool2d_async(const Napi::CallbackInfo& info) { return async_call<parse>(info, "avgPool2d", false); }
Napi::Value js_max_pool2d_backward(const Napi::CallbackInfo& info) { return sync_call<parse_backward>(info, "maxPool2dBackward", true); }
Napi::Value js_avg_pool2d_backward(const Napi::CallbackInfo& info) { return sync_call<parse_backward>(info, "avgPool2dBackward", false); }
Napi::Value js_global_avg_pool2d(const Napi::CallbackInfo& info) { return sync_call<parse_global>(info, "globalAvgPool2d", false); }
Napi::Value js_global_max_pool2d(const Napi::CallbackInfo& info) { return sync_call<parse_global>(info, "globalMaxPool2d", true); }

}  // namespace convkit::glue
