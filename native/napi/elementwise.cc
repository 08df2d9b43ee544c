// binary(kind, a, b, y, info: BroadcastInfo), reduce(kind, x, y, outer, axis, inner) and
// argmax(x, y: Int32Array, outer, axis, inner): checks, then the core's plain functions.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "arrays.h"
#include "async.h"
#include "check.h"
#include "convkit/elementwise.h"
#include "convkit/reduce.h"
#include "glue.h"

namespace convkit::glue {

namespace {

constexpr const char* kBinaryNames[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"};
constexpr const char* kReduceNames[] = {"sum", "mean", "max", "min"};

template <size_t N>
int parse_name(Napi::Env env, const char* op, const Napi::Value& v, const char* const (&names)[N]) {
  // Into a stack buffer (every name is shorter than it; a longer string matches none).
  char k[16] = {};
  size_t len = 0;
  if (!v.IsString() || napi_get_value_string_utf8(env, v, k, sizeof(k), &len) != napi_ok || len + 1 >= sizeof(k)) k[0] = '\0';
  for (size_t i = 0; i < N; ++i) {
    if (std::strcmp(k, names[i]) == 0) return static_cast<int>(i);
  }
  std::string all;
  for (size_t i = 0; i < N; ++i) all += (i > 0 ? ", " : "") + std::string(names[i]);
  throw_range_error(env, op, "kind must be one of " + all + ", got " + describe(v));
}

// info.<name>: an array of at most 64 whole numbers >= lo.
std::vector<int64_t> int_list(Napi::Env env, const Napi::Object& o, const char* op, const char* name, int64_t lo) {
  const Napi::Value v = o.Get(name);
  if (!v.IsArray() || v.As<Napi::Array>().Length() > 64) {
    throw_range_error(env, op, std::string("info.") + name + " must be an array of at most 64 integers");
  }
  const Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    out[i] = int_value(env, a.Get(i), op, std::string("info.") + name + "[" + std::to_string(i) + "]", lo);
  }
  return out;
}

// BroadcastInfo's loop nest, read from the object or from its packed form (a Float64Array
// [tag, size, rank, dims x kMaxRank, aStrides x kMaxRank, bStrides x kMaxRank], what
// lib/backend/native/packed-info.ts passes: read in one go, no V8 property lookups). The same
// checks and messages either way.
constexpr int kMaxRank = 64;
constexpr double kBroadcastTag = 0x5C0005;
constexpr size_t kBroadcastPacked = 3 + 3 * kMaxRank;
struct broadcast_nest {
  int64_t size = 0;
  int rank = 0;
  int64_t dims[kMaxRank] = {}, as[kMaxRank] = {}, bs[kMaxRank] = {};
};

broadcast_nest read_broadcast(Napi::Env env, const Napi::Value& v, const char* op) {
  broadcast_nest nest;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) == napi_ok && type == napi_float64_array) {
    const double* p = static_cast<const double*>(data);
    if (length != kBroadcastPacked || p[0] != kBroadcastTag) {
      throw_type_error(env, op, "info must be an object or its packed Float64Array (" + std::to_string(kBroadcastPacked) +
                                    " numbers, tag " + std::to_string(static_cast<int64_t>(kBroadcastTag)) + "), got a Float64Array of " +
                                    std::to_string(length));
    }
    double q[kBroadcastPacked];  // a copy: nothing below reads the caller's array again
    std::memcpy(q, p, sizeof(q));
    // A whole number in [lo, hi], else int_value's message for the number it is.
    auto whole = [&](double d, const std::string& name, int64_t lo, int64_t hi) {
      if (d >= static_cast<double>(lo) && d <= static_cast<double>(hi) && d == std::floor(d)) return static_cast<int64_t>(d);
      return int_value(env, Napi::Number::New(env, d), op, name, lo, hi);
    };
    nest.size = whole(q[1], "info.size", 0, kMaxElements);
    nest.rank = static_cast<int>(whole(q[2], "info.dims.length", 0, kMaxRank));
    for (int d = 0; d < nest.rank; ++d) {
      nest.dims[d] = whole(q[3 + d], "info.dims[" + std::to_string(d) + "]", 1, kMaxDim);
      nest.as[d] = whole(q[3 + kMaxRank + d], "info.aStrides[" + std::to_string(d) + "]", 0, kMaxDim);
      nest.bs[d] = whole(q[3 + 2 * kMaxRank + d], "info.bStrides[" + std::to_string(d) + "]", 0, kMaxDim);
    }
    return nest;
  }
  const Napi::Object o = info_object(env, v, op);
  const std::vector<int64_t> dims = int_list(env, o, op, "dims", 1);
  const std::vector<int64_t> as = int_list(env, o, op, "aStrides", 0);
  const std::vector<int64_t> bs = int_list(env, o, op, "bStrides", 0);
  nest.size = int_value(env, o.Get("size"), op, "info.size", 0, kMaxElements);
  if (as.size() != dims.size() || bs.size() != dims.size()) {
    throw_range_error(env, op, "info.dims, aStrides and bStrides must have the same length");
  }
  nest.rank = static_cast<int>(dims.size());
  std::copy(dims.begin(), dims.end(), nest.dims);
  std::copy(as.begin(), as.end(), nest.as);
  std::copy(bs.begin(), bs.end(), nest.bs);
  return nest;
}

}  // namespace

