// batchNorm2dStats(x, mean, variance, info), batchNorm2dApply(x, scale, shift, y, info) and
// batchNorm2dBackward(dy, x, mean, invstd, scale, dx, dweight, dbias, info, training); info is
// a BatchNorm2dInfo (lib/shape/batch-norm-info.ts).
#include <cstddef>
#include <string>

#include "arrays.h"
#include "async.h"
#include "check.h"
#include "convkit/norm.h"
#include "glue.h"
#include "info-fields.h"

namespace convkit::glue {
namespace {

struct bn_args {
  batch_norm_shape s;
  int64_t n;  // elements of x
};

// The object or its packed form (info-fields.h; lib/backend/native/packed-info.ts).
bn_args read_info(Napi::Env env, const Napi::Value& v, const char* op) {
  const info_fields f(env, v, op, kBatchNorm2dInfo);
  bn_args a{};
  a.s.batch = f.integer(kGBatch, 1);
  a.s.channels = f.integer(kGChannels, 1);
  const int64_t h = f.integer(kGHeight, 1), w = f.integer(kGWidth, 1);
  a.s.nhwc = f.nhwc(kGLayout);
  a.s.spatial = checked_product(env, op, "height x width", {h, w});
  a.n = checked_product(env, op, "x", {a.s.batch, a.s.channels, h, w});
  return a;
}

// The call's arrays info[0, N): names[i], with a.n elements where images[i] (x-shaped) and
// one per channel otherwise; the first n_in read, the others written, none overlapping (but
// an output may be an input when in_place).
template <size_t N>
void read_arrays(Napi::Env env, const Napi::CallbackInfo& info, const char* op, const bn_args& a,
                 const char* const (&names)[N], const bool (&images)[N], int n_in, bool in_place, f32_view (&v)[N]) {
  for (size_t i = 0; i < N; ++i) {
    v[i] = float_array(env, info[i], op, names[i]);
    require_length(env, op, v[i], names[i], images[i] ? a.n : a.s.channels);
  }
  call_arrays c(false);
  for (size_t i = 0; i < N; ++i) {
    if (static_cast<int>(i) < n_in) {
      c.in(names[i], v[i], v[i].length);
    } else {
      c.out(names[i], v[i], v[i].length);
    }
  }
  c.check_overlap(env, op, in_place);
}

}  // namespace

Napi::Value js_batch_norm2d_stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm2dStats";
  const bn_args a = read_info(env, info[3], op);
  f32_view v[3];  // x, mean, variance
  read_arrays(env, info, op, a, {"x", "mean", "variance"}, {true, false, false}, 1, false, v);
  run_sync(env, op, [&] { batch_norm_stats(v[0].data, v[1].data, v[2].data, a.s); });
  return env.Undefined();
}

Napi::Value js_batch_norm2d_apply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm2dApply";
  const bn_args a = read_info(env, info[4], op);
  f32_view v[4];  // x, scale, shift, y
  read_arrays(env, info, op, a, {"x", "scale", "shift", "y"}, {true, false, false, true}, 3, true, v);
  run_sync(env, op, [&] { batch_norm_apply(v[0].data, v[1].data, v[2].data, v[3].data, a.s); });
  return env.Undefined();
}

Napi::Value js_batch_norm2d_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm2dBackward";
  const bn_args a = read_info(env, info[8], op);
  const bool training = bool_value(env, info[9], op, "training");
  f32_view v[8];
  read_arrays(env, info, op, a, {"dy", "x", "mean", "invstd", "scale", "dx", "dweight", "dbias"},
              {true, true, false, false, false, true, false, false}, 5, false, v);
  run_sync(env, op, [&] {
    batch_norm_backward(v[0].data, v[1].data, v[2].data, v[3].data, v[4].data, v[5].data, v[6].data, v[7].data,
                        a.s, training);
  });
  return env.Undefined();
}

}  // namespace convkit::glue
