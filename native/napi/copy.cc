// copyStrided(x, y, info) with info a StridedCopyInfo { shape, xOffset, xStrides, yOffset,
// yStrides } and pad(x, y, info) with info a PadInfo { inShape, begins, ends, mode, value }
// (lib/shape/copy-info.ts). Every index a copy reaches is checked against its array here.
#include <algorithm>
#include <cmath>
#include <string>

#include "arrays.h"
#include "async.h"
#include "check.h"
#include "convkit/copy.h"
#include "glue.h"

namespace convkit::glue {
namespace {

// info.<name>: an array of rank whole numbers in [lo, hi] (rank < 0: any length up to
// kMaxCopyRank, returned in rank).
void int_list(Napi::Env env, const Napi::Object& o, const char* op, const char* name, int& rank, int64_t lo,
              int64_t hi, int64_t* out) {
  const Napi::Value v = o.Get(name);
  if (!v.IsArray()) throw_type_error(env, op, std::string("info.") + name + " must be an array, got " + describe(v));
  const Napi::Array a = v.As<Napi::Array>();
  const int64_t len = a.Length();
  if (rank < 0) {
    if (len > kMaxCopyRank) {
      throw_range_error(env, op, std::string("info.") + name + " has " + std::to_string(len) + " dimensions, at most " +
                                     std::to_string(kMaxCopyRank));
    }
    rank = static_cast<int>(len);
  } else if (len != rank) {
    throw_range_error(env, op, std::string("info.") + name + " must have " + std::to_string(rank) + " entries, got " +
                                   std::to_string(len));
  }
  for (int k = 0; k < rank; ++k) {
    out[k] = int_value(env, a.Get(static_cast<uint32_t>(k)), op, std::string("info.") + name + "[" + std::to_string(k) + "]",
                       lo, hi);
  }
}

int64_t product(Napi::Env env, const char* op, const char* what, int rank, const int64_t* dims) {
  double p = 1;
  int64_t r = 1;
  for (int k = 0; k < rank; ++k) {
    p *= static_cast<double>(dims[k]);
    r *= dims[k] == 0 ? 0 : 1;
  }
  if (p > 9007199254740991.0) throw_range_error(env, op, std::string(what) + " would have more than 2^53 elements");
  if (r == 0) return 0;
  int64_t n = 1;
  for (int k = 0; k < rank; ++k) n *= dims[k];
  return n;
}

}  // namespace

Napi::Value js_copy_strided(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "copyStrided";
  const Napi::Object o = info_object(env, info[2], op);
  strided_copy_params p{};
  p.rank = -1;
  int_list(env, o, op, "shape", p.rank, 0, kMaxDim, p.shape);
  int_list(env, o, op, "xStrides", p.rank, -kMaxElements, kMaxElements, p.x_strides);
  int_list(env, o, op, "yStrides", p.rank, -kMaxElements, kMaxElements, p.y_strides);
  p.x_offset = int_value(env, o.Get("xOffset"), op, "info.xOffset", 0, kMaxElements);
  p.y_offset = int_value(env, o.Get("yOffset"), op, "info.yOffset", 0, kMaxElements);
  const int64_t n = product(env, op, "info.shape", p.rank, p.shape);
  const f32_view x = float_array(env, info[0], op, "x");
  const f32_view y = float_array(env, info[1], op, "y");
  if (n > 0) {
    int64_t lo = 0, hi = 0;
    copy_extent(p, false, lo, hi);
    if (lo < 0 || hi >= x.length) {
      throw_range_error(env, op, "x has " + std::to_string(x.length) + " elements but info reads [" + std::to_string(lo) +
                                     ", " + std::to_string(hi) + "]");
    }
    copy_extent(p, true, lo, hi);
    if (lo < 0 || hi >= y.length) {
      throw_range_error(env, op, "y has " + std::to_string(y.length) + " elements but info writes [" +
                                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  }
  call_arrays c(false);
  c.in("x", x, x.length);
  c.out("y", y, y.length);
  c.check_overlap(env, op);
  run_sync(env, op, [&] { copy_strided(x.data, y.data, p); });
  return env.Undefined();
}

Napi::Value js_pad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "pad";
  const Napi::Object o = info_object(env, info[2], op);
  pad_params p{};
  p.rank = -1;
  int_list(env, o, op, "inShape", p.rank, 0, kMaxDim, p.in_shape);
  if (p.rank == 0) throw_range_error(env, op, "info.inShape must have at least one dimension");
  int_list(env, o, op, "begins", p.rank, -kMaxDim, kMaxDim, p.begin);
  int_list(env, o, op, "ends", p.rank, -kMaxDim, kMaxDim, p.end);
  const Napi::Value mv = o.Get("mode");
  const std::string m = mv.IsString() ? mv.As<Napi::String>().Utf8Value() : "";
  if (m == "constant") p.mode = pad_mode::constant;
  else if (m == "reflect") p.mode = pad_mode::reflect;
  else if (m == "edge") p.mode = pad_mode::edge;
  else throw_range_error(env, op, "info.mode must be 'constant', 'reflect' or 'edge', got " + describe(mv));
  const Napi::Value vv = o.Get("value");
  if (!vv.IsNumber()) throw_type_error(env, op, "info.value must be a number, got " + describe(vv));
  p.value = static_cast<float>(vv.As<Napi::Number>().DoubleValue());
  int64_t out[kMaxCopyRank];
  for (int k = 0; k < p.rank; ++k) {
    const int64_t n = p.in_shape[k], b = p.begin[k], e = p.end[k];
    out[k] = n + b + e;
    const std::string at = " (dimension " + std::to_string(k) + ", size " + std::to_string(n) + ", pads " +
                           std::to_string(b) + " and " + std::to_string(e) + ")";
    if (out[k] < 0 || b < -n || e < -n) throw_range_error(env, op, "pads crop more than the input has" + at);
    const int64_t most = std::max<int64_t>({b, e, 0});
    if (p.mode == pad_mode::reflect && most > 0 && most > n - 1) {
      throw_range_error(env, op, "reflect pads must be smaller than the dimension" + at);
    }
    if (p.mode == pad_mode::edge && most > 0 && n == 0) throw_range_error(env, op, "edge pads an empty dimension" + at);
  }
  const int64_t nx = product(env, op, "x", p.rank, p.in_shape), ny = product(env, op, "y", p.rank, out);
  const f32_view x = float_array(env, info[0], op, "x");
  const f32_view y = float_array(env, info[1], op, "y");
  check_x_to_y(env, op, x, nx, y, ny);
  run_sync(env, op, [&] { convkit::pad(x.data, y.data, p); });
  return env.Undefined();
}

}  // namespace convkit::glue
