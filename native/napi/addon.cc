// The addon object: registers the glue functions. Per-instance (per-environment) data
// only, no mutable statics, so it loads in any number of worker_threads.
#include <napi.h>

#include "glue.h"

namespace convkit::glue {

class convkit_addon : public Napi::Addon<convkit_addon> {
 public:
  convkit_addon(Napi::Env /*env*/, Napi::Object exports) {
    tune_allocator();
    DefineAddon(exports, {
        InstanceMethod("info", &convkit_addon::call<js_info>, napi_enumerable),
        InstanceMethod("setNumThreads", &convkit_addon::call<js_set_num_threads>, napi_enumerable),
        InstanceMethod("getNumThreads", &convkit_addon::call<js_get_num_threads>, napi_enumerable),
        InstanceMethod("byteMisalignment", &convkit_addon::call<js_byte_misalignment>, napi_enumerable),
        // Test aid: not enumerable, so it stays out of the addon's listed surface.
        InstanceMethod("_lastPath", &convkit_addon::call<js_last_path>, napi_default),
        InstanceMethod("conv2d", &convkit_addon::call<js_conv2d>, napi_enumerable),
        InstanceMethod("conv2dAsync", &convkit_addon::call<js_conv2d_async>, napi_enumerable),
        InstanceMethod("conv2dPrepack", &convkit_addon::call<js_conv2d_prepack>, napi_enumerable),
        InstanceMethod("conv2dPacked", &convkit_addon::call<js_conv2d_packed>, napi_enumerable),
        InstanceMethod("conv2dPackedSize", &convkit_addon::call<js_conv2d_packed_size>, napi_enumerable),
        InstanceMethod("conv2dBackwardData", &convkit_addon::call<js_conv2d_backward_data>, napi_enumerable),
        InstanceMethod("conv2dBackwardDataAsync", &convkit_addon::call<js_conv2d_backward_data_async>, napi_enumerable),
        InstanceMethod("conv2dBackwardFilter", &convkit_addon::call<js_conv2d_backward_filter>, napi_enumerable),
        InstanceMethod("conv2dBackwardFilterAsync", &convkit_addon::call<js_conv2d_backward_filter_async>, napi_enumerable),
        InstanceMethod("maxPool2d", &convkit_addon::call<js_max_pool2d>, napi_enumerable),
        InstanceMethod("maxPool2dAsync", &convkit_addon::call<js_max_pool2d_async>, napi_enumerable),
        InstanceMethod("avgPool2d", &convkit_addon::call<js_avg_pool2d>, napi_enumerable),
        InstanceMethod("avgPool2dAsync", &convkit_addon::call<js_avg_pool2d_async>, napi_enumerable),
        InstanceMethod("maxPool2dBackward", &convkit_addon::call<js_max_pool2d_backward>, napi_enumerable),
        InstanceMethod("avgPool2dBackward", &convkit_addon::call<js_avg_pool2d_backward>, napi_enumerable),
        InstanceMethod("globalAvgPool2d", &convkit_addon::call<js_global_avg_pool2d>, napi_enumerable),
        InstanceMethod("globalMaxPool2d", &convkit_addon::call<js_global_max_pool2d>, napi_enumerable),
        InstanceMethod("upsample2d", &convkit_addon::call<js_upsample2d>, napi_enumerable),
        InstanceMethod("upsample2dBackward", &convkit_addon::call<js_upsample2d_backward>, napi_enumerable),
        InstanceMethod("sgemm", &convkit_addon::call<js_sgemm>, napi_enumerable),
        InstanceMethod("sgemmAsync", &convkit_addon::call<js_sgemm_async>, napi_enumerable),
        InstanceMethod("sbgemm", &convkit_addon::call<js_sbgemm>, napi_enumerable),
        InstanceMethod("qgemm", &convkit_addon::call<js_qgemm>, napi_enumerable),
        InstanceMethod("conv2dBf16", &convkit_addon::call<js_conv2d_bf16>, napi_enumerable),
        InstanceMethod("conv2dBf16Async", &convkit_addon::call<js_conv2d_bf16_async>, napi_enumerable),
        InstanceMethod("conv2dInt8", &convkit_addon::call<js_conv2d_int8>, napi_enumerable),
        InstanceMethod("conv2dInt8Async", &convkit_addon::call<js_conv2d_int8_async>, napi_enumerable),
        InstanceMethod("conv2dInt8Prepack", &convkit_addon::call<js_conv2d_int8_prepack>, napi_enumerable),
        InstanceMethod("conv2dInt8Packed", &convkit_addon::call<js_conv2d_int8_packed>, napi_enumerable),
        InstanceMethod("conv2dInt8PackedSize", &convkit_addon::call<js_conv2d_int8_packed_size>, napi_enumerable),
        InstanceMethod("conv2dBf16Prepack", &convkit_addon::call<js_conv2d_bf16_prepack>, napi_enumerable),
        InstanceMethod("conv2dBf16Packed", &convkit_addon::call<js_conv2d_bf16_packed>, napi_enumerable),
        InstanceMethod("conv2dBf16PackedSize", &convkit_addon::call<js_conv2d_bf16_packed_size>, napi_enumerable),
        InstanceMethod("sbgemmAsync", &convkit_addon::call<js_sbgemm_async>, napi_enumerable),
        InstanceMethod("qgemmAsync", &convkit_addon::call<js_qgemm_async>, napi_enumerable),
        InstanceMethod("matmul", &convkit_addon::call<js_matmul>, napi_enumerable),
        InstanceMethod("matmulAsync", &convkit_addon::call<js_matmul_async>, napi_enumerable),
        InstanceMethod("activation", &convkit_addon::call<js_activation>, napi_enumerable),
        InstanceMethod("softmax", &convkit_addon::call<js_softmax>, napi_enumerable),
        InstanceMethod("activationBackward", &convkit_addon::call<js_activation_backward>, napi_enumerable),
        InstanceMethod("softmaxBackward", &convkit_addon::call<js_softmax_backward>, napi_enumerable),
        InstanceMethod("batchNorm2dStats", &convkit_addon::call<js_batch_norm2d_stats>, napi_enumerable),
        InstanceMethod("batchNorm2dApply", &convkit_addon::call<js_batch_norm2d_apply>, napi_enumerable),
        InstanceMethod("batchNorm2dBackward", &convkit_addon::call<js_batch_norm2d_backward>, napi_enumerable),
        InstanceMethod("copyStrided", &convkit_addon::call<js_copy_strided>, napi_enumerable),
        InstanceMethod("pad", &convkit_addon::call<js_pad>, napi_enumerable),
        InstanceMethod("binary", &convkit_addon::call<js_binary>, napi_enumerable),
        InstanceMethod("reduce", &convkit_addon::call<js_reduce>, napi_enumerable),
        InstanceMethod("argmax", &convkit_addon::call<js_argmax>, napi_enumerable),
    });
  }

 private:
  template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
  Napi::Value call(const Napi::CallbackInfo& info) {
    return Fn(info);
  }
};

}  // namespace convkit::glue

using convkit::glue::convkit_addon;
NODE_API_ADDON(convkit_addon)
