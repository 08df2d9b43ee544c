// conv2d(x, w, b, y, info), conv2dBackwardData(dy, w, dx, info),
// conv2dBackwardFilter(dy, x, dw, db | null, info) and their *Async forms: unpack
// Conv2dInfo, check it and the buffer lengths, bind the arrays (arrays.h), call the kernels.
#include <functional>
#include <string>
#include <vector>

#include "async.h"
#include "check.h"
#include "convkit/conv2d.h"
#include "glue.h"

namespace convkit::glue {
namespace {

constexpr const char* kOp = "conv2d";
constexpr const char* kOpBackwardData = "conv2dBackwardData";
constexpr const char* kOpBackwardFilter = "conv2dBackwardFilter";

// Reads and checks Conv2dInfo. The backward ops ignore hasBias and activation, so only the
// forward reads them.
conv2d_params parse_info(Napi::Env env, const Napi::Value& v, const char* op, bool forward) {
  const Napi::Object o = info_object(env, v, op);
  conv2d_params p{};
  read_window(env, o, op, p);
  p.in_channels = int_field(env, o, op, "inChannels", 1);
  p.out_channels = int_field(env, o, op, "outChannels", 1);
  p.groups = int_field(env, o, op, "groups", 1);
  p.data_layout = is_nhwc(env, o, op) ? layout::nhwc : layout::nchw;
  p.has_bias = false;
  p.act = activation::none;
  if (forward) {
    p.has_bias = bool_field(env, o, op, "hasBias");
    const Napi::Value act = o.Get("activation");
    const std::string act_s = act.IsString() ? act.As<Napi::String>().Utf8Value() : "";
    if (act_s == "none") {
      p.act = activation::none;
    } else if (act_s == "relu") {
      p.act = activation::relu;
    } else {
      throw_range_error(env, op, "info.activation must be 'none' or 'relu', got " + describe(act));
    }
  }

  const std::string wrong = conv2d_params_check(p);
  if (!wrong.empty()) throw_range_error(env, op, "info." + wrong);
  return p;
}

// Element counts of x, w and y (= dy) of a valid p (conv2d_params_check bounds them by 2^53).
struct conv2d_sizes {
  int64_t x, w, y;
};
conv2d_sizes sizes_of(const conv2d_params& p) { return {conv2d_x_size(p), conv2d_w_size(p), conv2d_y_size(p)}; }

// Every parse reads the info object (whose getters may run JS) before it takes any data
// pointer, then binds the arrays through `a` (in place or owned copies, arrays.h).
std::function<void()> parse(const Napi::CallbackInfo& info, call_arrays& a) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) {
    throw_type_error(env, kOp, "expected (x, w, b, y, info), got " + std::to_string(info.Length()) + " arguments");
  }
  const conv2d_params p = parse_info(env, info[4], kOp, true);
  const conv2d_sizes n = sizes_of(p);
  const f32_view x = float_array(env, info[0], kOp, "x");
  const f32_view w = float_array(env, info[1], kOp, "w");
  const bool fresh_y = a.async() && info[3].IsNull();  // async: y = null allocates the output
  const f32_view y = fresh_y ? f32_view{} : float_array(env, info[3], kOp, "y");
  require_length(env, kOp, x, "x", n.x);
  require_length(env, kOp, w, "w", n.w);
  if (!fresh_y) require_length(env, kOp, y, "y", n.y);
  f32_view b;
  if (p.has_bias) {
    b = float_array(env, info[2], kOp, "b");
    require_length(env, kOp, b, "b", p.out_channels);
  } else if (!info[2].IsNull() && !info[2].IsUndefined()) {
    throw_type_error(env, kOp, "b must be null when info.hasBias is false, got " + describe(info[2]));
  }
  const float* xd = a.in("x", x, n.x);
  const float* wd = a.in("w", w, n.w);
  const float* bd = p.has_bias ? a.in("b", b, p.out_channels) : nullptr;
  float* yd = fresh_y ? a.fresh(env, "y", n.y) : a.out("y", y, n.y);
  a.check_overlap(env, kOp);
  return [p, xd, wd, bd, yd] { convkit::conv2d(p, xd, wd, bd, yd); };
}

