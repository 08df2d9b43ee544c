// How a conv kernel finishes its outputs (bias already in the sums), shared by every ISA's
// kernels that finish in registers: chosen once per call so that the common cases keep plain
// loops (no residual load test, no activation switch per vector): kFinishNone (no residual,
// no activation), kFinishRelu (no residual, ReLU: in registers everywhere), kFinishAny
// (residual and activation read at run time: AVX-512 in registers, AVX2 by its epilogue row).
// ISA-free; internal linkage (an unnamed namespace), so any build may include it.
#pragma once
#include "convkit/conv2d.h"

namespace convkit {
namespace {

enum finish_mode : int { kFinishNone = 0, kFinishRelu = 1, kFinishAny = 2 };

inline finish_mode finish_mode_of(bool has_res, activation act) {
  if (has_res) return kFinishAny;
  return act == activation::none ? kFinishNone : act == activation::relu ? kFinishRelu : kFinishAny;
}

}  // namespace
}  // namespace convkit
