// Argument checks shared by the glue files: one message format, "<op>: <what is wrong>".
// Every failure throws a Napi::TypeError / Napi::RangeError (C++ exceptions are on), which
// node-addon-api turns into a JS exception, or async.h into a rejected promise.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "util/checked.h"

namespace convkit::glue {

// The core's bounds (util/checked.h): dimensions < 2^31, element counts < 2^53
// (Number.MAX_SAFE_INTEGER).
using convkit::kMaxDim;
using convkit::kMaxElements;

[[noreturn]] inline void throw_type_error(Napi::Env env, const char* op, const std::string& msg) {
  throw Napi::TypeError::New(env, std::string(op) + ": " + msg);
}
[[noreturn]] inline void throw_range_error(Napi::Env env, const char* op, const std::string& msg) {
  throw Napi::RangeError::New(env, std::string(op) + ": " + msg);
}

inline std::string describe(const Napi::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float64_array: return "a Float64Array";
      case napi_int32_array: return "an Int32Array";
      case napi_uint8_array: return "a Uint8Array";
      default: return "another typed array";
    }
  }
  if (v.IsArray()) return "an array";
  if (v.IsNumber()) return "number " + v.ToString().Utf8Value();
  if (v.IsString()) return "string '" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a " + std::string(v.IsSymbol() ? "symbol" : "value");
}

struct f32_view {
  float* data = nullptr;
  int64_t length = 0;
  Napi::Value value;  // kept alive by async calls
};

// One napi_get_typedarray_info call (the type, the length and the data together): the
// IsTypedArray / TypedArrayType / Float32Array wrapper sequence asked V8 for the type three
// times, each a walk down its list of typed array kinds, on every array of every call.
inline f32_view float_array(Napi::Env env, const Napi::Value& v, const char* op, const char* name) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  // Anything but a typed array: napi_invalid_arg, no JS exception pending.
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
    throw_type_error(env, op, std::string(name) + " must be a Float32Array, got " + describe(v));
  }
  return {static_cast<float*>(data), static_cast<int64_t>(length), v};
}

// A whole number in [lo, hi]: TypeError when not a number, RangeError otherwise.
inline int64_t int_value(Napi::Env env, const Napi::Value& v, const char* op,
                         const std::string& name, int64_t lo, int64_t hi = kMaxDim) {
  if (!v.IsNumber()) throw_type_error(env, op, name + " must be a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) {
    throw_range_error(env, op, name + " must be a whole number, got " + describe(v));
  }
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    throw_range_error(env, op, name + " must be in [" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + "], got " + describe(v));
  }
  return static_cast<int64_t>(d);
}

inline double finite_number(Napi::Env env, const Napi::Value& v, const char* op, const char* name) {
  if (!v.IsNumber()) throw_type_error(env, op, std::string(name) + " must be a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw_range_error(env, op, std::string(name) + " must be finite, got " + describe(v));
  return d;
}

inline bool bool_value(Napi::Env env, const Napi::Value& v, const char* op, const std::string& name) {
  if (!v.IsBoolean()) throw_type_error(env, op, name + " must be a boolean, got " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

inline Napi::Object info_object(Napi::Env env, const Napi::Value& v, const char* op) {
  if (!v.IsObject() || v.IsArray() || v.IsTypedArray()) {
    throw_type_error(env, op, "info must be an object, got " + describe(v));
  }
  return v.As<Napi::Object>();
}

// info.<name>. Each read costs a V8 string internalization (Node-API 8 has no cached keys;
// references to strings need Node-API 10), so the message's field name is built only when
// the value is refused.
inline int64_t int_field(Napi::Env env, const Napi::Object& o, const char* op, const char* name,
                         int64_t lo) {
  const Napi::Value v = o.Get(name);
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (d >= static_cast<double>(lo) && d <= static_cast<double>(kMaxDim) && d == std::floor(d)) {
      return static_cast<int64_t>(d);
    }
  }
  return int_value(env, v, op, std::string("info.") + name, lo);
}

inline bool bool_field(Napi::Env env, const Napi::Object& o, const char* op, const char* name) {
  const Napi::Value v = o.Get(name);
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
  return bool_value(env, v, op, std::string("info.") + name);
}

// 'nchw' | 'nhwc' -> 0 | 1.
inline bool is_nhwc(Napi::Env env, const Napi::Object& o, const char* op) {
  const Napi::Value v = o.Get("layout");
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "nchw") return false;
    if (s == "nhwc") return true;
  }
  throw_range_error(env, op, "info.layout must be 'nchw' or 'nhwc', got " + describe(v));
}

// Product of sizes, checked against 2^53 - 1 (each factor is already < 2^31).
inline int64_t checked_product(Napi::Env env, const char* op, const char* what,
                               std::initializer_list<int64_t> factors) {
  if (!convkit::checked_elements(factors)) {
    throw_range_error(env, op, std::string(what) + " would have more than 2^53 elements");
  }
  int64_t r = 1;
  for (int64_t f : factors) r *= f;
  return r;
}

inline void require_length(Napi::Env env, const char* op, const f32_view& a, const char* name,
                           int64_t needed, bool exact = true) {
  if (exact ? a.length != needed : a.length < needed) {
    throw_range_error(env, op, std::string(name) + " has " + std::to_string(a.length) +
                                   " elements but info needs " + (exact ? "" : "at least ") +
                                   std::to_string(needed));
  }
}

}  // namespace convkit::glue
