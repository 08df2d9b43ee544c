// info / setNumThreads / getNumThreads; byteMisalignment (for lib's aligned outputs); _lastPath
// (a test aid, not part of the API).
#include <string>
#include <vector>

#include "check.h"
#include "configs/tuning.h"
#include "convkit/isa.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "convkit/qgemm.h"
#include "convkit/sbgemm.h"
#include "convkit/workspace.h"
#include "glue.h"

namespace convkit::glue {

Napi::Value js_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("simd", isa_name(active_isa()));
  o.Set("detectedSimd", isa_name(detected_isa()));
  const std::vector<std::string> warnings = tuning_warnings();  // CONVKIT_ISA's first
  Napi::Array list = Napi::Array::New(env, warnings.size());
  for (size_t i = 0; i < warnings.size(); ++i) list.Set(static_cast<uint32_t>(i), warnings[i]);
  o.Set("warnings", list);
  o.Set("threads", get_num_threads());
  o.Set("maxThreads", max_num_threads());
  o.Set("openmp", has_openmp());
  o.Set("mallocTuned", tune_allocator());
  // Bytes the kernels' scratch buffers of every thread hold now (convkit/workspace.h).
  o.Set("workspaceBytes", static_cast<double>(workspace_bytes_held()));
  o.Set("workspaceCap", static_cast<double>(workspace_cap_bytes()));
  o.Set("bf16", sbgemm_native() ? "avx512_bf16" : "emulated");
  o.Set("int8", qgemm_native() ? "avx512_vnni" : "emulated");
  return o;
}

Napi::Value js_set_num_threads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t max = max_num_threads();
  const int64_t n = int_value(env, info[0], "setNumThreads", "n", 1, kMaxDim);
  if (n > max) {
    throw_range_error(env, "setNumThreads", "n must be at most " + std::to_string(max) +
                                                " (4x the hardware threads this process may use), got " +
                                                std::to_string(n));
  }
  convkit::set_num_threads(static_cast<int>(n));
  return env.Undefined();
}

Napi::Value js_get_num_threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), convkit::get_num_threads());
}

// byteMisalignment(buffer): the address of an ArrayBuffer's first byte modulo 64 (0 when it has
// no memory: empty or detached). lib/backend/native/output.ts starts its outputs at the next
// 64-byte boundary: Node's ArrayBuffers come from malloc, 16 bytes past a boundary (glibc's
// chunk header), and a 64-byte vector load or store from such an address touches two cache
// lines (a 14x14x384 depthwise layer, input 16 bytes past: 29.5-30.0 us; aligned: 23.3-23.5).
Napi::Value js_byte_misalignment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) throw_type_error(env, "byteMisalignment", "buffer must be an ArrayBuffer, got " + describe(info[0]));
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  const uintptr_t at = reinterpret_cast<uintptr_t>(ab.Data());
  return Napi::Number::New(env, static_cast<double>(at % 64));
}

// _lastPath('conv2d' | 'pool' | 'pool-variant'): the path the last call of that op family took
// (convkit/last-path.h), then 'none' until the next call; for the tests, lib does not export it.
Napi::Value js_last_path(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Value v = info[0];
  const std::string op = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  if (op == "conv2d") return Napi::String::New(env, path_name(take_last_conv_path()));
  if (op == "pool") return Napi::String::New(env, path_name(take_last_pool_path()));
  if (op == "pool-variant") return Napi::String::New(env, path_name(take_last_pool_variant()));
  if (op == "conv2d-dx") return Napi::String::New(env, path_name(take_last_conv_dx_path()));
  if (op == "conv2d-dw") return Napi::String::New(env, path_name(take_last_conv_dw_path()));
  throw_type_error(env, "_lastPath", "op must be 'conv2d', 'conv2d-dx', 'conv2d-dw', 'pool' or 'pool-variant', got " + describe(v));
}

}  // namespace convkit::glue
