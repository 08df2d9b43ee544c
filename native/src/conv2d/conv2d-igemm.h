// The general conv2d forward path: implicit GEMM over a padded copy of the input
// (conv2d-igemm.cc). Internal to native/src/conv2d.
#pragma once
#include "convkit/conv2d.h"

namespace convkit {

// Any convolution, either layout (conv2d's contract); the driver in conv2d.cc sends it the
// shapes that no specialized kernel takes.
// r: the residual (y's shape) or null.
void conv2d_igemm(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                  const float* r = nullptr);

// The epilogue without a residual, for no activation or ReLU, as plain loops the compiler
// vectorizes (the cases the conv paths had before the fused epilogues, which the epilogue
// row's indirect call per row slowed on short rows):
//   dst[j] = src[j] + (bc ? bc[j] : bv), then v < 0 ? 0 : v when relu (keeps NaN, as max(0, v)
//   of the epilogue row does). The same arithmetic as f32_conv2d_epilogue_fn. dst may be src.
void conv2d_plain_epilogue_row(float* dst, const float* src, int64_t n, float bv, const float* bc,
                               bool relu);

// Whether conv2d_plain_epilogue_row finishes outputs of activation act (no residual).
inline bool conv2d_plain_epilogue(const float* res, activation act) {
  return res == nullptr && (act == activation::none || act == activation::relu);
}

}  // namespace convkit