Napi::Value js_binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int k = parse_name(env, "binary", info[0], kBinaryNames);
  const char* op = kBinaryNames[k];
  const f32_view a = float_array(env, info[1], op, "a");
  const f32_view b = float_array(env, info[2], op, "b");
  const f32_view y = float_array(env, info[3], op, "y");
  const broadcast_nest nest = read_broadcast(env, info[4], op);
  const int64_t size = nest.size;
  const int64_t* dims = nest.dims;
  const int64_t* as = nest.as;
  const int64_t* bs = nest.bs;
  // The product of dims (each < 2^31) must be size; every read must stay inside a and b.
  double prod = 1, reach_a = 1, reach_b = 1;
  for (int d = 0; d < nest.rank; ++d) {
    prod *= static_cast<double>(dims[d]);
    reach_a += static_cast<double>(dims[d] - 1) * static_cast<double>(as[d]);
    reach_b += static_cast<double>(dims[d] - 1) * static_cast<double>(bs[d]);
  }
  if (nest.rank == 0 ? size > 1 : prod != static_cast<double>(size)) {
    throw_range_error(env, op, "info.size " + std::to_string(size) + " is not the product of info.dims");
  }
  if (y.length != size) throw_range_error(env, op, "y has " + std::to_string(y.length) + " elements but info.size is " + std::to_string(size));
  if (size > 0 && reach_a > static_cast<double>(a.length)) throw_range_error(env, op, "a has " + std::to_string(a.length) + " elements but info reads more");
  if (size > 0 && reach_b > static_cast<double>(b.length)) throw_range_error(env, op, "b has " + std::to_string(b.length) + " elements but info reads more");
  call_arrays arr(false);
  arr.in("a", a, size > 0 ? a.length : 0);
  arr.in("b", b, size > 0 ? b.length : 0);
  arr.out("y", y, size);
  arr.check_overlap(env, op, true);
  run_sync(env, op, [&] {
    convkit::binary(static_cast<binary_kind>(k), a.data, b.data, y.data, nest.rank, dims, as, bs, size);
  });
  return env.Undefined();
}

Napi::Value js_reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int k = parse_name(env, "reduce", info[0], kReduceNames);
  const char* op = kReduceNames[k];
  const f32_view x = float_array(env, info[1], op, "x");
  const f32_view y = float_array(env, info[2], op, "y");
  const int64_t outer = int_value(env, info[3], op, "outer", 0, kMaxElements);
  const int64_t axis = int_value(env, info[4], op, "axis", 0, kMaxElements);
  const int64_t inner = int_value(env, info[5], op, "inner", 0, kMaxElements);
  const int64_t n = checked_product(env, op, "x", {outer, axis, inner});
  const int64_t m = checked_product(env, op, "y", {outer, inner});
  check_x_to_y(env, op, x, n, y, m);
  run_sync(env, op, [&] { convkit::reduce(static_cast<reduce_kind>(k), x.data, y.data, outer, axis, inner); });
  return env.Undefined();
}

Napi::Value js_argmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "argmax";
  const f32_view x = float_array(env, info[0], op, "x");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw_type_error(env, op, "y must be an Int32Array, got " + describe(info[1]));
  }
  Napi::Int32Array y = info[1].As<Napi::Int32Array>();
  const int64_t outer = int_value(env, info[2], op, "outer", 0, kMaxElements);
  const int64_t axis = int_value(env, info[3], op, "axis", 0, kMaxElements);
  const int64_t inner = int_value(env, info[4], op, "inner", 0, kMaxElements);
  const int64_t n = checked_product(env, op, "x", {outer, axis, inner});
  const int64_t m = checked_product(env, op, "y", {outer, inner});
  require_length(env, op, x, "x", n);
  if (static_cast<int64_t>(y.ElementLength()) != m) {
    throw_range_error(env, op, "y has " + std::to_string(y.ElementLength()) + " elements but info needs " + std::to_string(m));
  }
  if (axis == 0 && m > 0) throw_range_error(env, op, "axis is empty: no index to return");
  // y (int32) must not share bytes with x.
  const char* xb = reinterpret_cast<const char*>(x.data);
  const char* yb = reinterpret_cast<const char*>(y.Data());
  if (n > 0 && m > 0 && yb < xb + n * 4 && xb < yb + m * 4) {
    throw_range_error(env, op, "y overlaps x (the same memory): the output must be a separate array");
  }
  int32_t* yd = y.Data();
  run_sync(env, op, [&] { convkit::argmax(x.data, yd, outer, axis, inner); });
  return env.Undefined();
}

}  // namespace convkit::glue
