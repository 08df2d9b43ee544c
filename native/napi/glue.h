// The addon's entry points, one group per glue file (same stems as the ops).
#pragma once
#include <napi.h>

namespace convkit::glue {

// allocator.cc: glibc heap thresholds for fresh outputs; true when applied
bool tune_allocator();

// runtime.cc
Napi::Value js_info(const Napi::CallbackInfo& info);
Napi::Value js_set_num_threads(const Napi::CallbackInfo& info);
Napi::Value js_get_num_threads(const Napi::CallbackInfo& info);
Napi::Value js_last_path(const Napi::CallbackInfo& info);  // test aid
Napi::Value js_byte_misalignment(const Napi::CallbackInfo& info);
// conv2d.cc
Napi::Value js_conv2d(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_async(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_prepack(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_packed(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_packed_size(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_backward_data(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_backward_data_async(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_backward_filter(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_backward_filter_async(const Napi::CallbackInfo& info);
// pool2d.cc
Napi::Value js_max_pool2d(const Napi::CallbackInfo& info);
Napi::Value js_max_pool2d_async(const Napi::CallbackInfo& info);
Napi::Value js_avg_pool2d(const Napi::CallbackInfo& info);
Napi::Value js_avg_pool2d_async(const Napi::CallbackInfo& info);
Napi::Value js_max_pool2d_backward(const Napi::CallbackInfo& info);
Napi::Value js_avg_pool2d_backward(const Napi::CallbackInfo& info);
Napi::Value js_global_avg_pool2d(const Napi::CallbackInfo& info);
Napi::Value js_global_max_pool2d(const Napi::CallbackInfo& info);
// upsample2d.cc
Napi::Value js_upsample2d(const Napi::CallbackInfo& info);
Napi::Value js_upsample2d_backward(const Napi::CallbackInfo& info);
// gemm.cc
Napi::Value js_sgemm(const Napi::CallbackInfo& info);
Napi::Value js_sgemm_async(const Napi::CallbackInfo& info);
Napi::Value js_sbgemm(const Napi::CallbackInfo& info);
Napi::Value js_qgemm(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_bf16(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_bf16_async(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_int8(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_int8_async(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_int8_prepack(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_int8_packed(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_int8_packed_size(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_bf16_prepack(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_bf16_packed(const Napi::CallbackInfo& info);
Napi::Value js_conv2d_bf16_packed_size(const Napi::CallbackInfo& info);
Napi::Value js_sbgemm_async(const Napi::CallbackInfo& info);
Napi::Value js_qgemm_async(const Napi::CallbackInfo& info);
Napi::Value js_matmul(const Napi::CallbackInfo& info);
Napi::Value js_matmul_async(const Napi::CallbackInfo& info);
// activation.cc
Napi::Value js_activation(const Napi::CallbackInfo& info);
Napi::Value js_softmax(const Napi::CallbackInfo& info);
Napi::Value js_activation_backward(const Napi::CallbackInfo& info);
Napi::Value js_softmax_backward(const Napi::CallbackInfo& info);
// norm.cc
Napi::Value js_batch_norm2d_stats(const Napi::CallbackInfo& info);
Napi::Value js_batch_norm2d_apply(const Napi::CallbackInfo& info);
Napi::Value js_batch_norm2d_backward(const Napi::CallbackInfo& info);
// copy.cc
Napi::Value js_copy_strided(const Napi::CallbackInfo& info);
Napi::Value js_pad(const Napi::CallbackInfo& info);

// elementwise.cc
Napi::Value js_binary(const Napi::CallbackInfo& info);
Napi::Value js_reduce(const Napi::CallbackInfo& info);
Napi::Value js_argmax(const Napi::CallbackInfo& info);

}  // namespace convkit::glue
