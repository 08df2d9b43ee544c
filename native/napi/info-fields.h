// The info argument of sgemm, conv2d and the pools, read one way whichever form it has:
//   an object      GemmInfo, Conv2dInfo, Pool2dInfo, GlobalPool2dInfo (lib/shape), read field
//                  by field (each read interns a V8 string and looks the property up: ~0.1 us,
//                  a measurable part of a small call: gemm sq128 spent 1 us on its 10 fields);
//   a Float64Array [tag, field 0, field 1, ...], what the native backend passes
//                  (lib/backend/native/packed-info.ts): the fields in the order of the kind's
//                  name table below, booleans as 0/1, strings as their index in the options
//                  the glue lists. Read in one go, no JS runs.
// Every field gets the same checks and the same messages in both forms ("info.m must be ...";
// a packed value is described as the number it is).
#pragma once
#include <napi.h>

#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "check.h"

namespace convkit::glue {

// One kind of info: the tag its packed form starts with and its field names, in packed order.
struct info_kind {
  double tag;
  const char* const* names;
  int count;
};

// The window geometry Conv2dInfo and Pool2dInfo share, first in both (conv2d_params and
// pool2d_params use the member names of read_window for it).
enum window_field : int {
  kBatch, kInHeight, kInWidth, kOutHeight, kOutWidth, kKernelH, kKernelW, kStrideH, kStrideW,
  kPadTop, kPadBottom, kPadLeft, kPadRight, kDilationH, kDilationW, kWindowFields
};
#define CONVKIT_WINDOW_NAMES                                                                    \
  "batch", "inHeight", "inWidth", "outHeight", "outWidth", "kernelH", "kernelW", "strideH",     \
      "strideW", "padTop", "padBottom", "padLeft", "padRight", "dilationH", "dilationW"

enum gemm_field : int { kTransA, kTransB, kM, kN, kK, kAlpha, kBeta, kLda, kLdb, kLdc, kGemmFields };
inline constexpr const char* kGemmNames[] = {"transA", "transB", "m", "n", "k", "alpha", "beta", "lda", "ldb", "ldc"};

enum conv2d_field : int {
  kInChannels = kWindowFields, kOutChannels, kGroups, kConvLayout, kHasBias, kActivation, kYChannels, kConv2dFields
};
inline constexpr const char* kConv2dNames[] = {CONVKIT_WINDOW_NAMES, "inChannels", "outChannels", "groups",
                                               "layout", "hasBias", "activation", "yChannels"};

enum pool2d_field : int { kChannels = kWindowFields, kCountIncludePad, kPoolLayout, kPool2dFields };
inline constexpr const char* kPool2dNames[] = {CONVKIT_WINDOW_NAMES, "channels", "countIncludePad", "layout"};

enum global_pool2d_field : int { kGBatch, kGChannels, kGHeight, kGWidth, kGLayout, kGlobalPool2dFields };
inline constexpr const char* kGlobalPool2dNames[] = {"batch", "channels", "height", "width", "layout"};
#undef CONVKIT_WINDOW_NAMES

static_assert(sizeof(kGemmNames) / sizeof(kGemmNames[0]) == kGemmFields);
static_assert(sizeof(kConv2dNames) / sizeof(kConv2dNames[0]) == kConv2dFields);
static_assert(sizeof(kPool2dNames) / sizeof(kPool2dNames[0]) == kPool2dFields);
static_assert(sizeof(kGlobalPool2dNames) / sizeof(kGlobalPool2dNames[0]) == kGlobalPool2dFields);

// Tags: the same numbers as lib/backend/native/packed-info.ts.
inline constexpr info_kind kGemmInfo{0x5C0001, kGemmNames, kGemmFields};
inline constexpr info_kind kConv2dInfo{0x5C0002, kConv2dNames, kConv2dFields};
inline constexpr info_kind kPool2dInfo{0x5C0003, kPool2dNames, kPool2dFields};
inline constexpr info_kind kGlobalPool2dInfo{0x5C0004, kGlobalPool2dNames, kGlobalPool2dFields};
// BatchNorm2dInfo has GlobalPool2dInfo's fields, in the same order (the kG* indices).
inline constexpr info_kind kBatchNorm2dInfo{0x5C0006, kGlobalPool2dNames, kGlobalPool2dFields};

// The layout strings, in their packed order (0 nchw, 1 nhwc).
inline constexpr const char* kLayouts[] = {"nchw", "nhwc"};
inline constexpr const char* kLayoutMessage = "must be 'nchw' or 'nhwc'";

class info_fields {
 public:
  static constexpr int kMaxFields = 24;

