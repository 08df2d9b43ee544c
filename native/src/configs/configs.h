// Every op family's config, one header each (filled once from the CPU's features and the
// tuning switches; see tuning.h):
//   gemm-config.h        sgemm micro-kernel, GEMV kernels, block sizes (CONVKIT_GEMM_BLOCKS)
//   conv2d-config.h      direct, implicit-GEMM packing, in-place tiles (CONVKIT_CONV_ALGO)
//   dwconv-config.h      depthwise row kernels
//   winograd-config.h    Winograd transforms and thresholds (CONVKIT_WINO_PASS_FLOATS)
//   pool2d-config.h      max / avg pooling, their backward, global pooling
//   activation-config.h  element-wise activations and gradients
#pragma once

namespace convkit {

// Fills every config now (reads every switch, so their warnings are known).
void fill_all_configs();

// The one instance of a config, filled by Make on first use (thread-safe: a function-local
// static). Each config file instantiates it with its own make_config.
template <class Config, Config (*Make)()>
Config& config_instance() {
  static Config c = Make();
  return c;
}

}  // namespace convkit
