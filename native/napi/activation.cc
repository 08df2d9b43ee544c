// activation(kind, x, y) and softmax(x, y, outer, axis, inner, log).
#include <string>

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
  run_sync(env, op, [&] { convkit::softmax(x.data, y.data, outer, axis, inner, log); });
  return env.Undefined();
}

}  // namespace convkit::glue