  // v: the object or its packed form; anything else is a TypeError.
  info_fields(Napi::Env env, const Napi::Value& v, const char* op, const info_kind& kind)
      : env_(env), op_(op), kind_(kind) {
    static_assert(kConv2dFields <= kMaxFields);
    if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
      const Napi::Float64Array a = v.As<Napi::Float64Array>();
      if (a.ElementLength() != static_cast<size_t>(kind.count) + 1 || a[0] != kind.tag) {
        throw_type_error(env, op, "info must be an object or its packed Float64Array (" + std::to_string(kind.count + 1) +
                                      " numbers, tag " + std::to_string(static_cast<int64_t>(kind.tag)) + "), got a Float64Array of " +
                                      std::to_string(a.ElementLength()));
      }
      std::memcpy(packed_.data(), a.Data() + 1, static_cast<size_t>(kind.count) * sizeof(double));
      is_packed_ = true;
      return;
    }
    object_ = info_object(env, v, op);
  }

  // A whole number in [lo, kMaxDim].
  int64_t integer(int i, int64_t lo) const {
    if (!is_packed_) return int_field(env_, object_, op_, kind_.names[i], lo);
    const double d = packed_[i];
    if (d >= static_cast<double>(lo) && d <= static_cast<double>(kMaxDim) && d == std::floor(d)) {
      return static_cast<int64_t>(d);
    }
    return int_value(env_, Napi::Number::New(env_, d), op_, name(i), lo);
  }

  // An optional whole number in [lo, kMaxDim]: 0 when absent (undefined; packed: 0).
  int64_t optional_integer(int i, int64_t lo) const {
    if (is_packed_) return packed_[i] == 0.0 ? 0 : integer(i, lo);
    const Napi::Value v = object_.Get(kind_.names[i]);  // read once: a getter runs once
    return v.IsUndefined() ? 0 : int_value(env_, v, op_, name(i), lo);
  }

  // A finite number.
  double number(int i) const {
    if (is_packed_ && std::isfinite(packed_[i])) return packed_[i];
    return finite_number(env_, value(i), op_, name(i).c_str());
  }

  bool boolean(int i) const {
    if (!is_packed_) return bool_field(env_, object_, op_, kind_.names[i]);
    if (packed_[i] == 0.0 || packed_[i] == 1.0) return packed_[i] == 1.0;
    throw_type_error(env_, op_, name(i) + " must be a boolean, got " + describe(value(i)));
  }

  // The index of the field's string in options (packed: the index itself); otherwise a
  // RangeError "info.<name> <must>, got ...".
  template <size_t N>
  int choice(int i, const char* const (&options)[N], const char* must) const {
    const Napi::Value v = value(i);
    int at = 0;
    for (const char* s : options) {
      if (is_packed_ ? packed_[i] == at : v.IsString() && v.As<Napi::String>().Utf8Value() == s) return at;
      ++at;
    }
    throw_range_error(env_, op_, name(i) + " " + must + ", got " + describe(v));
  }

  bool nhwc(int i) const { return choice(i, kLayouts, kLayoutMessage) == 1; }

 private:
  std::string name(int i) const { return std::string("info.") + kind_.names[i]; }
  Napi::Value value(int i) const {
    return is_packed_ ? Napi::Number::New(env_, packed_[i]).As<Napi::Value>() : object_.Get(kind_.names[i]);
  }

  Napi::Env env_;
  const char* op_;
  const info_kind& kind_;
  Napi::Object object_;
  std::array<double, kMaxFields> packed_{};
  bool is_packed_ = false;
};

// The window fields (kBatch .. kDilationW) into p.
template <typename Params>
void read_window(const info_fields& f, Params& p) {
  p.batch = f.integer(kBatch, 1);
  p.in_height = f.integer(kInHeight, 1);
  p.in_width = f.integer(kInWidth, 1);
  p.out_height = f.integer(kOutHeight, 1);
  p.out_width = f.integer(kOutWidth, 1);
  p.kernel_h = f.integer(kKernelH, 1);
  p.kernel_w = f.integer(kKernelW, 1);
  p.stride_h = f.integer(kStrideH, 1);
  p.stride_w = f.integer(kStrideW, 1);
  p.pad_top = f.integer(kPadTop, 0);
  p.pad_bottom = f.integer(kPadBottom, 0);
  p.pad_left = f.integer(kPadLeft, 0);
  p.pad_right = f.integer(kPadRight, 0);
  p.dilation_h = f.integer(kDilationH, 1);
  p.dilation_w = f.integer(kDilationW, 1);
}

}  // namespace convkit::glue
