// conv2d(x, w, b, y, info, residual?), conv2dBackwardData(dy, w, dx, info),
// conv2dBackwardFilter(dy, x, dw, db | null, info) and their *Async forms: unpack
// Conv2dInfo, check it and the buffer lengths, bind the arrays (arrays.h), call the kernels.
#include <array>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "async.h"
#include "check.h"
#include "convkit/conv2d.h"
#include "convkit/qgemm.h"
#include "glue.h"
#include "info-fields.h"

namespace convkit::glue {
namespace {

constexpr const char* kOp = "conv2d";
constexpr const char* kOpPrepack = "conv2dPrepack";
constexpr const char* kOpPacked = "conv2dPacked";
constexpr const char* kOpBackwardData = "conv2dBackwardData";
constexpr const char* kOpBackwardFilter = "conv2dBackwardFilter";

// Reads and checks Conv2dInfo (the object or its packed form, info-fields.h). The backward
// ops ignore hasBias and activation, so only the forward reads them.
conv2d_params parse_info(Napi::Env env, const Napi::Value& v, const char* op, bool forward) {
  const info_fields f(env, v, op, kConv2dInfo);
  conv2d_params p{};
  read_window(f, p);
  p.in_channels = f.integer(kInChannels, 1);
  p.out_channels = f.integer(kOutChannels, 1);
  p.groups = f.integer(kGroups, 1);
  p.data_layout = f.nhwc(kConvLayout) ? layout::nhwc : layout::nchw;
  p.has_bias = false;
  p.act = activation::none;
  if (forward) {
    p.has_bias = f.boolean(kHasBias);
    // The packed order: lib/backend/native/packed-info.ts lists the same names.
    static constexpr const char* kNames[] = {"none", "relu", "relu6", "sigmoid", "silu", "hardSwish"};
    static constexpr activation kKinds[] = {activation::none,    activation::relu, activation::relu6,
                                            activation::sigmoid, activation::silu, activation::hard_swish};
    p.act = kKinds[f.choice(kActivation, kNames,
                            "must be 'none', 'relu', 'relu6', 'sigmoid', 'silu' or 'hardSwish'")];
    p.y_channels = f.optional_integer(kYChannels, 1);  // y a channel slice (conv2d_params)
  }

  const std::string wrong = conv2d_params_check(p);
  if (!wrong.empty()) throw_range_error(env, op, "info." + wrong);
  return p;
}

// Element counts of x, w and y (= dy) of a valid p (conv2d_params_check bounds them by 2^53):
// y's span (a channel slice steps over the other channels), the residual the plain output's.
struct conv2d_sizes {
  int64_t x, w, y, r;
};
conv2d_sizes sizes_of(const conv2d_params& p) {
  return {conv2d_x_size(p), conv2d_w_size(p), conv2d_y_size(p), conv2d_out_elements(p)};
}

// A y slice (info.yChannels) is for the sync forward calls: an async call owns a copy of y
// while it runs, whose copy back would write the other channels of the span.
void check_sync_slice(Napi::Env env, const char* op, const conv2d_params& p, bool async) {
  if (async && conv2d_y_is_slice(p)) {
    throw_range_error(env, op, "info.yChannels " + std::to_string(p.y_channels) + " (y a slice of " +
                                   "a wider tensor) is for the sync call, not the async one");
  }
}

// The call's Conv2dInfo, its last argument, once there are `argc` arguments (`names` lists
// them for the error).
conv2d_params parse_call(const Napi::CallbackInfo& info, const char* op, const char* names, size_t argc,
                         bool forward) {
  if (info.Length() < argc) {
    throw_type_error(info.Env(), op, std::string("expected ") + names + ", got " + std::to_string(info.Length()) +
                                         " arguments");
  }
  return parse_info(info.Env(), info[argc - 1], op, forward);
}

// A Float32Array argument and the element count it must hold; an absent one (a null db, the
// async forward's null y) is neither read nor checked.
struct array_arg {
  size_t index;
  const char* name;
  int64_t size;
  bool present = true;
};

// The arrays' views: every type checked, in order, before any length is.
template <size_t N>
std::array<f32_view, N> sized_arrays(const Napi::CallbackInfo& info, const char* op, const array_arg (&args)[N]) {
  std::array<f32_view, N> v{};
  for (size_t i = 0; i < N; ++i) {
    if (args[i].present) v[i] = float_array(info.Env(), info[args[i].index], op, args[i].name);
  }
  for (size_t i = 0; i < N; ++i) {
    if (args[i].present) require_length(info.Env(), op, v[i], args[i].name, args[i].size);
  }
  return v;
}

// The bias argument info[i]: out_channels floats when p.has_bias, else null or undefined (an
// empty view).
f32_view bias_array(const Napi::CallbackInfo& info, size_t i, const char* op, const conv2d_params& p) {
  Napi::Env env = info.Env();
  f32_view b;
  if (p.has_bias) {
    b = float_array(env, info[i], op, "b");
    require_length(env, op, b, "b", p.out_channels);
  } else if (!info[i].IsNull() && !info[i].IsUndefined()) {
    throw_type_error(env, op, "b must be null when info.hasBias is false, got " + describe(info[i]));
  }
  return b;
}

// Every parse reads the info object (whose getters may run JS) before it takes any data
// pointer, then binds the arrays through `a` (in place or owned copies, arrays.h).
// The residual (y's size, optional 6th argument) is an input like x: the async call copies
// it, and y may not overlap it.
// Kernel: convkit::conv2d, or convkit::conv2d_bf16 (op "conv2dBf16").
using conv2d_kernel = void (*)(const conv2d_params&, const float*, const float*, const float*, float*, const float*);
// A RangeError when p's filters have more taps than max_taps (>= 0: int8's int32 sums).
void check_taps(Napi::Env env, const char* op, const conv2d_params& p, int64_t max_taps) {
  const int64_t taps = p.in_channels / p.groups * p.kernel_h * p.kernel_w;  // a factor of w's size, checked to fit
  if (max_taps >= 0 && taps > max_taps) {
    throw_range_error(env, op, "a filter has " + std::to_string(taps) + " taps but int8 sums take at most " +
                                   std::to_string(max_taps));
  }
}

// max_taps: the most taps a filter may have (conv2d_int8's int32 sums), else any.
template <conv2d_kernel kernel, const char* const* kName>
std::function<void()> parse_forward(const Napi::CallbackInfo& info, call_arrays& a, int64_t max_taps = -1) {
  Napi::Env env = info.Env();
  const char* const kOp = *kName;
  const conv2d_params p = parse_call(info, kOp, "(x, w, b, y, info)", 5, true);
  check_taps(env, kOp, p, max_taps);
  check_sync_slice(env, kOp, p, a.async());
  const conv2d_sizes n = sizes_of(p);
  const bool fresh_y = a.async() && info[3].IsNull();  // async: y = null allocates the output
  const bool has_r = info.Length() > 5 && !info[5].IsNull() && !info[5].IsUndefined();
  const auto [x, w, y, r] = sized_arrays(
      info, kOp, {{0, "x", n.x}, {1, "w", n.w}, {3, "y", n.y, !fresh_y}, {5, "residual", n.r, has_r}});
  const f32_view b = bias_array(info, 2, kOp, p);
  const float* xd = a.in("x", x, n.x);
  const float* wd = a.in("w", w, n.w);
  const float* bd = p.has_bias ? a.in("b", b, p.out_channels) : nullptr;
  const float* rd = has_r ? a.in("residual", r, n.r) : nullptr;
  float* yd = fresh_y ? a.fresh(env, "y", n.y) : a.out("y", y, n.y);
  a.check_overlap(env, kOp);
  return [p, xd, wd, bd, yd, rd] { kernel(p, xd, wd, bd, yd, rd); };
}
const char* const kOpName = kOp;
const char* const kOpBf16 = "conv2dBf16";
const char* const kOpInt8 = "conv2dInt8";
// conv2d_int8 with conv2d's signature (parse_int8 checks the filter's taps first, so it runs).
void conv2d_int8_kernel(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                        const float* r) {
  convkit::conv2d_int8(p, x, w, b, y, r);
}
std::function<void()> parse(const Napi::CallbackInfo& info, call_arrays& a) {
  return parse_forward<convkit::conv2d, &kOpName>(info, a);
}
std::function<void()> parse_bf16(const Napi::CallbackInfo& info, call_arrays& a) {
  return parse_forward<convkit::conv2d_bf16, &kOpBf16>(info, a);
}
std::function<void()> parse_int8(const Napi::CallbackInfo& info, call_arrays& a) {
  return parse_forward<conv2d_int8_kernel, &kOpInt8>(info, a, convkit::kQgemmMaxK);
}

// The prepacked forms of conv2d and conv2d_bf16: their packed size, prepack and packed conv.
struct packed_kind {
  const char* prepack_op;
  const char* packed_op;
  int64_t (*size)(const conv2d_params&);
  void (*prepack)(const conv2d_params&, const float*, float*);
  void (*packed)(const conv2d_params&, const float*, const float*, const float*, const float*, float*, const float*);
  int64_t max_taps;  // the most taps a filter may have (int8's int32 sums), else -1
};
// conv2d_int8_packed with conv2d_packed's signature (it does not read w).
void conv2d_int8_packed_kernel(const conv2d_params& p, const float* x, const float*, const float* packed,
                               const float* b, float* y, const float* r) {
  convkit::conv2d_int8_packed(p, x, packed, b, y, r);
}
const packed_kind kFp32Packed{kOpPrepack, kOpPacked, convkit::conv2d_packed_size, convkit::conv2d_prepack,
                              convkit::conv2d_packed, -1};
const packed_kind kBf16Packed{"conv2dBf16Prepack", "conv2dBf16Packed", convkit::conv2d_bf16_packed_size,
                              convkit::conv2d_bf16_prepack, convkit::conv2d_bf16_packed, -1};
const packed_kind kInt8Packed{"conv2dInt8Prepack", "conv2dInt8Packed", convkit::conv2d_int8_packed_size,
                              convkit::conv2d_int8_prepack, conv2d_int8_packed_kernel, convkit::kQgemmMaxK};


// conv2dPrepack(w, packed, info): packed (conv2d_packed_size floats) = w prepacked for info.
template <const packed_kind* K>
std::function<void()> parse_prepack(const Napi::CallbackInfo& info, call_arrays& a) {
  const char* op = K->prepack_op;
  const conv2d_params p = parse_call(info, op, "(w, packed, info)", 3, true);
  check_taps(info.Env(), op, p, K->max_taps);
  const int64_t np = K->size(p);
  const auto [w, packed] = sized_arrays(info, op, {{0, "w", conv2d_w_size(p)}, {1, "packed", np}});
  const float* wd = a.in("w", w, conv2d_w_size(p));
  float* pd = a.out("packed", packed, np);
  a.check_overlap(info.Env(), op);
  const auto prepack = K->prepack;
  return [p, wd, pd, prepack] { prepack(p, wd, pd); };
}

// conv2dPacked(x, w, packed, b, y, info, r?): conv2d on w and the panels conv2dPrepack packed
// from it for info.
template <const packed_kind* K>
std::function<void()> parse_packed(const Napi::CallbackInfo& info, call_arrays& a) {
  Napi::Env env = info.Env();
  const char* op = K->packed_op;
  const conv2d_params p = parse_call(info, op, "(x, w, packed, b, y, info)", 6, true);
  check_taps(env, op, p, K->max_taps);
  const conv2d_sizes n = sizes_of(p);
  const int64_t np = K->size(p);
  const bool has_r = info.Length() > 6 && !info[6].IsNull() && !info[6].IsUndefined();
  check_sync_slice(env, op, p, a.async());
  const auto [x, w, packed, y, r] = sized_arrays(
      info, op, {{0, "x", n.x}, {1, "w", n.w}, {2, "packed", np}, {4, "y", n.y}, {6, "residual", n.r, has_r}});
  const f32_view b = bias_array(info, 3, op, p);
  const float* xd = a.in("x", x, n.x);
  const float* wd = a.in("w", w, n.w);
  const float* pd = a.in("packed", packed, np);
  const float* bd = p.has_bias ? a.in("b", b, p.out_channels) : nullptr;
  const float* rd = has_r ? a.in("residual", r, n.r) : nullptr;
  float* yd = a.out("y", y, n.y);
  a.check_overlap(env, op);
  const auto packed_conv = K->packed;
  return [p, xd, wd, pd, bd, yd, rd, packed_conv] { packed_conv(p, xd, wd, pd, bd, yd, rd); };
}

// conv2dBackwardData(dy, w, dx, info): dx = the transposed convolution of dy with w.
std::function<void()> parse_backward_data(const Napi::CallbackInfo& info, call_arrays& a) {
  const char* op = kOpBackwardData;
  const conv2d_params p = parse_call(info, op, "(dy, w, dx, info)", 4, false);
  const conv2d_sizes n = sizes_of(p);
  const auto [dy, w, dx] = sized_arrays(info, op, {{0, "dy", n.y}, {1, "w", n.w}, {2, "dx", n.x}});
  const float* dyd = a.in("dy", dy, n.y);
  const float* wd = a.in("w", w, n.w);
  float* dxd = a.out("dx", dx, n.x);
  a.check_overlap(info.Env(), op);
  return [p, dyd, wd, dxd] { convkit::conv2d_backward_data(p, dyd, wd, dxd); };
}

// conv2dBackwardFilter(dy, x, dw, db | null, info): dw, and db unless it is null.
std::function<void()> parse_backward_filter(const Napi::CallbackInfo& info, call_arrays& a) {
  const char* op = kOpBackwardFilter;
  const conv2d_params p = parse_call(info, op, "(dy, x, dw, db, info)", 5, false);
  const conv2d_sizes n = sizes_of(p);
  const bool has_db = !info[3].IsNull() && !info[3].IsUndefined();
  const auto [dy, x, dw, db] = sized_arrays(
      info, op, {{0, "dy", n.y}, {1, "x", n.x}, {2, "dw", n.w}, {3, "db", p.out_channels, has_db}});
  const float* dyd = a.in("dy", dy, n.y);
  const float* xd = a.in("x", x, n.x);
  float* dwd = a.out("dw", dw, n.w);
  float* dbd = has_db ? a.out("db", db, p.out_channels) : nullptr;
  a.check_overlap(info.Env(), op);
  return [p, dyd, xd, dwd, dbd] { convkit::conv2d_backward_filter(p, dyd, xd, dwd, dbd); };
}

// One op's sync and async entry points share its parse.
template <std::function<void()> (*Parse)(const Napi::CallbackInfo&, call_arrays&)>
Napi::Value entry(const Napi::CallbackInfo& info, const char* op, bool async) {
  const auto parse_call_arrays = [&](call_arrays& a) { return Parse(info, a); };
  return async ? run_async(info.Env(), op, parse_call_arrays) : run_sync_call(info.Env(), op, parse_call_arrays);
}

}  // namespace

Napi::Value js_conv2d(const Napi::CallbackInfo& info) { return entry<parse>(info, kOp, false); }
Napi::Value js_conv2d_async(const Napi::CallbackInfo& info) { return entry<parse>(info, kOp, true); }
Napi::Value js_conv2d_bf16(const Napi::CallbackInfo& info) { return entry<parse_bf16>(info, kOpBf16, false); }
Napi::Value js_conv2d_bf16_async(const Napi::CallbackInfo& info) { return entry<parse_bf16>(info, kOpBf16, true); }
Napi::Value js_conv2d_int8(const Napi::CallbackInfo& info) { return entry<parse_int8>(info, kOpInt8, false); }
Napi::Value js_conv2d_int8_async(const Napi::CallbackInfo& info) { return entry<parse_int8>(info, kOpInt8, true); }
Napi::Value js_conv2d_prepack(const Napi::CallbackInfo& info) { return entry<parse_prepack<&kFp32Packed>>(info, kOpPrepack, false); }
Napi::Value js_conv2d_packed(const Napi::CallbackInfo& info) { return entry<parse_packed<&kFp32Packed>>(info, kOpPacked, false); }
Napi::Value js_conv2d_packed_size(const Napi::CallbackInfo& info) {
  const conv2d_params p = parse_call(info, kOpPrepack, "(info)", 1, true);
  return Napi::Number::New(info.Env(), static_cast<double>(conv2d_packed_size(p)));
}
Napi::Value js_conv2d_bf16_prepack(const Napi::CallbackInfo& info) {
  return entry<parse_prepack<&kBf16Packed>>(info, kBf16Packed.prepack_op, false);
}
Napi::Value js_conv2d_bf16_packed(const Napi::CallbackInfo& info) {
  return entry<parse_packed<&kBf16Packed>>(info, kBf16Packed.packed_op, false);
}
Napi::Value js_conv2d_int8_prepack(const Napi::CallbackInfo& info) {
  return entry<parse_prepack<&kInt8Packed>>(info, kInt8Packed.prepack_op, false);
}
Napi::Value js_conv2d_int8_packed(const Napi::CallbackInfo& info) {
  return entry<parse_packed<&kInt8Packed>>(info, kInt8Packed.packed_op, false);
}
Napi::Value js_conv2d_int8_packed_size(const Napi::CallbackInfo& info) {
  const conv2d_params p = parse_call(info, kInt8Packed.prepack_op, "(info)", 1, true);
  return Napi::Number::New(info.Env(), static_cast<double>(conv2d_int8_packed_size(p)));
}
Napi::Value js_conv2d_bf16_packed_size(const Napi::CallbackInfo& info) {
  const conv2d_params p = parse_call(info, kBf16Packed.prepack_op, "(info)", 1, true);
  return Napi::Number::New(info.Env(), static_cast<double>(conv2d_bf16_packed_size(p)));
}
Napi::Value js_conv2d_backward_data(const Napi::CallbackInfo& info) {
  return entry<parse_backward_data>(info, kOpBackwardData, false);
}
Napi::Value js_conv2d_backward_data_async(const Napi::CallbackInfo& info) {
  return entry<parse_backward_data>(info, kOpBackwardData, true);
}
Napi::Value js_conv2d_backward_filter(const Napi::CallbackInfo& info) {
  return entry<parse_backward_filter>(info, kOpBackwardFilter, false);
}
Napi::Value js_conv2d_backward_filter_async(const Napi::CallbackInfo& info) {
  return entry<parse_backward_filter>(info, kOpBackwardFilter, true);
}

}  // namespace convkit::glue