// conv2dBackwardData(dy, w, dx, info): dx = the transposed convolution of dy with w.
std::function<void()> parse_backward_data(const Napi::CallbackInfo& info, call_arrays& a) {
  Napi::Env env = info.Env();
  const char* op = kOpBackwardData;
  if (info.Length() < 4) {
    throw_type_error(env, op, "expected (dy, w, dx, info), got " + std::to_string(info.Length()) + " arguments");
  }
  const conv2d_params p = parse_info(env, info[3], op, false);
  const conv2d_sizes n = sizes_of(p);
  const f32_view dy = float_array(env, info[0], op, "dy");
  const f32_view w = float_array(env, info[1], op, "w");
  const f32_view dx = float_array(env, info[2], op, "dx");
  require_length(env, op, dy, "dy", n.y);
  require_length(env, op, w, "w", n.w);
  require_length(env, op, dx, "dx", n.x);
  const float* dyd = a.in("dy", dy, n.y);
  const float* wd = a.in("w", w, n.w);
  float* dxd = a.out("dx", dx, n.x);
  a.check_overlap(env, op);
  return [p, dyd, wd, dxd] { convkit::conv2d_backward_data(p, dyd, wd, dxd); };
}

// conv2dBackwardFilter(dy, x, dw, db | null, info): dw, and db unless it is null.
std::function<void()> parse_backward_filter(const Napi::CallbackInfo& info, call_arrays& a) {
  Napi::Env env = info.Env();
  const char* op = kOpBackwardFilter;
  if (info.Length() < 5) {
    throw_type_error(env, op, "expected (dy, x, dw, db, info), got " + std::to_string(info.Length()) + " arguments");
  }
  const conv2d_params p = parse_info(env, info[4], op, false);
  const conv2d_sizes n = sizes_of(p);
  const f32_view dy = float_array(env, info[0], op, "dy");
  const f32_view x = float_array(env, info[1], op, "x");
  const f32_view dw = float_array(env, info[2], op, "dw");
  const bool has_db = !info[3].IsNull() && !info[3].IsUndefined();
  f32_view db;
  if (has_db) db = float_array(env, info[3], op, "db");
  require_length(env, op, dy, "dy", n.y);
  require_length(env, op, x, "x", n.x);
  require_length(env, op, dw, "dw", n.w);
  if (has_db) require_length(env, op, db, "db", p.out_channels);
  const float* dyd = a.in("dy", dy, n.y);
  const float* xd = a.in("x", x, n.x);
  float* dwd = a.out("dw", dw, n.w);
  float* dbd = has_db ? a.out("db", db, p.out_channels) : nullptr;
  a.check_overlap(env, op);
  return [p, dyd, xd, dwd, dbd] { convkit::conv2d_backward_filter(p, dyd, xd, dwd, dbd); };
}

}  // namespace

Napi::Value js_conv2d(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), kOp, [&](call_arrays& a) { return parse(info, a); });
}
Napi::Value js_conv2d_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), kOp, [&](call_arrays& a) { return parse(info, a); });
}
Napi::Value js_conv2d_backward_data(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), kOpBackwardData, [&](call_arrays& a) { return parse_backward_data(info, a); });
}
Napi::Value js_conv2d_backward_data_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), kOpBackwardData, [&](call_arrays& a) { return parse_backward_data(info, a); });
}
Napi::Value js_conv2d_backward_filter(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), kOpBackwardFilter, [&](call_arrays& a) { return parse_backward_filter(info, a); });
}
Napi::Value js_conv2d_backward_filter_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), kOpBackwardFilter, [&](call_arrays& a) { return parse_backward_filter(info, a); });
}

}  // namespace convkit::glue
