// batchNorm2dStats(x, mean, variance, info), batchNorm2dApply(x, scale, shift, y, info) and
// batchNorm2dBackward(dy, x, mean, invstd, scale, dx, dweight, dbias, info, training); info is
// a BatchNorm2dInfo (lib/shape/batch-norm-info.ts).
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

}  // namespace

Napi::Value js_batch_norm2d_stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm2dStats";
  const bn_args a = read_info(env, info[3], op);
  const f32_view x = float_array(env, info[0], op, "x");
  const f32_view mean = float_array(env, info[1], op, "mean");
  const f32_view var = float_array(env, info[2], op, "variance");
  require_length(env, op, x, "x", a.n);
  require_length(env, op, mean, "mean", a.s.channels);
  require_length(env, op, var, "variance", a.s.channels);
  call_arrays c(false);
  c.in("x", x, a.n);
  c.out("mean", mean, a.s.channels);
  c.out("variance", var, a.s.channels);
  c.check_overlap(env, op);
  run_sync(env, op, [&] { batch_norm_stats(x.data, mean.data, var.data, a.s); });
  return env.Undefined();
}

Napi::Value js_batch_norm2d_apply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm2dApply";
  const bn_args a = read_info(env, info[4], op);
  const f32_view x = float_array(env, info[0], op, "x");
  const f32_view scale = float_array(env, info[1], op, "scale");
  const f32_view shift = float_array(env, info[2], op, "shift");
  const f32_view y = float_array(env, info[3], op, "y");
  require_length(env, op, x, "x", a.n);
  require_length(env, op, scale, "scale", a.s.channels);
  require_length(env, op, shift, "shift", a.s.channels);
  require_length(env, op, y, "y", a.n);
  call_arrays c(false);
  c.in("x", x, a.n);
  c.in("scale", scale, a.s.channels);
  c.in("shift", shift, a.s.channels);
  c.out("y", y, a.n);
  c.check_overlap(env, op, true);
  run_sync(env, op, [&] { batch_norm_apply(x.data, scale.data, shift.data, y.data, a.s); });
  return env.Undefined();
}

Napi::Value js_batch_norm2d_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm2dBackward";
  const bn_args a = read_info(env, info[8], op);
  const bool training = bool_value(env, info[9], op, "training");
  const char* names[8] = {"dy", "x", "mean", "invstd", "scale", "dx", "dweight", "dbias"};
  f32_view v[8];
  for (int i = 0; i < 8; ++i) {
    v[i] = float_array(env, info[i], op, names[i]);
    require_length(env, op, v[i], names[i], i < 2 || i == 5 ? a.n : a.s.channels);
  }
  call_arrays c(false);
  for (int i = 0; i < 5; ++i) c.in(names[i], v[i], v[i].length);
  for (int i = 5; i < 8; ++i) c.out(names[i], v[i], v[i].length);
  c.check_overlap(env, op);
  run_sync(env, op, [&] {
    batch_norm_backward(v[0].data, v[1].data, v[2].data, v[3].data, v[4].data, v[5].data, v[6].data, v[7].data,
                        a.s, training);
  });
  return env.Undefined();
}

}  // namespace convkit::glue
