// activation(kind, x, y), softmax(x, y, outer, axis, inner, log) and their gradients
// activationBackward(kind, dy, t, dx), softmaxBackward(dy, y, dx, outer, axis, inner, log).
#include <string>

#include "arrays.h"
#include "async.h"
#include "check.h"
#include "convkit/activation.h"
#include "glue.h"

namespace convkit::glue {

Napi::Value js_activation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "activation";
  const Napi::Value kind = info[0];
  const std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  if (k != "relu" && k != "sigmoid" && k != "tanh") {
    throw_range_error(env, op, "kind must be 'relu', 'sigmoid' or 'tanh', got " + describe(kind));
  }
  const char* name = k == "relu" ? "relu" : k == "sigmoid" ? "sigmoid" : "tanh";
  const f32_view x = float_array(env, info[1], name, "x");
  const f32_view y = float_array(env, info[2], name, "y");
  if (y.length != x.length) {
    throw_range_error(env, name, "y has " + std::to_string(y.length) + " elements but x has " + std::to_string(x.length));
  }
  call_arrays a(false);
  a.in("x", x, x.length);
  a.out("y", y, y.length);
  a.check_overlap(env, name, true);
  run_sync(env, name, [&] {
    if (k == "relu") {
      convkit::relu(x.data, y.data, x.length);
    } else if (k == "sigmoid") {
      convkit::sigmoid(x.data, y.data, x.length);
    } else {
      convkit::tanh(x.data, y.data, x.length);
    }
  });
  return env.Undefined();
}

Napi::Value js_softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "softmax";
  const f32_view x = float_array(env, info[0], op, "x");
  const f32_view y = float_array(env, info[1], op, "y");
  const int64_t outer = int_value(env, info[2], op, "outer", 0, kMaxElements);
  const int64_t axis = int_value(env, info[3], op, "axis", 0, kMaxElements);
  const int64_t inner = int_value(env, info[4], op, "inner", 0, kMaxElements);
  const bool log = bool_value(env, info[5], op, "log");
  const int64_t n = checked_product(env, op, "x", {outer, axis, inner});
  require_length(env, op, x, "x", n);
  require_length(env, op, y, "y", n);
  call_arrays a(false);
  a.in("x", x, n);
  a.out("y", y, n);
  a.check_overlap(env, op, true);
  run_sync(env, op, [&] { convkit::softmax(x.data, y.data, outer, axis, inner, log); });
  return env.Undefined();
}

Napi::Value js_activation_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "activationBackward";
  const Napi::Value kind = info[0];
  const std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  activation_kind ak;
  if (k == "relu") {
    ak = activation_kind::relu;
  } else if (k == "sigmoid") {
    ak = activation_kind::sigmoid;
  } else if (k == "tanh") {
    ak = activation_kind::tanh;
  } else {
    throw_range_error(env, op, "kind must be 'relu', 'sigmoid' or 'tanh', got " + describe(kind));
  }
  const f32_view dy = float_array(env, info[1], op, "dy");
  const f32_view t = float_array(env, info[2], op, k == "relu" ? "x" : "y");
  const f32_view dx = float_array(env, info[3], op, "dx");
  if (t.length != dy.length || dx.length != dy.length) {
    throw_range_error(env, op, std::string(k == "relu" ? "x" : "y") + " has " + std::to_string(t.length) +
                                   " elements and dx " + std::to_string(dx.length) + " but dy has " +
                                   std::to_string(dy.length));
  }
  call_arrays a(false);
  a.in("dy", dy, dy.length);
  a.in(k == "relu" ? "x" : "y", t, t.length);
  a.out("dx", dx, dx.length);
  a.check_overlap(env, op, true);
  run_sync(env, op, [&] { convkit::activation_backward(ak, dy.data, t.data, dx.data, dy.length); });
  return env.Undefined();
}

Napi::Value js_softmax_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "softmaxBackward";
  const f32_view dy = float_array(env, info[0], op, "dy");
  const f32_view y = float_array(env, info[1], op, "y");
  const f32_view dx = float_array(env, info[2], op, "dx");
  const int64_t outer = int_value(env, info[3], op, "outer", 0, kMaxElements);
  const int64_t axis = int_value(env, info[4], op, "axis", 0, kMaxElements);
  const int64_t inner = int_value(env, info[5], op, "inner", 0, kMaxElements);
  const bool log = bool_value(env, info[6], op, "log");
  const int64_t n = checked_product(env, op, "dy", {outer, axis, inner});
  require_length(env, op, dy, "dy", n);
  require_length(env, op, y, "y", n);
  require_length(env, op, dx, "dx", n);
  call_arrays a(false);
  a.in("dy", dy, n);
  a.in("y", y, n);
  a.out("dx", dx, n);
  a.check_overlap(env, op, true);
  run_sync(env, op, [&] { convkit::softmax_backward(dy.data, y.data, dx.data, outer, axis, inner, log); });
  return env.Undefined();
}

}  // namespace convkit::glue
