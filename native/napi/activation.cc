// activation(kind, x, y), softmax(x, y, outer, axis, inner, log) and their gradients
// activationBackward(kind, dy, t, dx), softmaxBackward(dy, y, dx, outer, axis, inner, log).
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <string>

#include "arrays.h"
#include "async.h"
#include "check.h"
#include "convkit/activation.h"
#include "glue.h"

namespace convkit::glue {

namespace {

// The kinds, in activation_kind's order (lib/backend/backend.ts ACTIVATION_KINDS).
constexpr const char* kKindNames[] = {"relu", "sigmoid", "tanh", "neg", "exp", "log", "sqrt", "abs", "clamp",
                                      "leakyRelu", "relu6", "silu", "gelu", "hardSigmoid", "hardSwish"};

// The kind argument, one of kKindNames.
activation_kind parse_kind(Napi::Env env, const char* op, const Napi::Value& kind) {
  const std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  for (int i = 0; i < static_cast<int>(std::size(kKindNames)); ++i) {
    if (k == kKindNames[i]) return static_cast<activation_kind>(i);
  }
  throw_range_error(env, op, "kind must be one of relu, sigmoid, tanh, neg, exp, log, sqrt, abs, clamp, leakyRelu, relu6, silu, gelu, hardSigmoid, hardSwish, got " + describe(kind));
}

// The params a kind needs (clamp [min, max] not NaN, leakyRelu [slope] finite), as the ts
// backend checks them; out has room for 2.
void parse_params(Napi::Env env, const char* op, activation_kind k, const Napi::Value& v, float* out) {
  const int need = k == activation_kind::clamp ? 2 : k == activation_kind::leaky_relu ? 1 : 0;
  if (need == 0) return;
  const char* name = kKindNames[static_cast<int>(k)];
  bool ok = v.IsArray() && v.As<Napi::Array>().Length() == static_cast<uint32_t>(need);
  for (int i = 0; ok && i < need; ++i) {
    const Napi::Value e = v.As<Napi::Array>().Get(static_cast<uint32_t>(i));
    ok = e.IsNumber() && !std::isnan(e.As<Napi::Number>().DoubleValue());
    if (ok) out[i] = static_cast<float>(e.As<Napi::Number>().DoubleValue());
  }
  if (!ok) throw_range_error(env, op, std::string(name) + " needs params of " + std::to_string(need) + " number" + (need > 1 ? "s" : "") + ", got " + describe(v));
  if (k == activation_kind::leaky_relu && !std::isfinite(out[0])) {
    throw_range_error(env, op, "leakyRelu's slope must be finite, got " + describe(v));
  }
}

// The softmax shape (outer, axis, inner) and log flag at arguments first..first+3, and the
// element count every array of the call must hold (`array` names the one the count is for).
struct softmax_args {
  int64_t outer, axis, inner;
  bool log;
  int64_t n;
};
softmax_args parse_softmax_args(const Napi::CallbackInfo& info, size_t first, const char* op, const char* array) {
  Napi::Env env = info.Env();
  softmax_args s{};
  s.outer = int_value(env, info[first], op, "outer", 0, kMaxElements);
  s.axis = int_value(env, info[first + 1], op, "axis", 0, kMaxElements);
  s.inner = int_value(env, info[first + 2], op, "inner", 0, kMaxElements);
  s.log = bool_value(env, info[first + 3], op, "log");
  s.n = checked_product(env, op, array, {s.outer, s.axis, s.inner});
  return s;
}

// One array of the call: its name (for errors), its view and the elements the kernel uses.
struct named_array {
  const char* name;
  const f32_view& view;
  int64_t n;
};

// Binds the arrays in place (inputs, then outputs), refuses overlaps other than an output
// that is exactly an input, and runs job on the JS thread.
template <class Job>
Napi::Value run_in_place(Napi::Env env, const char* op, std::initializer_list<named_array> ins,
                         std::initializer_list<named_array> outs, Job job) {
  call_arrays a(false);
  for (const named_array& v : ins) a.in(v.name, v.view, v.n);
  for (const named_array& v : outs) a.out(v.name, v.view, v.n);
  a.check_overlap(env, op, true);
  run_sync(env, op, job);
  return env.Undefined();
}

}  // namespace

Napi::Value js_activation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const activation_kind ak = parse_kind(env, "activation", info[0]);
  const char* name = kKindNames[static_cast<int>(ak)];
  float params[2] = {0.0f, 0.0f};
  parse_params(env, name, ak, info[3], params);
  const f32_view x = float_array(env, info[1], name, "x");
  const f32_view y = float_array(env, info[2], name, "y");
  if (y.length != x.length) {
    throw_range_error(env, name, "y has " + std::to_string(y.length) + " elements but x has " + std::to_string(x.length));
  }
  return run_in_place(env, name, {{"x", x, x.length}}, {{"y", y, y.length}},
                      [&] { convkit::activation(ak, x.data, y.data, x.length, params); });
}

Napi::Value js_softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "softmax";
  const f32_view x = float_array(env, info[0], op, "x");
  const f32_view y = float_array(env, info[1], op, "y");
  const softmax_args s = parse_softmax_args(info, 2, op, "x");
  require_length(env, op, x, "x", s.n);
  require_length(env, op, y, "y", s.n);
  return run_in_place(env, op, {{"x", x, s.n}}, {{"y", y, s.n}},
                      [&] { convkit::softmax(x.data, y.data, s.outer, s.axis, s.inner, s.log); });
}

Napi::Value js_activation_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "activationBackward";
  const activation_kind ak = parse_kind(env, op, info[0]);
  float params[2] = {0.0f, 0.0f};
  parse_params(env, op, ak, info[4], params);
  // sigmoid's and tanh's gradients read the output y, the others the input x.
  const char* t_name = ak == activation_kind::sigmoid || ak == activation_kind::tanh ? "y" : "x";
  const f32_view dy = float_array(env, info[1], op, "dy");
  const f32_view t = float_array(env, info[2], op, t_name);
  const f32_view dx = float_array(env, info[3], op, "dx");
  if (t.length != dy.length || dx.length != dy.length) {
    throw_range_error(env, op, std::string(t_name) + " has " + std::to_string(t.length) + " elements and dx " +
                                   std::to_string(dx.length) + " but dy has " + std::to_string(dy.length));
  }
  return run_in_place(env, op, {{"dy", dy, dy.length}, {t_name, t, t.length}}, {{"dx", dx, dx.length}},
                      [&] { convkit::activation_backward(ak, dy.data, t.data, dx.data, dy.length, params); });
}

Napi::Value js_softmax_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "softmaxBackward";
  const f32_view dy = float_array(env, info[0], op, "dy");
  const f32_view y = float_array(env, info[1], op, "y");
  const f32_view dx = float_array(env, info[2], op, "dx");
  const softmax_args s = parse_softmax_args(info, 3, op, "dy");
  require_length(env, op, dy, "dy", s.n);
  require_length(env, op, y, "y", s.n);
  require_length(env, op, dx, "dx", s.n);
  return run_in_place(env, op, {{"dy", dy, s.n}, {"y", y, s.n}}, {{"dx", dx, s.n}},
                      [&] { convkit::softmax_backward(dy.data, y.data, dx.data, s.outer, s.axis, s.inner, s.log); });
}

}  // namespace convkit::glue
